"""A second eye renderer, built differently from gaze.synth.eye: rays cast through a 3-D eye region.

gaze.synth.eye paints an iris disc on an orthographic eyeball under 2-D lid curves. Here every pixel
of the normalised camera (gaze.normalize) casts a ray into a head-fixed eye region: an eyeball sphere,
a corneal cap that refracts (n = 1.376) onto a recessed iris plane with value-noise texture, lid
margins defined on the eyeball in head angles (the upper lid follows the eye's elevation), skin with a
lid bulge, crease, brow and make-up, lashes drawn in 3-D and projected, glints from point lights, and
optional glasses frames and lens reflections. Labels are exact: the gaze in the normalised camera, the
pupil-to-iris ratio, the lid aperture and where the iris centre projects.

Head frame: x image right (towards the nose for the image-left eye rendered here), y down, z into the
head; origin midway between the eye corners. The image-right eye is rendered mirrored (see pairs.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..normalize import D_N, F_N, PATCH_H, PATCH_W

N_CORNEA = 1.376
CORNEA_R = 7.8  # mm
APEX = 13.8  # mm from the eyeball's centre to the corneal apex
IRIS_DEPTH = 9.6  # mm from the centre to the iris plane, along the optical axis


@dataclass
class Eye3D:
    """One eye region: geometry, appearance and light. Angles in degrees, lengths in mm, colours BGR 0..1."""

    head: np.ndarray = field(default_factory=lambda: np.eye(3))  # head rotation in the normalised camera
    gaze: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, -1.0]))  # unit, normalised camera
    ball_r: float = 12.0
    centre: tuple = (0.0, 0.0, 10.5)  # eyeball centre in the head frame
    iris_r: float = 5.9
    pupil_r: float = 2.0
    kappa: tuple = (0.0, 0.0)  # optical axis minus visual axis, degrees (yaw, pitch)
    openness: float = 1.0  # lid aperture as a fraction of this eye's full opening
    up_open: float = 0.42  # upper margin elevation at the middle, radians, fully open
    lo_open: float = 0.33  # lower margin depression, radians
    corner_t: float = -1.15  # temporal corner azimuth, radians (negative: image left)
    corner_n: float = 0.95  # nasal corner azimuth
    skew: float = 0.1  # the highest point of the upper lid moves this far towards the nose
    lid_follow: float = 0.6  # how far the upper lid follows the eye's elevation (radians per radian)
    skin: tuple = (0.45, 0.55, 0.75)
    sclera: tuple = (0.85, 0.87, 0.9)
    iris_a: tuple = (0.25, 0.35, 0.45)
    iris_b: tuple = (0.1, 0.15, 0.2)
    iris_seed: int = 0
    light: tuple = (0.3, -0.5, -0.8)  # direction towards the light, head frame
    ambient: float = 0.45
    diffuse: float = 0.6
    glints: tuple = ((0.0, 0.0, -1.0),)  # directions of point lights seen in the cornea (camera frame)
    lash_len: float = 7.0
    lash_n: int = 26
    lash_dark: float = 0.15
    liner: float = 0.0  # eyeliner strength 0..1
    shadow: tuple | None = None  # eyeshadow colour, or None
    brow_y: float = -16.0  # brow centre height, mm
    brow_dark: float = 0.5
    crease: float = 0.6


def _value_noise(u: np.ndarray, v: np.ndarray, seed: int, cells=(24, 6)) -> np.ndarray:
    """Return smooth value noise in [0, 1] at (u, v) in [0, 1) x [0, 1], periodic in u."""
    rng = np.random.default_rng(seed)
    cu, cv = cells
    grid = rng.random((cv + 2, cu + 1)).astype(np.float32)
    grid[:, -1] = grid[:, 0]
    x, y = u * cu, np.clip(v, 0, 1) * cv
    i, j = np.floor(x).astype(int) % cu, np.minimum(np.floor(y).astype(int), cv)
    fx, fy = x - np.floor(x), y - np.floor(y)
    fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
    a = grid[j, i] * (1 - fx) + grid[j, i + 1] * fx
    b = grid[j + 1, i] * (1 - fx) + grid[j + 1, i + 1] * fx
    return a * (1 - fy) + b * fy


def _sphere_hit(o, d, c, r):
    """Return (t, hit) of the first intersection of rays o + t d with a sphere."""
    oc = o - c
    b = np.sum(d * oc, -1)
    disc = b * b - (np.sum(oc * oc, -1) - r * r)
    hit = disc > 0
    t = -b - np.sqrt(np.maximum(disc, 0))
    return t, hit & (t > 0)


def _rot(yaw: float, pitch: float) -> np.ndarray:
    """Return a rotation that turns (0, 0, -1) by the given angles (degrees)."""
    y, p = math.radians(yaw), math.radians(pitch)
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rp = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    return ry @ rp


def lid_margins(e: Eye3D, az: np.ndarray, elev_gaze: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the upper and lower margin elevations (radians, up positive) at azimuths `az`."""
    mid, half = (e.corner_n + e.corner_t) / 2, (e.corner_n - e.corner_t) / 2
    u = np.clip((az - mid) / half, -1, 1)
    shape = np.clip(1 - u * u, 0, None) ** 0.8
    upper_shape = shape * (1 + e.skew * u) ** 2 / (1 + e.skew) ** 0.5
    lower = -(e.lo_open - 0.4 * e.lid_follow * elev_gaze) * shape
    upper_open = (e.up_open + e.lid_follow * elev_gaze) * upper_shape
    upper = lower + e.openness * (upper_open - lower)
    return upper, lower


