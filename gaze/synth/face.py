"""Render whole synthetic webcam frames: background, face with brows, nose, mouth and two eyes."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from .eye import EyeParams, render_eye_patch

FRAME_W, FRAME_H = 640, 480
EYE_SEP = 63.0  # mm between the eye centres


@dataclass
class FaceParams:
    """One frame's face: position and scale in the frame, head pose, the eyes and the scene."""

    eye: EyeParams  # gaze, pupil, openness, colours shared by both eyes
    cx: float = 320.0  # midpoint between the eyes, frame pixels
    cy: float = 200.0
    px_per_mm: float = 1.3
    head_yaw: float = 0.0  # degrees, subject's right positive (image left)
    head_pitch: float = 0.0
    head_roll: float = 0.0
    background: int = 0  # seed of the background pattern
    hair: tuple = (30, 35, 45)


@lru_cache(maxsize=8)
def _background(seed: int, level: float) -> np.ndarray:
    """Return a smooth indoor-looking background: gradient, blurred blocks (cached, read-only)."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(60, 200, 3)
    y = np.linspace(0, 1, FRAME_H)[:, None, None]
    img = np.ones((FRAME_H, FRAME_W, 3)) * base * (0.8 + 0.4 * y)
    for _ in range(6):
        x0, y0 = rng.integers(0, FRAME_W), rng.integers(0, FRAME_H)
        cv2.rectangle(img, (int(x0), int(y0)), (int(x0 + rng.integers(40, 250)), int(y0 + rng.integers(40, 250))),
                      rng.uniform(40, 230, 3).tolist(), -1)
    img = cv2.GaussianBlur(img, (0, 0), 6)
    img = np.clip(img * level, 0, 255).astype(np.uint8)
    img.flags.writeable = False
    return img


def _pt(f: FaceParams, x: float, y: float, depth: float = 0.0) -> tuple[int, int]:
    """Project a face point (mm from the eye midpoint, depth towards camera) to frame pixels."""
    hy, hp, hr = (math.radians(v) for v in (f.head_yaw, f.head_pitch, f.head_roll))
    px = x * math.cos(hy) - depth * math.sin(hy)
    py = y * math.cos(hp) - depth * math.sin(hp)
    rx = px * math.cos(hr) - py * math.sin(hr)
    ry = px * math.sin(hr) + py * math.cos(hr)
    return int(round(f.cx + rx * f.px_per_mm)), int(round(f.cy + ry * f.px_per_mm))


def _ellipse(img, f: FaceParams, c, axes, colour, depth=0.0, angle=0.0, thick=-1, arc=(0, 360)):
    """Draw a filled (or outlined) ellipse given in face millimetres."""
    ax = (max(1, int(axes[0] * f.px_per_mm * math.cos(math.radians(f.head_yaw)))),
          max(1, int(axes[1] * f.px_per_mm)))
    cv2.ellipse(img, _pt(f, *c, depth), ax, angle + f.head_roll, arc[0], arc[1], colour, thick, cv2.LINE_AA)


def _features(img, f: FaceParams, skin) -> None:
    """Draw head, hair, brows, nose and mouth."""
    dark = tuple(int(c * 0.55) for c in skin)
    s = f.px_per_mm
    neck_a, neck_b = _pt(f, -28, 70, -30), _pt(f, 28, 175, -30)
    cv2.rectangle(img, neck_a, neck_b, tuple(int(c * 0.8) for c in skin), -1)
    _ellipse(img, f, (0, 250), (150, 90), f.hair[::-1], depth=-40)  # shoulders, clothed
    _ellipse(img, f, (0, 12), (78, 104), f.hair, depth=-20)  # hair behind the face
    _ellipse(img, f, (0, 22), (70, 96), skin)
    _ellipse(img, f, (0, -62), (66, 32), f.hair, arc=(180, 360))  # fringe
    for side in (-1, 1):
        _ellipse(img, f, (side * 33, -11), (19, 5), f.hair, thick=max(2, int(4 * s)), arc=(200, 340))
        _ellipse(img, f, (side * 28, 0), (15, 10), tuple(int(c * 0.85) for c in skin), depth=-4)
    cv2.line(img, _pt(f, -4, 6, 10), _pt(f, -7, 36, 22), dark, max(1, int(2 * s)), cv2.LINE_AA)
    _ellipse(img, f, (0, 42), (13, 6), tuple(int(c * 0.8) for c in skin), depth=25)
    for side in (-1, 1):
        _ellipse(img, f, (side * 7, 45), (4, 2), tuple(int(c * 0.35) for c in skin), depth=22)
    _ellipse(img, f, (0, 70), (24, 7), (80, 80, 160), depth=10)
    cv2.line(img, _pt(f, -23, 70, 10), _pt(f, 23, 70, 10), (40, 40, 90), max(1, int(1.5 * s)), cv2.LINE_AA)


def _paste_eye(img, f: FaceParams, side: int, rng) -> None:
    """Render one eye patch at face scale and blend it in with a feathered mask."""
    e = f.eye
    mirrored = side > 0  # the subject's left eye is image right: render mirrored, then flip
    p = replace(e, yaw=-e.yaw if mirrored else e.yaw, roll=(-1 if mirrored else 1) * f.head_roll,
                dx=0.0, dy=0.0, iris_seed=e.iris_seed + (1 if mirrored else 0), vignette=0.0, light=(0.0, 0.0),
                skin=tuple(min(255.0, c / 0.85) for c in e.skin))
    h = int(round(30 * f.px_per_mm)) | 1
    w = int(round(46 * f.px_per_mm)) | 1
    patch = render_eye_patch(p, (h, w), f.px_per_mm * math.cos(math.radians(f.head_yaw)) ** 0.5, rng, ss=2)
    if mirrored:
        patch = cv2.flip(patch, 1)
    cx, cy = _pt(f, side * EYE_SEP / 2, 0)
    x0, y0 = cx - w // 2, cy - h // 2
    if x0 < 0 or y0 < 0 or x0 + w > FRAME_W or y0 + h > FRAME_H:
        return
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (int(w * 0.42), int(h * 0.36)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, w / 14))[..., None]
    roi = img[y0:y0 + h, x0:x0 + w].astype(np.float32)
    img[y0:y0 + h, x0:x0 + w] = (roi * (1 - mask) + patch * mask).astype(np.uint8)


def face_box(f: FaceParams) -> tuple[int, int, int, int]:
    """Return the face's x, y, w, h in the frame (brows to chin, cheek to cheek)."""
    w = 140 * f.px_per_mm * math.cos(math.radians(f.head_yaw))
    x, y = _pt(f, 0, 22)
    return int(x - w / 2), int(y - 96 * f.px_per_mm), int(w), int(192 * f.px_per_mm)


def eye_centres(f: FaceParams) -> list[tuple[int, int]]:
    """Return the frame pixel centres of the image-left and image-right eye."""
    return [_pt(f, -EYE_SEP / 2, 0), _pt(f, EYE_SEP / 2, 0)]


def render_face(f: FaceParams, rng: np.random.Generator | None = None) -> np.ndarray:
    """Render one 640x480 BGR webcam-like frame of the face described by `f`."""
    rng = rng if rng is not None else np.random.default_rng(f.background)
    img = _background(f.background, round(f.eye.level, 3)).copy()
    skin = tuple(int(min(255, c * f.eye.level)) for c in f.eye.skin)
    _features(img, f, skin)
    _paste_eye(img, f, -1, rng)
    _paste_eye(img, f, 1, rng)
    noise = rng.normal(0, 2.5, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)
