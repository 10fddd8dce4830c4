"""Training and test pairs of normalised eye patches, randomised over everything that is not gaze.

A pair is both eyes of one head looking at one target: each eye normalised (gaze.normalize), the
image-right eye flipped to look like the image-left one. Three families make them in different ways:

    patch   gaze.synth.eye's 2-D analytic eye (orthographic iris disc, 2-D lids), foreshortened
    ray     gaze.synth.eye3d's ray-cast eye region (refracting cornea, 3-D lids, perspective)
    photo   real photographs of faces warped into the normalised space, their eyes replaced by
            ray-cast eyeballs inside the photograph's own lids (gaze.synth.photos)

Every family goes through the same camera: colour-to-grey, exposure, source resolution, blur,
noise, JPEG, glasses, occlusion and the jitter of landmark-based normalisation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..face_model import EYE_CENTRES_MM
from ..geometry import Screen, rotation_from_angles, vector_to_angles
from ..normalize import F_N, PATCH_H, PATCH_W, PX_PER_MM, mirror_vector, rotation
from .data import IRISES, SKINS, _jitter_colour
from .eye import EyeParams, render_eye_patch
from .eye3d import Eye3D, _rot, render

FAMILIES = ("patch", "ray", "photo")
MIRROR = np.diag([-1.0, 1.0, 1.0])
OUT_KEYS = ("images", "head", "gaze", "iris", "pupil", "openness")


@dataclass
class Pairs:
    """N pairs: images (N, 2, 36, 60) uint8, eye 1 mirrored; labels in each eye's normalised frame."""

    images: np.ndarray
    head: np.ndarray  # (N, 2, 2) head yaw, pitch (degrees) in each eye's normalised camera
    gaze: np.ndarray  # (N, 2, 2) gaze yaw, pitch (degrees)
    iris: np.ndarray  # (N, 2, 2) iris centre in patch pixels from the patch centre
    pupil: np.ndarray  # (N,) pupil diameter / iris diameter
    openness: np.ndarray  # (N, 2)

    @classmethod
    def empty(cls, n: int) -> "Pairs":
        """Allocate n pairs."""
        return cls(np.zeros((n, 2, PATCH_H, PATCH_W), np.uint8), *(np.zeros((n, 2, 2), np.float32) for _ in range(3)),
                   np.zeros(n, np.float32), np.zeros((n, 2), np.float32))

    @classmethod
    def concat(cls, parts: list["Pairs"]) -> "Pairs":
        """Join several sets of pairs."""
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) for k in OUT_KEYS))

    def take(self, idx) -> "Pairs":
        """Return a subset."""
        return Pairs(*(getattr(self, k)[idx] for k in OUT_KEYS))


@dataclass
class Geometry:
    """One head looking at one target: per eye, the head and the gaze in its normalised camera."""

    head_n: list  # two (3, 3): head rotation in each eye's normalised camera (eye 1 mirrored)
    gaze_n: list  # two unit vectors (eye 1 mirrored)
    distance: float  # mm from the camera to the head


head_rotation = rotation_from_angles


