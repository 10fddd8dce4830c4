"""Webcam clips with a known per-frame gaze target, pupil and blink track.

A track is what a person in front of the default screen (gaze.geometry.Screen) does: look at the
calibration targets one by one, then follow a smooth pursuit, blink three times, and let the pupil
widen from 3 to 6 mm. Two clip makers render it:

    render_clip        the 2-D renderer's head (gaze.synth.face), eye angles towards the target
    render_photo_clip  a real photograph with repainted eyes (gaze.synth.photos): each eye's gaze is
                       the ray from that eye, where the head pose puts it, to the target on the screen
"""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ..calibration import VALIDATION_TARGETS, target_layout
from ..geometry import DEFAULT_SCREEN, vector_to_angles
from .eye import EyeParams
from .face import FaceParams, face_box, render_face

BLINK_PROFILE = (0.6, 0.15, 0.0, 0.1, 0.5)  # openness over one blink's frames
HEAD_MM = (0.0, 80.0, 550.0)  # where the 2-D renderer's head is taken to be, for its eye angles


def _frame(i, t, x, y, pupil, openness, segment, target=None) -> dict:
    """Return one track entry."""
    return {"i": i, "t": round(t, 4), "x": x, "y": y, "pupil_mm": pupil, "openness": openness,
            "blink": openness < 0.2, "segment": segment, "target": target}


def make_test_track(fps: float = 15.0, target_s: float = 1.0, free_s: float = 12.0, n_targets: int = 9,
                    blinks: tuple = (2.5, 6.0, 9.5), pupil=(3.0, 6.0)) -> list[dict]:
    """Return the standard track: targets for calibration, then smooth pursuit with blinks and a pupil change."""
    track, i = [], 0
    for tx, ty in target_layout(n_targets):
        for _ in range(int(round(target_s * fps))):
            track.append(_frame(i, i / fps, tx, ty, pupil[0], 1.0, "calibration", [tx, ty]))
            i += 1
    t0 = i / fps
    blink_frames = {int(round(b * fps)) + k: o for b in blinks for k, o in enumerate(BLINK_PROFILE)}
    for k in range(int(round(free_s * fps))):
        s = k / fps
        x = 0.5 + 0.3 * math.sin(2 * math.pi * s / 7.0) + 0.05 * math.sin(2 * math.pi * s / 2.3)
        y = 0.5 + 0.28 * math.sin(2 * math.pi * s / 5.0 + 1.0)
        ramp = min(1.0, max(0.0, (s - free_s / 2) / 1.0))  # 1 s change halfway through
        p = pupil[0] + (pupil[1] - pupil[0]) * ramp
        track.append(_frame(i, t0 + s, x, y, p, blink_frames.get(k, 1.0), "free"))
        i += 1
    return track


def make_page_track(n_targets: int = 9, dwell_s: float = 1.5, free_s: float = 6.0, fps: float = 15.0,
                    react_s: float = 0.3) -> list[dict]:
    """Return a track that looks where /calibrate shows its dots (each for `dwell_s`, the first shown as the
    camera starts), then at the validation dots, then follows a pursuit: a person doing the app's calibration.

    The eyes stay on the screen's centre for `react_s` first, so each dot is reached that long after it
    appears (a person's saccade latency is 0.2-0.3 s), never before."""
    track, i = [], 0
    for _ in range(int(round(react_s * fps))):
        track.append(_frame(i, i / fps, 0.5, 0.5, 4.0, 1.0, "lead-in", [0.5, 0.5]))
        i += 1
    for segment, points in (("calibration", target_layout(n_targets)), ("validation", VALIDATION_TARGETS)):
        for tx, ty in points:
            for _ in range(int(round(dwell_s * fps))):
                track.append(_frame(i, i / fps, tx, ty, 4.0, 1.0, segment, [tx, ty]))
                i += 1
    for entry in make_test_track(fps, n_targets=n_targets, free_s=free_s, blinks=(2.0,))[n_targets * int(fps):]:
        track.append({**entry, "i": i, "t": round(i / fps, 4)})
        i += 1
    return track


def default_face(seed: int = 0) -> FaceParams:
    """Return a plain, well lit frontal face of the 2-D renderer."""
    rng = np.random.default_rng(seed)
    eye = EyeParams(skin=(140, 170, 215), iris=(60, 90, 120), level=1.0, light=(0.2, -0.5),
                    iris_seed=int(rng.integers(1 << 20)), lash=0.8)
    return FaceParams(eye=eye, cx=320, cy=200, px_per_mm=1.3, background=seed)


