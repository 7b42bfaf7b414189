"""What is in a clip: decode frames, find and track vehicles and riders, read signals, helmets.

Entry points: `vision.pipeline.analyze_clip` (clip -> ClipAnalysis with violations and
evidence), `vision.helmet.HelmetClassifier`, `vision.detect.Detector` (background subtraction
by default, `OnnxYoloDetector` for a deployment's own model), `vision.scenes` (synthetic
junction clips with ground truth). Bad clips raise `vision.errors.ClipError`.
"""
