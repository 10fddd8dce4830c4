"""Real photographs of faces with ray-cast eyes of known gaze inside their own lids.

Two public-domain portraits ship inside packages gazecast installs: Grace Hopper (matplotlib's sample
data, with glasses) and the astronaut Eileen Collins (scikit-image's data). One trains, the other is
held out. A photograph is placed in a 640x480 webcam frame (scale, roll, a turn of the face plane,
light), its landmarks found, and each eye's opening repainted: a ray-cast eyeball (gaze.synth.eye3d)
looking along the chosen gaze, seen through the photograph's own lid contour, the upper lid lowered for
a blink. Pairs come out in the normalised space; whole frames come out for the end-to-end tests.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..face_model import EYE_CORNERS, LOWER_LID, UPPER_LID
from ..geometry import Screen, vector_to_angles
from ..headpose import HeadPose, camera_matrix, head_pose
from ..normalize import F_N, PATCH_H, PATCH_W, PX_PER_MM, mirror_vector, rotation, warp
from .eye3d import Eye3D, _rot, render
from .pairs import MIRROR, Pairs, camera_params, finish, person_ray, random_pupil_openness, store

TRAIN_PHOTOS = ("hopper",)
HELD_OUT_PHOTOS = ("astronaut",)
FRAME_W, FRAME_H = 640, 480
SS = 2  # the repainted patch is made at twice the patch's resolution


def load_photo(name: str) -> np.ndarray:
    """Return a portrait (BGR) from the installed packages' sample data."""
    if name == "hopper":
        import matplotlib

        return cv2.imread(os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "sample_data",
                                       "grace_hopper.jpg"))
    if name == "astronaut":
        from skimage import data

        return np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    raise ValueError(f"no photograph named {name!r}")


@lru_cache(maxsize=4)
def _photo_eyes(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (photo, its two eye centres in pixels), found once per photograph."""
    from ..landmarks import FaceLandmarker

    img = load_photo(name)
    lm = FaceLandmarker(tracking=False)
    pts = lm.locate(img)
    lm.close()
    if pts is None:
        raise RuntimeError(f"no face found in the photograph {name!r}")
    eyes = np.array([(pts[a, :2] + pts[b, :2]) / 2 for a, b in EYE_CORNERS])
    return img, eyes


@dataclass
class Placement:
    """Where a photograph goes in the webcam frame, and how the head turns."""

    ipd_px: float = 85.0  # pixels between the eye centres
    roll: float = 0.0  # degrees
    turn: float = 0.0  # degrees the head turns to the subject's right (3-D, see turn_head)
    tilt: float = 0.0  # degrees the head tilts up
    cx: float = FRAME_W / 2  # where the eyes' midpoint lands
    cy: float = FRAME_H * 0.42
    light: tuple = (1.0, 1.0, 1.0, 0.0)  # per-channel gain (B, G, R) and a left-right light gradient


def place(name: str, pl: Placement, landmarker=None) -> np.ndarray:
    """Return a 640x480 BGR frame with the photograph placed, lit and its head turned as `pl` says."""
    img, eyes = _photo_eyes(name)
    mid = eyes.mean(0)
    s = pl.ipd_px / np.linalg.norm(eyes[1] - eyes[0])
    a = math.radians(pl.roll)
    sim = np.array([[s * math.cos(a), -s * math.sin(a), 0], [s * math.sin(a), s * math.cos(a), 0]])
    sim[:, 2] = np.array([pl.cx, pl.cy]) - sim[:, :2] @ mid
    frame = cv2.warpAffine(img, sim, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if pl.turn or pl.tilt:
        from ..landmarks import FaceLandmarker

        lm = landmarker or FaceLandmarker(tracking=False)
        pts = lm.locate(frame)
        if landmarker is None:
            lm.close()
        if pts is not None:
            frame = turn_head(frame, pts, pl.turn, pl.tilt)
    gain = np.array(pl.light[:3], np.float32)
    ramp = 1 + pl.light[3] * np.linspace(-1, 1, FRAME_W, dtype=np.float32)[None, :, None]
    return np.clip(frame.astype(np.float32) * gain * ramp, 0, 255).astype(np.uint8)


def turn_head(frame: np.ndarray, landmarks: np.ndarray, yaw: float, pitch: float) -> np.ndarray:
    """Re-render a face turned in 3-D: the face mesh (its landmarks with their depth) rotated about the
    head's centre and drawn triangle by triangle, far ones first; the picture around the face follows
    through a ring of blending vertices, the frame's corners stay."""
    from scipy.spatial import Delaunay

    from ..face_model import EYE_CORNERS
    from ..geometry import rotation_from_angles

    h, w = frame.shape[:2]
    pts = landmarks[:468].astype(np.float64)
    eyes = np.array([(pts[a] + pts[b]) / 2 for a, b in EYE_CORNERS])
    ipd = np.linalg.norm(eyes[1, :2] - eyes[0, :2])
    pivot = np.append(eyes[:, :2].mean(0), eyes[:, 2].mean() + 95.0 / 63.0 * ipd)  # ~95 mm behind the eyes
    centre = pts[:, :2].mean(0)
    radius = np.linalg.norm(pts[:, :2] - centre, axis=1).max()
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = np.column_stack([centre + 1.5 * radius * np.column_stack([np.cos(ang), np.sin(ang)]),
                            np.full(24, pts[:, 2].max())])
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float64)
    R = rotation_from_angles(yaw, pitch)
    # the camera looks along +z at the face; a head turn is a rotation about the pivot
    moved = (pts - pivot) @ R.T + pivot
    moved_ring = ((ring - pivot) @ R.T + pivot)[:, :2] * 0.5 + ring[:, :2] * 0.5
    src = np.vstack([pts[:, :2], ring[:, :2], corners])
    dst = np.vstack([moved[:, :2], moved_ring, corners])
    depth = np.concatenate([moved[:, 2], np.full(28, np.inf)])
    tris = Delaunay(src).simplices
    out = frame.copy()
    for t in sorted(tris, key=lambda t: -depth[t].min() if np.isfinite(depth[t]).all() else -np.inf):
        _warp_triangle(frame, out, src[t].astype(np.float32), dst[t].astype(np.float32))
    return out