def track_angles(entry: dict, head=HEAD_MM) -> tuple[float, float]:
    """Return the gaze angles from `head` (camera frame, mm) to the entry's screen point."""
    return vector_to_angles(DEFAULT_SCREEN.gaze_to(head, entry["x"], entry["y"]))


def frame_for(entry: dict, face: FaceParams) -> FaceParams:
    """Return the 2-D renderer's face of one track entry (the head sways a little over time)."""
    yaw, pitch = track_angles(entry)
    eye = replace(face.eye, yaw=yaw, pitch=pitch, pupil_mm=entry["pupil_mm"], openness=entry["openness"])
    t = entry["t"]
    return replace(face, eye=eye, cx=face.cx + 6 * math.sin(t * 0.7), cy=face.cy + 3 * math.sin(t * 0.5))


def _writer(path: Path, size=(640, 480), fps: int = 15):
    """Return (write(frame), close()) for .mjpeg, .y4m or a folder of PNGs."""
    if path.suffix in (".mjpeg", ".mjpg"):
        fh = path.open("wb")
        return (lambda img: fh.write(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())), fh.close
    if path.suffix == ".y4m":
        fh = path.open("wb")
        fh.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        return (lambda img: fh.write(b"FRAME\n" + cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).tobytes())), fh.close
    path.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1 << 30))
    return (lambda img: cv2.imwrite(str(path / f"frame_{next(counter):05d}.png"), img)), (lambda: None)


def _json_path(path: Path) -> Path:
    return path / "track.json" if path.is_dir() else path.with_suffix(path.suffix + ".json")


def render_clip(path_or_dir, track: list[dict], face: FaceParams | None = None, stamp=None) -> Path:
    """Render the 2-D renderer's head for every track frame; write the track JSON; return its path."""
    path = Path(path_or_dir)
    face = face or default_face()
    write, close = _writer(path)
    rng = np.random.default_rng(face.background)
    out = []
    try:
        for entry in track:
            f = frame_for(entry, face)
            img = render_face(f, rng)
            if stamp:
                stamp(img, entry["i"])
            write(img)
            out.append({**entry, "face": list(face_box(f))})
    finally:
        close()
    _json_path(path).write_text(json.dumps({"fps": 15, "frames": out}, indent=1))
    return _json_path(path)


def photo_frames(track: list[dict], photo: str = "astronaut", seed: int = 7, ipd_px: float = 88.0):
    """Yield (frame, entry) for a photograph whose repainted eyes follow the track; the head sways."""
    from ..landmarks import FaceLandmarker
    from .pairs import person_ray
    from .photos import Placement, composite_frame, find_face, place

    rng = np.random.default_rng(seed)
    person = person_ray(rng)
    person.update(glints=((0.1, -0.2, -1.0),), lash_dark=0.2, ambient=0.6, diffuse=0.5)
    lm = FaceLandmarker(tracking=False)
    try:
        for entry in track:
            t = entry["t"]
            pl = Placement(ipd_px=ipd_px, roll=2 * math.sin(t * 0.4), cx=320 + 8 * math.sin(t * 0.7),
                           cy=200 + 4 * math.sin(t * 0.5))
            face = find_face(place(photo, pl), lm)
            if face is None:
                raise RuntimeError(f"no face in the photograph at t={t}")
            gazes = [DEFAULT_SCREEN.gaze_to(e, entry["x"], entry["y"]) for e in face.pose.eye_centres()]
            ratio = entry["pupil_mm"] / (2 * person["iris_r"])
            frame = composite_frame(face, gazes, ratio, (entry["openness"],) * 2, person, rng)
            yield frame, entry
    finally:
        lm.close()


def render_photo_clip(path_or_dir, track: list[dict], photo: str = "astronaut", stamp=None) -> Path:
    """Render a photograph clip (.y4m, .mjpeg or a PNG folder) of the track; write the track JSON."""
    path = Path(path_or_dir)
    write, close = _writer(path)
    try:
        for frame, entry in photo_frames(track, photo):
            if stamp:
                stamp(frame, entry["i"])
            write(frame)
    finally:
        close()
    _json_path(path).write_text(json.dumps({"fps": 15, "photo": photo, "frames": track}, indent=1))
    return _json_path(path)
