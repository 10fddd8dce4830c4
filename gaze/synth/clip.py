"""Face video clips with a known per-frame gaze, pupil and blink track.

The track's screen point (x, y) and angles follow gaze.geometry's default mapping:
yaw = (x - 0.5) * 40 degrees, pitch = -(y - 0.5) * 25 degrees.
"""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ..calibration import target_layout
from ..geometry import screen_to_angles
from .eye import EyeParams
from .face import FaceParams, face_box, render_face

BLINK_PROFILE = (0.6, 0.15, 0.0, 0.1, 0.5)  # openness over one blink's frames


def _frame(i, t, x, y, pupil, openness, segment, target=None) -> dict:
    """Return one track entry with angles from the default geometry."""
    yaw, pitch = screen_to_angles(x, y)
    return {"i": i, "t": round(t, 4), "x": x, "y": y, "yaw": yaw, "pitch": pitch, "pupil_mm": pupil,
            "openness": openness, "blink": openness < 0.2, "segment": segment, "target": target}


def make_test_track(fps: float = 15.0, target_s: float = 1.0, free_s: float = 12.0, n_targets: int = 9,
                    blinks: tuple = (2.5, 6.0, 9.5), pupil=(3.0, 6.0)) -> list[dict]:
    """Return the standard track: targets for calibration, then smooth gaze with blinks and a pupil change."""
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


def default_face(seed: int = 0) -> FaceParams:
    """Return a plain, well lit frontal face for clips."""
    rng = np.random.default_rng(seed)
    eye = EyeParams(skin=(140, 170, 215), iris=(60, 90, 120), level=1.0, light=(0.2, -0.5),
                    iris_seed=int(rng.integers(1 << 20)), lash=0.8)
    return FaceParams(eye=eye, cx=320, cy=200, px_per_mm=1.3, background=seed)


def frame_for(entry: dict, face: FaceParams) -> FaceParams:
    """Return the face of one track entry (the head sways a little over time)."""
    eye = replace(face.eye, yaw=entry["yaw"], pitch=entry["pitch"], pupil_mm=entry["pupil_mm"],
                  openness=entry["openness"])
    t = entry["t"]
    return replace(face, eye=eye, cx=face.cx + 6 * math.sin(t * 0.7), cy=face.cy + 3 * math.sin(t * 0.5))


def _writer(path: Path):
    """Return (write(frame), close()) for .mjpeg, .y4m or a folder of PNGs."""
    if path.suffix in (".mjpeg", ".mjpg"):
        fh = path.open("wb")
        return (lambda img: fh.write(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())), fh.close
    if path.suffix == ".y4m":
        fh = path.open("wb")
        fh.write(b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n")
        return (lambda img: fh.write(b"FRAME\n" + cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).tobytes())), fh.close
    path.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1 << 30))
    return (lambda img: cv2.imwrite(str(path / f"frame_{next(counter):05d}.png"), img)), (lambda: None)


def render_clip(path_or_dir, track: list[dict], face: FaceParams | None = None) -> Path:
    """Render every track frame to a .mjpeg/.y4m file or a PNG folder; write the track JSON; return its path."""
    path = Path(path_or_dir)
    face = face or default_face()
    write, close = _writer(path)
    rng = np.random.default_rng(face.background)
    out = []
    try:
        for entry in track:
            f = frame_for(entry, face)
            write(render_face(f, rng))
            out.append({**entry, "face": list(face_box(f))})
    finally:
        close()
    json_path = path / "track.json" if path.is_dir() else path.with_suffix(path.suffix + ".json")
    json_path.write_text(json.dumps({"fps": 15, "mapping": "yaw=(x-0.5)*40, pitch=-(y-0.5)*25",
                                     "frames": out}, indent=1))
    return json_path