def _warp_triangle(src_img: np.ndarray, dst_img: np.ndarray, s: np.ndarray, d: np.ndarray) -> None:
    """Copy one triangle of src_img onto dst_img by an affine warp (in place)."""
    x, y, bw, bh = cv2.boundingRect(d)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + bw, dst_img.shape[1]), min(y + bh, dst_img.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    m = cv2.getAffineTransform(s, (d - (x0, y0)).astype(np.float32))
    patch = cv2.warpAffine(src_img, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, np.round((d - (x0, y0)) * 16).astype(np.int32), 1, cv2.LINE_8, shift=4)
    roi = dst_img[y0:y1, x0:x1]
    roi[mask > 0] = patch[mask > 0]


def random_placement(rng: np.random.Generator, max_turn: float = 30.0) -> Placement:
    """Draw a placement: webcam-sized face, some roll and turn, coloured light."""
    return Placement(ipd_px=rng.uniform(65, 115), roll=float(np.clip(rng.normal(0, 6), -18, 18)),
                     turn=rng.uniform(-max_turn, max_turn), tilt=rng.uniform(-15, 15),
                     cx=FRAME_W / 2 + rng.uniform(-120, 120), cy=FRAME_H * rng.uniform(0.3, 0.55),
                     light=tuple(rng.uniform(0.7, 1.3, 3)) + (rng.uniform(-0.35, 0.35),))


@dataclass
class Face:
    """A placed photograph's landmarks, camera and head pose."""

    frame: np.ndarray
    landmarks: np.ndarray
    K: np.ndarray
    pose: HeadPose


def find_face(frame: np.ndarray, landmarker=None) -> Face | None:
    """Find the landmarks and head pose of a placed photograph (None if the face is not found)."""
    from ..landmarks import FaceLandmarker

    lm = landmarker or FaceLandmarker(tracking=False)
    pts = lm.locate(frame)
    if landmarker is None:
        lm.close()
    if pts is None:
        return None
    K = camera_matrix(frame.shape[1], frame.shape[0])
    pose = head_pose(pts, K)
    return None if pose is None else Face(frame, pts, K, pose)


def _opening(face: Face, k: int, W: np.ndarray, openness: float, lift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Return the eye's lid polygon in patch pixels: as photographed, and with the upper lid lifted by
    `lift` pixels at its middle (following the eye's elevation) and then lowered to `openness`."""
    outer, inner = EYE_CORNERS[k]
    upper = [outer, *UPPER_LID[k], inner]
    lower = [outer, *LOWER_LID[k], inner]
    pts = lambda ids: cv2.perspectiveTransform(face.landmarks[ids, :2].reshape(-1, 1, 2), W).reshape(-1, 2)
    up, lo = pts(upper), pts(lower)
    order = np.argsort(lo[:, 0])
    lo_at_up = np.interp(up[:, 0], lo[order, 0], lo[order, 1])
    width = max(1.0, up[:, 0].max() - up[:, 0].min())
    bow = np.clip(1 - ((up[:, 0] - up[:, 0].mean()) / (width / 2)) ** 2, 0, 1)  # corners stay put
    lifted = np.minimum(up[:, 1] - lift * bow, lo_at_up - 0.5)
    closed_up = up.copy()
    closed_up[:, 1] = lo_at_up + openness * (lifted - lo_at_up)
    return np.vstack([up, lo[::-1]]), np.vstack([closed_up, lo[::-1]])


def _upper_curve(polygon: np.ndarray, n_upper: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the upper margin of a lid polygon as (x sorted, y) for interpolation."""
    up = polygon[:n_upper]
    order = np.argsort(up[:, 0])
    return up[order, 0], up[order, 1]


def _lower_lid(patch: np.ndarray, opened: np.ndarray, closed: np.ndarray, n_upper: int,
               stretch: float = 14.0) -> np.ndarray:
    """Slide the photograph's upper lid to the new margin (down to close, up to lift), the skin above
    stretching or folding with it."""
    xs = np.arange(patch.shape[1], dtype=np.float32)
    old = np.interp(xs, *_upper_curve(opened, n_upper))
    new = np.interp(xs, *_upper_curve(closed, n_upper))
    inside = (xs >= opened[:, 0].min()) & (xs <= opened[:, 0].max())
    dy = np.where(inside, new - old, 0).astype(np.float32)
    dy = cv2.GaussianBlur(dy[None, :], (0, 0), 1.5)[0]
    ys = np.arange(patch.shape[0], dtype=np.float32)[:, None]
    fade = np.clip(1 - (old[None, :] - ys) / stretch, 0, 1) * (ys <= new[None, :] + 1)
    map_y = ys - dy[None, :] * fade
    map_x = np.broadcast_to(xs[None, :], map_y.shape).astype(np.float32)
    return cv2.remap(patch, map_x, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def repaint_eye(face: Face, k: int, gaze: np.ndarray, pupil_ratio: float, openness: float, person: dict,
                rng: np.random.Generator) -> dict:
    """Repaint eye k of a placed photograph in its normalised space at SS times the patch resolution.

    Returns the BGR float patch (0..1, unmirrored), the homography W from the frame into it, a mask
    of what changed, the normalising rotation, the head and gaze in the normalised camera and the iris."""
    centre = face.pose.eye_centres()[k]
    R = rotation(centre, face.pose.R)
    size = (PATCH_H * SS, PATCH_W * SS)
    W = warp(face.K, centre, R, size, F_N * SS)
    patch = cv2.warpPerspective(face.frame, W, size[::-1], flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE).astype(np.float32) / 255
    head_n, gaze_n = R @ face.pose.R, R @ gaze
    # the eyeball in an image-left eye's frame: mirror the image-right eye's geometry, draw, flip back
    mirror = k == 1
    e = Eye3D(head=MIRROR @ head_n @ MIRROR if mirror else head_n, gaze=mirror_vector(gaze_n) if mirror else gaze_n,
              pupil_r=pupil_ratio * person["iris_r"], **{**person, "openness": 1.0})
    ball, lab = render(e, size, F_N * SS, ss=1, rng=rng, lids=False)
    if mirror:
        ball, lab["mask"] = cv2.flip(ball, 1), cv2.flip(lab["mask"], 1)
    # the upper lid follows the eye's elevation in the head, by a person's own amount
    elevation = vector_to_angles(face.pose.R.T @ gaze)[1]
    lift = elevation * person.get("lid_follow", 0.6) * 0.1 * PX_PER_MM * SS  # ~1 mm per 10 degrees
    opened, closed = _opening(face, k, W, openness, lift)
    m_open = np.zeros(size, np.float32)
    cv2.fillPoly(m_open, [np.round(opened * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    m_now = np.zeros(size, np.float32)
    cv2.fillPoly(m_now, [np.round(closed * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    m_open = cv2.GaussianBlur(cv2.dilate(m_open, np.ones((3, 3))), (0, 0), 0.8)
    m_now = cv2.GaussianBlur(m_now, (0, 0), 0.8) * lab["mask"]
    base = _lower_lid(patch, opened, closed, len(UPPER_LID[k]) + 2)
    # the sclera a little brighter than the skin around the eye, as under the photograph's light
    ring = (cv2.dilate(m_open, np.ones((9, 9))) - cv2.dilate(m_open, np.ones((3, 3)))) > 0.5
    skin_level = float(np.median(patch[ring].mean(-1))) if ring.any() else 0.5
    covered = lab["mask"] > 0.5
    sclera_level = float(np.percentile(ball[covered].mean(-1), 90)) if covered.any() else 1.0
    ball = np.clip(ball * (skin_level * rng.uniform(1.0, 1.6) / max(sclera_level, 1e-3)), 0, 1)
    top = np.interp(np.arange(size[1]), *_upper_curve(closed, len(UPPER_LID[k]) + 2))
    ys = np.arange(size[0], dtype=np.float32)[:, None]
    ball = ball * (1 - 0.45 * np.exp(-np.maximum(ys - top[None, :], 0) / 4.0))[..., None]
    out = base * (1 - m_now[..., None]) + ball * m_now[..., None]
    iris = np.array(lab["iris_px"]) / SS
    if mirror:
        iris[0] = -iris[0]
    changed = np.clip(cv2.dilate(m_open, np.ones((3, 3))) + (np.abs(base - patch).max(-1) > 0.01), 0, 1)
    return {"patch": out, "W": W, "mask": cv2.GaussianBlur(changed, (0, 0), 1.0), "R": R, "head_n": head_n,
            "gaze_n": gaze_n, "iris": iris}


def random_gazes(face: Face, rng: np.random.Generator) -> list[np.ndarray] | None:
    """Draw a target like sample_geometry does and return each eye's gaze towards it (None: out of range)."""
    eyes = face.pose.eye_centres()
    for _ in range(20):
        if rng.random() < 0.65:
            target = Screen().target(rng.uniform(-0.25, 1.25), rng.uniform(-0.2, 1.2))
        else:
            g = face.pose.R @ _rot(rng.uniform(-35, 35), rng.uniform(-25, 22)) @ np.array([0.0, 0.0, -1.0])
            target = eyes.mean(0) + g * rng.uniform(300, 1500)
        gazes = [(target - e) / np.linalg.norm(target - e) for e in eyes]
        if all(abs(y) < 40 and -30 < p < 26 for y, p in (vector_to_angles(face.pose.R.T @ g) for g in gazes)):
            return gazes
    return None


def make_photo_pairs(n: int, seed, photos=None, per_face: int = 16) -> Pairs:
    """Render n pairs of the photo family in the normalised space."""
    from ..landmarks import FaceLandmarker

    photos = photos or TRAIN_PHOTOS
    rng = np.random.default_rng(seed)
    out = Pairs.empty(n)
    lm = FaceLandmarker(tracking=False)
    i, face = 0, None
    while i < n:
        if face is None or i % per_face == 0:
            face = find_face(place(str(rng.choice(photos)), random_placement(rng, 45.0), lm), lm)
            if face is None:
                continue
        gazes = random_gazes(face, rng)
        if gazes is None:
            face = None
            continue
        person = person_ray(rng)
        pupil, o0, o1 = random_pupil_openness(rng)
        cam = camera_params(rng)
        scale = rng.uniform(0.5, 1.35)
        for k, o in enumerate((o0, o1)):
            r = repaint_eye(face, k, gazes[k], pupil, o, person, rng)
            img = r["patch"] if k == 0 else cv2.flip(r["patch"], 1)
            img = cv2.resize(img, (max(12, int(PATCH_W * scale)), max(8, int(PATCH_H * scale))),
                             interpolation=cv2.INTER_AREA)
            head_n, gaze_n, iris = r["head_n"], r["gaze_n"], r["iris"]
            if k == 1:
                head_n, gaze_n, iris = MIRROR @ head_n @ MIRROR, mirror_vector(gaze_n), (-iris[0], iris[1])
            patch, iris, roll = finish(img, cam, rng, iris)
            store(out, i, k, patch, head_n, gaze_n, iris, roll, o)
        out.pupil[i] = pupil
        i += 1
    lm.close()
    return out


def composite_frame(face: Face, gazes, pupil_ratio: float, openness: tuple, person: dict,
                    rng: np.random.Generator) -> np.ndarray:
    """Return the placed photograph with both eyes repainted (the whole-frame path's input)."""
    frame = face.frame.astype(np.float32) / 255
    for k in (0, 1):
        r = repaint_eye(face, k, gazes[k], pupil_ratio, openness[k], person, rng)
        Winv = np.linalg.inv(r["W"])
        back = cv2.warpPerspective(r["patch"], Winv, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(r["mask"], Winv, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)[..., None]
        frame = frame * (1 - mask) + back * mask
    return np.clip(frame * 255, 0, 255).astype(np.uint8)
