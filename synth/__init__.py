"""Synthesisers: rendered junction clips with ground truth and rendered plates.

For tests, benches, training and the demo data; the runtime (echallan/, vision/, ocr/) does not
import them, except `echallan.demo`, which renders its sample clips.
"""