def _eye_angles(p, c):
    """Return azimuth (towards +x) and elevation (up) of points on the eyeball seen from the front."""
    v = p - c
    return np.arctan2(v[..., 0], -v[..., 2]), np.arctan2(-v[..., 1], np.hypot(v[..., 0], v[..., 2]))


def _refract(d, n, eta):
    """Return refracted unit directions (Snell), n pointing against d."""
    cos_i = -np.sum(d * n, -1, keepdims=True)
    k = 1 - eta * eta * (1 - cos_i * cos_i)
    return eta * d + (eta * cos_i - np.sqrt(np.maximum(k, 0))) * n


def render(e: Eye3D, size=(PATCH_H, PATCH_W), focal: float = F_N, ss: int = 2, rng=None,
           lids: bool = True) -> tuple[np.ndarray, dict]:
    """Render the eye region in the normalised camera; return (BGR float image 0..1, labels).

    Without `lids` only the eyeball is drawn (for pasting into a photograph's own lids): labels["mask"]
    then says where it covers the image."""
    rng = rng if rng is not None else np.random.default_rng(e.iris_seed)
    h, w = size[0] * ss, size[1] * ss
    f = focal * ss
    us, vs = np.meshgrid((np.arange(w) + 0.5 - w / 2) / f, (np.arange(h) + 0.5 - h / 2) / f)
    d_cam = np.stack([us, vs, np.ones_like(us)], -1)
    d_cam /= np.linalg.norm(d_cam, axis=-1, keepdims=True)
    H = e.head
    d = d_cam @ H  # rows: H^T d
    o = (H.T @ np.array([0.0, 0.0, -D_N]))[None, None, :]
    c = np.asarray(e.centre, float)
    gaze_h = H.T @ e.gaze  # the visual axis in the head frame
    axis = _rot(*e.kappa) @ gaze_h
    axis /= np.linalg.norm(axis)
    elev = math.asin(-axis[1])

    t_ball, hit_ball = _sphere_hit(o, d, c, e.ball_r)
    cc = c + axis * (APEX - CORNEA_R)
    t_cor, hit_cor = _sphere_hit(o, d, cc, CORNEA_R)
    p_cor = o + t_cor[..., None] * d
    limbus = (APEX - CORNEA_R + (e.ball_r ** 2 - CORNEA_R ** 2 - (APEX - CORNEA_R) ** 2) / (2 * (APEX - CORNEA_R)))
    on_cap = hit_cor & (np.sum((p_cor - c) * axis, -1) > limbus)
    p_ball = o + t_ball[..., None] * d
    front = np.where(on_cap[..., None], p_cor, p_ball)
    az, el = _eye_angles(front, c)
    upper, lower = lid_margins(e, az, elev)
    aperture = (hit_ball | on_cap) & (el < upper) & (el > lower) & (az > e.corner_t) & (az < e.corner_n)
    if not lids:
        aperture = hit_ball | on_cap
    # soft edge in angle: about a quarter of a millimetre
    soft = np.clip(np.minimum(upper - el, el - lower) * e.ball_r / 0.3 + 0.5, 0, 1) * aperture if lids else aperture

    light = np.asarray(e.light, float)
    light /= np.linalg.norm(light)
    # eyeball: sclera everywhere, then iris and pupil seen through the cornea
    n_ball = (p_ball - c) / e.ball_r
    lam = np.clip(-(n_ball @ light), 0, 1)
    ang_axis = np.arccos(np.clip(np.sum(n_ball * axis, -1), -1, 1))
    limbal = 1 - 0.35 * np.exp(-((ang_axis - math.asin(min(1, e.iris_r / e.ball_r)) - 0.05) / 0.07) ** 2)
    vein = 1 - 0.08 * (_value_noise((az / 6.283) % 1, (el + 1) / 2, e.iris_seed + 7, (40, 10)) > 0.8)
    col = np.array(e.sclera) * ((e.ambient + e.diffuse * lam) * limbal * vein)[..., None]
    # corner of the eye: the pink caruncle
    car = np.exp(-((az - e.corner_n + 0.08) / 0.08) ** 2 - (el / 0.12) ** 2)[..., None]
    col = col * (1 - 0.6 * car) + np.array([0.55, 0.55, 0.8]) * 0.6 * car

    n_cor = (p_cor - cc) / CORNEA_R
    d_in = _refract(d, n_cor, 1 / N_CORNEA)
    centre_i = c + axis * IRIS_DEPTH
    denom = np.sum(d_in * axis, -1)
    t_i = np.sum((centre_i - p_cor) * axis, -1) / np.where(np.abs(denom) < 1e-6, -1e-6, denom)
    p_i = p_cor + t_i[..., None] * d_in
    rel = p_i - centre_i
    rho = np.linalg.norm(rel, axis=-1)
    a1 = np.cross(axis, [0.0, 1.0, 0.0])
    a1 /= np.linalg.norm(a1)
    a2 = np.cross(axis, a1)
    phi = np.arctan2(rel @ a2, rel @ a1)
    r_norm = rho / e.iris_r
    tex = _value_noise((phi / 6.283) % 1, np.clip(r_norm, 0, 1), e.iris_seed, (48, 5))
    fib = _value_noise((phi / 6.283 * 3) % 1, np.clip(r_norm, 0, 1), e.iris_seed + 1, (90, 2))
    mixk = np.clip(0.5 * tex + 0.5 * fib + 0.3 * (r_norm - 0.5), 0, 1)[..., None]
    iris = np.array(e.iris_a) * (1 - mixk) + np.array(e.iris_b) * mixk
    iris *= (0.55 + 0.45 * np.clip((1 - r_norm) / 0.15, 0, 1))[..., None]  # limbal ring
    iris *= (e.ambient + 0.8 * e.diffuse)
    in_iris = np.clip((e.iris_r - rho) / 0.15 + 0.5, 0, 1)[..., None] * on_cap[..., None]
    in_pupil = np.clip((e.pupil_r - rho) / 0.1 + 0.5, 0, 1)[..., None]
    inner = iris * (1 - in_pupil) + 0.03 * in_pupil
    col = col * (1 - in_iris) + inner * in_iris
    # specular glints on the cornea (the camera frame's light directions, into the head frame)
    refl = d - 2 * np.sum(d * n_cor, -1, keepdims=True) * n_cor
    for g in e.glints:
        lg = H.T @ (np.asarray(g, float) / np.linalg.norm(g))
        spec = np.exp((np.sum(refl * lg, -1) - 1) / 0.0012) * on_cap
        col = col + spec[..., None] * 1.5
    centre_cam = H @ centre_i + np.array([0.0, 0.0, D_N])
    labels = {"iris_px": (focal * centre_cam[0] / centre_cam[2], focal * centre_cam[1] / centre_cam[2]),
              "pupil_ratio": e.pupil_r / e.iris_r, "openness": e.openness}
    if not lids:
        small = lambda a: cv2.resize(np.asarray(a, np.float32), (size[1], size[0]), interpolation=cv2.INTER_AREA)
        return small(col * soft[..., None]), {**labels, "mask": small(soft)}
    # the upper lid shades the top of the eye
    col *= (1 - 0.45 * np.exp(-np.maximum(upper - el, 0) * e.ball_r / 1.3))[..., None]

    skin = _skin(e, o, d, c, upper, lower, az, el, elev, light)
    img = skin * (1 - soft[..., None]) + col * soft[..., None]
    img = _lashes(img, e, H, c, elev, f, rng)
    img = cv2.resize(img.astype(np.float32), (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return img, labels


def _skin(e: Eye3D, o, d, c, upper, lower, az, el, elev, light) -> np.ndarray:
    """Shade the skin around the eye: a lid bulge over the eyeball, crease, brow, make-up, pores."""
    t = -o[..., 2] / np.where(np.abs(d[..., 2]) < 1e-6, 1e-6, d[..., 2])  # the z = 0 plane of the head
    p = o + t[..., None] * d
    x, y = p[..., 0], p[..., 1]
    # the lid's bulge over the eyeball and the brow ridge as smooth bumps: their slopes shade the skin
    sig = e.ball_r * 0.8
    bump = 1.5 * np.exp(-((x - c[0]) ** 2 + (y - c[1]) ** 2) / (2 * sig * sig))
    gx, gy = -bump * (x - c[0]) / sig ** 2, -bump * (y - c[1]) / sig ** 2
    ridge = 2.0 * np.exp(-((y - e.brow_y) / 5.0) ** 2)
    gy = gy - ridge * 2 * (y - e.brow_y) / 25.0
    n = np.stack([gx, gy, -np.ones_like(gx)], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    lam = np.clip(-(n @ light), 0, 1)
    pores = _value_noise((x / 40 + 0.5) % 1, (y / 40 + 0.5), e.iris_seed + 3, (30, 30))
    shade = (e.ambient + e.diffuse * lam) * (0.94 + 0.12 * pores)
    col = np.array(e.skin) * shade[..., None]
    above = el - upper  # radians above the upper margin (inside the eye's azimuth range)
    inside_az = (az > e.corner_t - 0.1) & (az < e.corner_n + 0.1)
    crease = e.crease * np.exp(-((above - 0.35 - 0.2 * elev) / 0.07) ** 2) * inside_az
    col *= (1 - 0.35 * crease)[..., None]
    if e.shadow is not None:
        k = np.clip(1 - above / 0.45, 0, 1) * (above > 0) * inside_az * 0.5
        col = col * (1 - k[..., None]) + np.array(e.shadow) * col.mean(-1, keepdims=True) * 1.3 * k[..., None]
    if e.liner > 0:
        k = e.liner * np.exp(-(np.maximum(above, 0) / 0.06) ** 2) * inside_az * (above > -0.02)
        col *= (1 - 0.8 * k)[..., None]
    lower_margin = np.exp(-((el - lower) / 0.05) ** 2) * inside_az * (el < lower + 0.05)
    col *= (1 - 0.25 * lower_margin)[..., None]
    brow_curve = e.brow_y - 2.5 * np.exp(-((x + 3) / 14) ** 2)
    hair = _value_noise((x / 25 + 0.5) % 1, (y - brow_curve + 8) / 16, e.iris_seed + 5, (60, 3))
    brow = np.clip(1 - np.abs(y - brow_curve) / 3.2, 0, 1) * (np.abs(x) < 30) * (0.6 + 0.4 * hair)
    col *= (1 - e.brow_dark * brow)[..., None]
    return col


def _lashes(img: np.ndarray, e: Eye3D, H: np.ndarray, c: np.ndarray, elev: float, f: float, rng) -> np.ndarray:
    """Draw upper and lower lashes: 3-D strands from the margins, projected into the image."""
    h, w = img.shape[:2]
    out = np.ascontiguousarray(img, np.float32)
    colour = tuple(float(v) * e.lash_dark for v in e.skin)
    for lower_lid, n, length in ((False, e.lash_n, e.lash_len), (True, e.lash_n // 3, e.lash_len * 0.4)):
        az = np.sort(rng.uniform(e.corner_t + 0.1, e.corner_n - 0.15, n))
        upper, lower = lid_margins(e, az, elev)
        el = lower if lower_lid else upper
        r = e.ball_r + 0.6
        base = np.stack([c[0] + r * np.cos(el) * np.sin(az), c[1] - r * np.sin(el), c[2] - r * np.cos(el) * np.cos(az)], -1)
        closed = 1 - min(1.0, e.openness / 0.35)
        up = (1.0 if lower_lid else -1.0) * (1 - 2 * closed * (not lower_lid))
        tips = base + length * np.stack([0.35 * np.sin(az) + rng.normal(0, 0.1, n),
                                         np.full(n, 0.75 * up) + rng.normal(0, 0.1, n),
                                         np.full(n, -0.55)], -1)
        pts = []
        for p3 in (base, tips):
            cam = p3 @ H.T + np.array([0.0, 0.0, D_N])
            pts.append(np.stack([f * cam[:, 0] / cam[:, 2] + w / 2, f * cam[:, 1] / cam[:, 2] + h / 2], -1))
        thick = max(1, int(round(f / F_N * 0.6)))
        for a, b in zip(*pts):
            cv2.line(out, (int(a[0] * 4), int(a[1] * 4)), (int(b[0] * 4), int(b[1] * 4)), colour, thick,
                     cv2.LINE_AA, shift=2)
    return out
