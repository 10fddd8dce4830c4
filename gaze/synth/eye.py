"""Render one labelled synthetic eye: eyeball, iris, pupil, lids, lashes, glints, skin.

Geometry (millimetres, image axes: x right, y down, z towards the camera, orthographic):
the eyeball (radius 12 mm) sits at the patch centre. Angles are the subject's: positive
yaw looks to the subject's right, which is image left (-x) in an unmirrored webcam frame;
positive pitch looks up (-y). The iris (11.7 mm across) and the pupil are discs on the sphere around
the gaze axis, so they move and foreshorten with yaw/pitch. The nasal corner is at +x
(a subject's right eye seen by the camera); `detect` flips the other eye to match.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

EYEBALL_R = 12.0  # mm
IRIS_D = 11.7  # mm
EYE_HALF_W = 14.0  # mm, half the corner-to-corner width


@dataclass
class EyeParams:
    """Everything that shapes one rendered eye; yaw/pitch in degrees, sizes in mm."""

    yaw: float = 0.0
    pitch: float = 0.0
    pupil_mm: float = 4.0
    openness: float = 1.0  # 1 open, 0 closed
    roll: float = 0.0  # head roll, degrees
    skin: tuple = (120, 150, 200)  # BGR
    iris: tuple = (90, 70, 40)  # BGR
    light: tuple = (0.3, -0.4)  # light direction in the image plane
    level: float = 1.0  # overall brightness
    iris_seed: int = 0
    dx: float = 0.0  # eye centre offset in the patch, mm
    dy: float = 0.0
    lash: float = 1.0  # eyelash strength
    vignette: float = 1.0  # darkening towards the patch edge (0 when pasted into a face)
    squash: float = 1.0  # horizontal foreshortening of a turned head (1 = frontal)
    lid_pitch: float | None = None  # the eye's elevation in the head, which the lids follow (None: pitch)
    lid_follow: float = 1.0  # how much the lids follow that elevation (people and renderers differ)


def gaze_vector(yaw: float, pitch: float) -> np.ndarray:
    """Return the unit gaze vector (x image right, y down, z to camera) for angles in degrees."""
    y, p = math.radians(yaw), math.radians(pitch)
    return np.array([-math.sin(y) * math.cos(p), -math.sin(p), math.cos(y) * math.cos(p)])


def _grid(h: int, w: int, px_per_mm: float, p: EyeParams, ss: int):
    """Return mm coordinates of every (supersampled) pixel, rotated by head roll."""
    xs = ((np.arange(w * ss, dtype=np.float32) + 0.5) / ss - w / 2) / (px_per_mm * p.squash) - p.dx
    ys = ((np.arange(h * ss, dtype=np.float32) + 0.5) / ss - h / 2) / px_per_mm - p.dy
    x, y = np.meshgrid(xs, ys)
    c, s = math.cos(math.radians(p.roll)), math.sin(math.radians(p.roll))
    return c * x + s * y, -s * x + c * y


def _lids(x: np.ndarray, p: EyeParams):
    """Return the upper and lower lid y (mm) above each x; the lids follow pitch."""
    u = np.clip(x / EYE_HALF_W, -1, 1)
    shape = np.clip(1 - u ** 2, 0, None) ** 0.75 * (1 + 0.12 * u)
    pitch = (p.pitch if p.lid_pitch is None else p.lid_pitch) * p.lid_follow
    lower = (3.6 - 0.04 * pitch) * shape + 0.6
    upper_open = (5.6 + 0.11 * pitch) * shape * (1 + 0.1 * u) - 0.4
    upper = lower - p.openness * (lower + upper_open)
    return upper, lower


def _iris_texture(phi, rho, p: EyeParams):
    """Return iris brightness factors from polar coordinates around the gaze axis."""
    rng = np.random.default_rng(p.iris_seed)
    t = np.zeros_like(phi)
    phi = phi.astype(np.float32)
    for k in rng.integers(8, 40, size=5):
        t += np.sin(k * phi + rng.uniform(0, 6.3)) * rng.uniform(0.03, 0.08)
    ring = 0.55 + 0.45 * np.clip((1 - rho) / 0.25, 0, 1)  # dark limbal ring
    collar = 1 + 0.25 * np.exp(-((rho - 0.45) / 0.08) ** 2)
    return np.clip((0.85 + t) * ring * collar, 0.1, 1.6)


def _smooth(edge: np.ndarray, width: float) -> np.ndarray:
    """Return a soft 0..1 step of a signed distance (positive inside)."""
    return np.clip(edge / width + 0.5, 0, 1)


def _eyeball(x, y, p: EyeParams, mask):
    """Return the eyeball colour (iris, pupil, shaded sclera) where `mask` is set, and the gaze vector."""
    g = gaze_vector(p.yaw, p.pitch).astype(np.float32)
    xm, ym = x[mask], y[mask]
    z = np.sqrt(np.clip(EYEBALL_R ** 2 - xm ** 2 - ym ** 2, 0, None))
    pts = np.stack([xm, ym, z], -1) / np.float32(EYEBALL_R)
    cos_a = pts @ g
    ang = np.arccos(np.clip(cos_a, -1, 1))
    iris_ang = math.asin(IRIS_D / 2 / EYEBALL_R)
    pupil_ang = math.asin(p.pupil_mm / 2 / EYEBALL_R)
    perp = pts - cos_a[:, None] * g
    a1 = np.cross(g, [0.0, 1.0, 0.0]).astype(np.float32)
    a1 /= np.linalg.norm(a1)
    phi = np.arctan2(perp @ np.cross(g, a1).astype(np.float32), perp @ a1)
    sclera = np.array([215, 222, 228], np.float32) * (0.8 + 0.2 * pts[:, 2:3])
    iris = np.array(p.iris, np.float32) * _iris_texture(phi, ang / iris_ang, p)[:, None]
    w = 0.012 * EYEBALL_R
    in_iris = _smooth((iris_ang - ang) * EYEBALL_R, w * 2)[:, None]
    in_pupil = _smooth((pupil_ang - ang) * EYEBALL_R, w)[:, None]
    col = sclera * (1 - in_iris) + iris * in_iris
    out = np.zeros(x.shape + (3,), np.float32)
    out[mask] = col * (1 - in_pupil) + np.float32(12) * in_pupil
    return out, g


def _glints(img, p: EyeParams, g, px_per_mm, w, h, ss, rng):
    """Draw one or two corneal reflections near the iris centre."""
    cc = 5.6 * g[:2]
    for lx, ly in [p.light, (rng.uniform(-0.4, 0.4), rng.uniform(-0.5, 0.1))][: rng.integers(1, 3)]:
        off = np.array([lx, ly]) * 0.5 * 7.8 / max(1.0, math.hypot(lx, ly) * 1.2)
        gx, gy = cc + off
        up, lo = _lids(np.array([gx]), p)
        if not up[0] + 0.5 < gy < lo[0] - 0.5:
            continue  # hidden by a lid
        c, s = math.cos(math.radians(p.roll)), math.sin(math.radians(p.roll))
        px = (c * gx - s * gy + p.dx) * px_per_mm * p.squash + w / 2
        py = (s * gx + c * gy + p.dy) * px_per_mm + h / 2
        rad = max(1, int(ss * px_per_mm * rng.uniform(0.35, 0.6)))
        cv2.circle(img, (int(px * ss), int(py * ss)), rad, (250, 250, 250), -1, cv2.LINE_AA)


def _lashes(img, x, y_up, p: EyeParams, px_per_mm, w, h, ss, rng):
    """Draw eyelashes along the upper lid edge."""
    hs, ws = img.shape[:2]
    xs = np.linspace(-EYE_HALF_W * 0.95, EYE_HALF_W * 0.8, 22)
    upper, _ = _lids(xs, p)
    c, s = math.cos(math.radians(p.roll)), math.sin(math.radians(p.roll))
    col = tuple(int(v * 0.25) for v in p.skin)
    for xm, ym in zip(xs, upper):
        length = rng.uniform(1.5, 3.0) * p.lash
        down = 1.0 - min(1.0, p.openness / 0.3)  # closed lids' lashes point down
        ang = (-math.pi / 2 - 0.6 * xm / EYE_HALF_W) * (1 - 2 * down) + rng.normal(0, 0.15)
        pts = []
        for qx, qy in ((xm, ym), (xm + length * math.cos(ang), ym + length * math.sin(ang))):
            pts.append((int(((c * qx - s * qy + p.dx) * px_per_mm * p.squash + w / 2) * ss),
                        int(((s * qx + c * qy + p.dy) * px_per_mm + h / 2) * ss)))
        cv2.line(img, pts[0], pts[1], col, max(1, ss // 2 + 1), cv2.LINE_AA)


def render_eye_patch(p: EyeParams, size=(36, 60), px_per_mm=1.5, rng=None, ss=3) -> np.ndarray:
    """Render a clean BGR uint8 eye patch of `size` (h, w) centred on the eyeball."""
    rng = rng if rng is not None else np.random.default_rng(p.iris_seed)
    h, w = size
    x, y = _grid(h, w, px_per_mm, p, ss)
    upper, lower = _lids(x, p)
    inside = _smooth(np.minimum(y - upper, lower - y), 0.35)
    ball, g = _eyeball(x, y, p, inside > 0)
    inside = inside[..., None]
    lx, ly = p.light
    shade = 0.85 + 0.25 * (lx * x + ly * y) / 20 - p.vignette * 0.001 * (x ** 2 + y ** 2)
    skin = np.array(p.skin, np.float32) * shade[..., None]
    crease = np.exp(-((y - (upper - 3.5 * (1 - 0.4 * (x / EYE_HALF_W) ** 2))) / 0.6) ** 2)
    skin = skin * (1 - 0.25 * crease[..., None])
    lid_shadow = np.clip(1 - 0.45 * np.exp(-(y - upper) / 1.2), 0.5, 1)[..., None]
    eye = ball * lid_shadow * (0.75 + 0.25 * shade[..., None])
    img = (skin * (1 - inside) + eye * inside)
    corner = np.exp(-(((x - EYE_HALF_W + 1.5) / 1.5) ** 2 + (y / 1.2) ** 2))[..., None]
    img = img * (1 - 0.5 * corner) + np.array([120, 120, 200], np.float32) * 0.5 * corner
    img = np.clip(img * p.level, 0, 255).astype(np.uint8)
    if p.openness > 0.15:
        _glints(img, p, g, px_per_mm, w, h, ss, rng)
    _lashes(img, x, upper, p, px_per_mm, w, h, ss, rng)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
