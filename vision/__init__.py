"""What is in a clip: decode frames, find and track vehicles and riders, read signals, helmets.

Entry points: `vision.pipeline.observe_clip` (clip -> ClipObservation: tracks, signal
timeline, helmet reads, plate crops; the rules are applied by `echallan.clips.findings`),
`vision.evidence` (plate vote and evidence frames for found violations),
`vision.helmet.HelmetClassifier`, `vision.detect.Detector` (background subtraction
by default, `OnnxYoloDetector` for a deployment's own model), `synth.scenes` (synthetic
junction clips with ground truth). Bad clips raise `vision.errors.ClipError`.
"""