def sample_head(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw a head's rotation and position (mm) like a person in front of a screen."""
    dist = rng.uniform(330, 950)
    t = np.array([rng.uniform(-0.25, 0.25) * dist, rng.uniform(-0.1, 0.35) * dist, dist])
    H = head_rotation(np.clip(rng.normal(0, 14), -40, 40), np.clip(rng.normal(-3, 10), -30, 28),
                      np.clip(rng.normal(0, 6), -20, 20))
    return H, t


def sample_geometry(rng: np.random.Generator, head=None, target=None) -> Geometry | None:
    """Draw a head pose, position and gaze target like a person in front of a screen (or anywhere).

    With `head` (H, t) and a `target` (mm, camera frame) given, use them; None if the eyes cannot
    turn that far."""
    while True:
        H, t = head if head is not None else sample_head(rng)
        eyes = EYE_CENTRES_MM @ H.T + t
        aim = target
        if aim is None and rng.random() < 0.65:
            aim = Screen().target(rng.uniform(-0.25, 1.25), rng.uniform(-0.2, 1.2))
        elif aim is None:
            g = H @ _rot(rng.uniform(-38, 38), rng.uniform(-28, 25)) @ np.array([0.0, 0.0, -1.0])
            aim = eyes.mean(0) + g * rng.uniform(300, 1500)
        gazes = [(aim - e) / np.linalg.norm(aim - e) for e in eyes]
        in_head = [vector_to_angles(H.T @ g) for g in gazes]
        if all(abs(y) < 42 and -32 < p < 28 for y, p in in_head):
            break
        if head is not None and target is not None:
            return None
    head_n, gaze_n = [], []
    for i, (e, g) in enumerate(zip(eyes, gazes)):
        R = rotation(e, H)
        hn, gn = R @ H, R @ g
        if i == 1:
            hn, gn = MIRROR @ hn @ MIRROR, mirror_vector(gn)
        head_n.append(hn)
        gaze_n.append(gn)
    return Geometry(head_n, gaze_n, float(t[2]))


def subject_geometry(rng: np.random.Generator, k: int, head) -> Geometry:
    """The k-th look of a subject sitting still (the head moves a little): the app's 9 calibration
    targets first, then random points of the screen."""
    from ..calibration import target_layout

    H, t = head
    for _ in range(50):
        jitter = head_rotation(*rng.normal(0, 1.0, 3))
        x, y = target_layout(9)[k] if k < 9 else rng.uniform(0.05, 0.95, 2)
        geo = sample_geometry(rng, (H @ jitter, t + rng.normal(0, 4, 3)), Screen().target(x, y))
        if geo is not None:
            return geo
    raise RuntimeError("this head cannot look at the screen")


def head_angles(head_n: np.ndarray) -> tuple[float, float]:
    """Return the head's forward direction in a normalised camera as (yaw, pitch)."""
    return vector_to_angles(head_n @ np.array([0.0, 0.0, -1.0]))


def _bgr(c) -> tuple:
    """Return a 0..255 BGR colour as 0..1."""
    return tuple(float(v) / 255 for v in c)


def person_ray(rng: np.random.Generator) -> dict:
    """Draw what stays the same for both eyes of one ray-cast person."""
    skin = _bgr(_jitter_colour(SKINS[rng.integers(len(SKINS))], rng, 14))
    iris_a = _bgr(_jitter_colour(IRISES[rng.integers(len(IRISES))], rng, 20))
    iris_b = tuple(v * rng.uniform(0.3, 0.8) for v in iris_a)
    light = (rng.uniform(-1, 1), rng.uniform(-1, 0.6), -rng.uniform(0.3, 1.0))
    glints = [tuple(rng.normal(0, 0.25, 2)) + (-1.0,) for _ in range(rng.integers(0, 3))]
    return dict(
        ball_r=rng.uniform(11.4, 12.6), centre=(rng.normal(0, 0.7), rng.normal(0, 0.6), rng.uniform(9.0, 12.0)),
        iris_r=rng.uniform(5.5, 6.2), kappa=(rng.normal(0, 1.5), rng.normal(0, 1.0)),
        up_open=rng.uniform(0.3, 0.55), lo_open=rng.uniform(0.22, 0.42), corner_t=rng.uniform(-1.3, -1.0),
        lid_follow=rng.uniform(0.0, 1.1),
        corner_n=rng.uniform(0.8, 1.05), skew=rng.uniform(-0.1, 0.3), skin=skin,
        sclera=tuple(np.clip(np.array([0.86, 0.88, 0.92]) * rng.uniform(0.75, 1.05) + rng.normal(0, 0.03, 3), 0, 1)),
        iris_a=iris_a, iris_b=iris_b, iris_seed=int(rng.integers(1 << 30)), light=light,
        ambient=rng.uniform(0.25, 0.7), diffuse=rng.uniform(0.2, 0.8), glints=tuple(glints),
        lash_len=rng.uniform(3.0, 6.5), lash_n=int(rng.integers(10, 28)), lash_dark=rng.uniform(0.05, 0.5),
        liner=rng.uniform(0.3, 1.0) if rng.random() < 0.2 else 0.0,
        shadow=tuple(rng.uniform(0.2, 1.0, 3)) if rng.random() < 0.15 else None,
        brow_y=rng.uniform(-19, -13), brow_dark=rng.uniform(0.1, 0.7), crease=rng.uniform(0.0, 1.0))


def person_patch(rng: np.random.Generator) -> EyeParams:
    """Draw what stays the same for both eyes of one 2-D analytic person."""
    from .data import random_params

    return replace(random_params(rng), lid_follow=rng.uniform(0.0, 1.5))


def draw_eye(family: str, person, head_n: np.ndarray, gaze_n: np.ndarray, pupil_ratio: float, openness: float,
             scale: float, rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    """Render one eye (BGR float 0..1) at `scale` times the patch resolution; return it and the iris pixel."""
    size = (max(8, int(round(PATCH_H * scale))), max(12, int(round(PATCH_W * scale))))
    if family == "ray":
        e = Eye3D(head=head_n, gaze=gaze_n, pupil_r=pupil_ratio * person["iris_r"], openness=openness,
                  **person)
        img, lab = render(e, size, F_N * scale, ss=2, rng=rng)
        return img, (lab["iris_px"][0] / scale, lab["iris_px"][1] / scale)
    yaw, pitch = vector_to_angles(gaze_n)
    hyaw, hpitch = head_angles(head_n)
    in_head = vector_to_angles(head_n.T @ gaze_n)
    p = replace(person, yaw=yaw, pitch=pitch, lid_pitch=in_head[1], pupil_mm=pupil_ratio * 11.7, openness=openness,
                squash=math.cos(math.radians(hyaw)) ** 0.8, roll=rng.normal(0, 1.5),
                dx=rng.normal(0, 0.6), dy=rng.normal(0, 0.5))
    img = render_eye_patch(p, size, PX_PER_MM * scale, rng, ss=2).astype(np.float32) / 255
    g = np.array([-math.sin(math.radians(yaw)) * math.cos(math.radians(pitch)), -math.sin(math.radians(pitch))])
    iris = (g * 10.4 + (p.dx, p.dy)) * PX_PER_MM
    return img, (iris[0] * p.squash, iris[1])


def random_pupil_openness(rng: np.random.Generator) -> tuple[float, float, float]:
    """Return a pupil ratio and the two eyes' openness (mostly open, some blinks and squints)."""
    pupil = rng.uniform(2.0, 8.0) / 11.7
    u = rng.random()
    o = rng.uniform(0.0, 0.15) if u < 0.14 else rng.uniform(0.15, 0.6) if u < 0.3 else rng.uniform(0.6, 1.0)
    return pupil, o, float(np.clip(o + rng.normal(0, 0.04), 0, 1))


def make_pairs(n: int, family: str, seed, photos=None, per_person: int = 1) -> Pairs:
    """Render n labelled pairs of one family, reproducibly from `seed`; with `per_person` > 1, runs of
    that many pairs share one person, one camera and a still head that looks at the app's calibration
    targets, then at other points of the screen (for per-subject calibration)."""
    if family == "photo":
        from .photos import make_photo_pairs

        return make_photo_pairs(n, seed, photos)
    rng = np.random.default_rng(seed)
    out = Pairs.empty(n)
    for i in range(n):
        if i % per_person == 0:
            person = person_ray(rng) if family == "ray" else person_patch(rng)
            scale, cam = rng.uniform(0.5, 1.35), camera_params(rng)
            head = None
            while head is None:  # a subject whose eyes can reach every point of the screen
                head = sample_head(rng)
                if per_person > 1 and any(sample_geometry(rng, head, Screen().target(x, y)) is None
                                          for x in (0.0, 1.0) for y in (0.0, 1.0)):
                    head = None
        geo = subject_geometry(rng, i % per_person, head) if per_person > 1 else sample_geometry(rng)
        pupil, o0, o1 = random_pupil_openness(rng)
        for k, o in enumerate((o0, o1)):
            img, iris = draw_eye(family, person, geo.head_n[k], geo.gaze_n[k], pupil, o, scale, rng)
            patch, iris, roll = finish(img, cam, rng, iris)
            store(out, i, k, patch, geo.head_n[k], geo.gaze_n[k], iris, roll, o)
        out.pupil[i] = pupil
    return out


def camera_params(rng: np.random.Generator) -> dict:
    """Draw one camera's look, shared by both eyes of a pair."""
    return {"grey": rng.dirichlet([4, 6, 3]), "level": rng.uniform(0.22, 0.7), "gamma": rng.uniform(0.75, 1.3),
            "blur": rng.uniform(0, 1.1) if rng.random() < 0.7 else 0.0, "noise": rng.uniform(0, 7),
            "jpeg": int(rng.uniform(30, 95)) if rng.random() < 0.7 else 0, "glasses": rng.random() < 0.18,
            "occlude": rng.random() < 0.08}


def finish(img: np.ndarray, cam: dict, rng: np.random.Generator, iris) -> tuple[np.ndarray, np.ndarray, float]:
    """Turn a rendered BGR image (any scale) into a 36x60 grey patch.

    `iris` is the iris centre in patch pixels from the centre before the jitter; return the patch, the
    iris centre after it and the jitter's roll (degrees), which the gaze and head labels must follow."""
    grey = img @ cam["grey"]
    grey = np.clip(grey * (cam["level"] / max(float(grey.mean()), 1e-3)), 0, 1) ** cam["gamma"] * 255  # auto exposure
    if cam["glasses"]:
        grey = _glasses(grey, rng)
    if cam["occlude"]:
        grey = _occlude(grey, rng)
    if cam["blur"] > 0.25:
        grey = cv2.GaussianBlur(grey, (0, 0), cam["blur"])
    grey = np.clip(grey + rng.normal(0, cam["noise"], grey.shape), 0, 255).astype(np.uint8)
    if cam["jpeg"]:
        grey = cv2.imdecode(cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, cam["jpeg"]])[1], cv2.IMREAD_GRAYSCALE)
    # the landmarks' error moves, scales and turns the normalised patch a little
    roll = float(rng.normal(0, 2.5))
    k = PATCH_W / grey.shape[1]
    m = cv2.getRotationMatrix2D((grey.shape[1] / 2, grey.shape[0] / 2), roll, k * rng.uniform(0.93, 1.07))
    m[:, 2] += (PATCH_W / 2 - grey.shape[1] / 2 + rng.normal(0, 1.2), PATCH_H / 2 - grey.shape[0] / 2 + rng.normal(0, 1.0))
    patch = cv2.warpAffine(grey, m, (PATCH_W, PATCH_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    src = np.array([grey.shape[1] / 2 + iris[0] / k, grey.shape[0] / 2 + iris[1] / k, 1.0])
    return patch, m @ src - (PATCH_W / 2, PATCH_H / 2), roll


def _turn(v2, roll: float) -> np.ndarray:
    """Turn an image-plane vector as cv2.getRotationMatrix2D(angle=roll) turns the picture."""
    a = math.radians(roll)
    return np.array([math.cos(a) * v2[0] + math.sin(a) * v2[1], -math.sin(a) * v2[0] + math.cos(a) * v2[1]])


def store(out: Pairs, i: int, k: int, patch, head_n, gaze_n, iris, roll: float, openness: float) -> None:
    """Write one eye's patch and labels, the labels turned with the patch's jitter roll."""
    g = np.array(gaze_n, float)
    g[:2] = _turn(g[:2], roll)
    fwd = head_n @ np.array([0.0, 0.0, -1.0])
    fwd[:2] = _turn(fwd[:2], roll)
    out.images[i, k] = patch
    out.gaze[i, k] = vector_to_angles(g)
    out.head[i, k] = vector_to_angles(fwd)
    out.iris[i, k] = iris
    out.openness[i, k] = openness


def _glasses(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a glasses frame edge and a lens reflection over the patch."""
    h, w = grey.shape
    out = grey.copy()
    colour = float(rng.uniform(0, 255))
    thick = max(1, int(rng.uniform(0.04, 0.12) * h))
    centre = (int(w * rng.uniform(0.3, 0.7)), int(h * rng.uniform(0.35, 0.65)))
    axes = (int(w * rng.uniform(0.45, 0.8)), int(h * rng.uniform(0.55, 1.0)))
    cv2.ellipse(out, centre, axes, float(rng.normal(0, 5)), 0, 360, colour, thick, cv2.LINE_AA)
    if rng.random() < 0.6:  # a soft reflection of a window in the lens
        ref = np.zeros_like(out)
        pts = rng.uniform(0, 1, (4, 2)) * (w, h)
        cv2.fillConvexPoly(ref, cv2.convexHull(pts.astype(np.int32)), 255.0)
        ref = cv2.GaussianBlur(ref, (0, 0), max(1.0, w / 30))
        out = out + ref * rng.uniform(0.1, 0.35) * (1 - out / 255)
    return out


def _occlude(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a strand of hair (a dark or light curve) across part of the patch."""
    h, w = grey.shape
    out = grey.copy()
    pts = np.cumsum(rng.normal(0, w / 8, (5, 2)), 0) + (rng.uniform(0, w), rng.uniform(0, h * 0.4))
    cv2.polylines(out, [pts.astype(np.int32)], False, float(rng.choice([rng.uniform(0, 60), rng.uniform(180, 255)])),
                  max(1, int(h / 18)), cv2.LINE_AA)
    return out
