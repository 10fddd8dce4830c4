"""Gaze estimation: eye localisation, the CNN, calibration and filters. Plain values in and out."""
from .sample import GazeSample

__all__ = ["GazeSample"]
