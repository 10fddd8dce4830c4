"""Random eye parameters, camera degradations and seeded batches of labelled eye crops."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .eye import EyeParams, render_eye_patch

CROP_H, CROP_W = 36, 60  # the CNN's input crop (grey)
CROP_PX_PER_MM = 1.5  # crop scale: the 28 mm corner-to-corner eye spans 42 of 60 px
SKINS = [(200, 215, 240), (160, 185, 225), (120, 150, 200), (90, 120, 170), (60, 85, 125), (40, 55, 85)]
IRISES = [(150, 110, 60), (120, 130, 90), (60, 90, 80), (40, 70, 100), (35, 55, 80), (30, 45, 65)]


@dataclass
class Batch:
    """Grey eye crops (N, 36, 60) uint8 with their labels (float32 arrays of N)."""

    images: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    pupil_mm: np.ndarray
    openness: np.ndarray


def _jitter_colour(base, rng, amount=8):
    """Return a BGR colour near `base`: a brightness change plus a small per-channel shift."""
    k = rng.uniform(0.85, 1.15)
    return tuple(float(np.clip(c * k + rng.normal(0, amount), 0, 255)) for c in base)


def random_params(rng: np.random.Generator, hard: bool = False) -> EyeParams:
    """Draw one eye's parameters; `hard` draws extreme angles and dim light."""
    lim_y, lim_p = (28, 22) if hard else (25, 20)
    yaw, pitch = rng.uniform(-lim_y, lim_y), rng.uniform(-lim_p, lim_p)
    if hard:
        yaw, pitch = np.sign(yaw) * rng.uniform(18, 28), np.sign(pitch) * rng.uniform(12, 20)
    u = rng.random()
    openness = rng.uniform(0.0, 0.2) if u < 0.15 else rng.uniform(0.2, 0.6) if u < 0.3 else rng.uniform(0.6, 1.0)
    return EyeParams(
        yaw=yaw, pitch=pitch, pupil_mm=rng.uniform(2.0, 8.0), openness=openness,
        roll=rng.normal(0, 4), skin=_jitter_colour(SKINS[rng.integers(len(SKINS))], rng),
        iris=_jitter_colour(IRISES[rng.integers(len(IRISES))], rng),
        light=(rng.uniform(-1, 1), rng.uniform(-1, 1)),
        level=rng.uniform(0.25, 0.5) if hard else rng.uniform(0.45, 1.25),
        iris_seed=int(rng.integers(1 << 30)), dx=rng.normal(0, 1.0), dy=rng.normal(0, 0.7),
        lash=rng.uniform(0.3, 1.3), vignette=rng.uniform(0.0, 1.2),
    )


def degrade(img: np.ndarray, rng: np.random.Generator, hard: bool = False) -> np.ndarray:
    """Apply camera effects: low resolution, blur, noise and JPEG artefacts."""
    h, w = img.shape[:2]
    if hard or rng.random() < 0.3:
        f = rng.uniform(0.35, 0.6) if hard else rng.uniform(0.5, 0.9)
        small = cv2.resize(img, (max(8, int(w * f)), max(5, int(h * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    sigma = rng.uniform(0.8, 1.5) if hard else rng.uniform(0, 0.9)
    if sigma > 0.2:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = rng.normal(0, rng.uniform(0, 6 if not hard else 9), img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(35, 95))])
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return img


def render_sample(rng: np.random.Generator, hard: bool = False, colour: bool = False):
    """Return (crop, params): one degraded eye crop and the parameters that made it."""
    p = random_params(rng, hard)
    scale = CROP_PX_PER_MM * rng.uniform(0.92, 1.08)
    img = render_eye_patch(p, (CROP_H, CROP_W), scale, rng, ss=2)
    if not colour:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return degrade(img, rng, hard), p


def make_batch(n: int, seed: int | list, hard: bool = False) -> Batch:
    """Render `n` labelled grey eye crops, reproducibly from `seed`."""
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, CROP_H, CROP_W), np.uint8)
    labels = np.empty((n, 4), np.float32)
    for i in range(n):
        imgs[i], p = render_sample(rng, hard)
        labels[i] = (p.yaw, p.pitch, p.pupil_mm, p.openness)
    return Batch(imgs, *labels.T.copy())
