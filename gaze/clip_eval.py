"""End-to-end check on a rendered face clip: detect, CNN, calibrate on targets, score the free part."""
from __future__ import annotations

import math

import cv2
import numpy as np

from .calibration import CalibrationCollector, validate
from .estimator import GazeEstimator
from .evaluate import f1
from .synth import default_face, make_test_track, render_face
from .synth.clip import frame_for


def run_clip(est: GazeEstimator, seed: int = 0, jpeg_quality: int = 85):
    """Return (track, samples): the standard track and the estimator's sample (or None) per frame."""
    track, face = make_test_track(), default_face(seed)
    samples = []
    for e in track:
        img = render_face(frame_for(e, face))
        data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])[1].tobytes()
        samples.append(est.estimate_jpeg(data, t=e["t"]))
    return track, samples


def calibrate(track, samples, alpha: float = 0.1):
    """Fit a Calibration on the track's calibration segment."""
    col = CalibrationCollector(settle=0.3)
    current = None
    for e, s in zip(track, samples):
        if e["segment"] != "calibration":
            continue
        if e["target"] != current:
            current = e["target"]
            col.start_target(current[0], current[1], e["t"])
        if s is not None:
            col.add(s)
    return col.fit(alpha=alpha)


def score_clip(track, samples, cal) -> dict:
    """Score the free segment: screen error (calibrated and default), angles, pupil, blinks."""
    free = [(e, s) for e, s in zip(track, samples) if e["segment"] == "free" and s is not None]
    opened = [(e, s) for e, s in free if e["openness"] > 0.5]
    raw = [math.dist((s.x, s.y), (e["x"], e["y"])) for e, s in opened]
    calib = [math.dist(cal.map(s.yaw, s.pitch, s.extra["head"]), (e["x"], e["y"])) for e, s in opened]
    ang = [math.hypot(s.yaw - e["yaw"], s.pitch - e["pitch"]) for e, s in opened]
    by_target: dict = {}
    for e, s in zip(track, samples):
        if e["segment"] == "calibration" and s is not None and e["t"] % 1.0 >= 0.3:
            by_target.setdefault(tuple(e["target"]), []).append(cal.map(s.yaw, s.pitch, s.extra["head"]))
    return {
        "frames": len(track), "missed": sum(s is None for s in samples),
        "screen_err_uncalibrated": round(float(np.mean(raw)), 4),
        "screen_err_calibrated": round(float(np.mean(calib)), 4),
        "angle_err_deg": round(float(np.mean(ang)), 3),
        "pupil_mae_mm": round(float(np.mean([abs(s.pupil_mm - e["pupil_mm"]) for e, s in opened])), 3),
        "blink_f1": round(f1(np.array([e["blink"] for e, _ in free]), np.array([s.blink for _, s in free])), 3),
        "calibration_fit": {k: round(v, 3) for k, v in validate(by_target).items()},
    }


def evaluate_clip(weights: str, seed: int = 0) -> dict:
    """Run the whole pipeline on the standard clip and return its scores."""
    est = GazeEstimator(weights)
    track, samples = run_clip(est, seed)
    return score_clip(track, samples, calibrate(track, samples))
