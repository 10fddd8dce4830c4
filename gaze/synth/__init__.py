"""Synthetic eyes, faces, photograph composites and clips with known gaze, pupil and blink labels."""
from .data import CROP_H, CROP_W, CROP_PX_PER_MM, Batch, make_batch, random_params, render_sample
from .eye import EyeParams, gaze_vector, render_eye_patch

__all__ = ["CROP_H", "CROP_W", "CROP_PX_PER_MM", "Batch", "EyeParams", "gaze_vector",
           "make_batch", "random_params", "render_eye_patch", "render_sample"]
from .clip import default_face, make_test_track, render_clip, render_photo_clip  # noqa: E402
from .face import FaceParams, eye_centres, face_box, render_face  # noqa: E402

__all__ += ["FaceParams", "default_face", "eye_centres", "face_box", "make_test_track", "render_clip",
            "render_face", "render_photo_clip"]
