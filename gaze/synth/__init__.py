"""Synthetic eyes, faces and clips with known gaze, pupil and blink labels."""
from .data import CROP_H, CROP_W, CROP_PX_PER_MM, Batch, make_batch, random_params, render_sample
from .eye import EyeParams, gaze_vector, render_eye_patch

__all__ = ["CROP_H", "CROP_W", "CROP_PX_PER_MM", "Batch", "EyeParams", "gaze_vector",
           "make_batch", "random_params", "render_eye_patch", "render_sample"]
