"""Offline training recipes: the helmet and head models (vision), the plate reader (ocr) and
the detector conversion (detector). Not part of the runtime.
"""
