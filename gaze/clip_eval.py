"""End to end on a webcam clip: calibrate on its targets as the app does, score the pursuit that follows."""
from __future__ import annotations

import numpy as np
import cv2
import torch

from .calibration import CalibrationCollector, validate
from .estimator import GazeEstimator
from .evaluate import f1
from .synth.clip import make_test_track, photo_frames


def run_clip(weights: str, photo: str = "astronaut", jpeg_quality: int = 85):
    """Return (track, samples): the standard track and the tracking estimator's sample (or None) per frame."""
    est = GazeEstimator(weights, torch.device("cpu"))
    track, samples = make_test_track(), []
    try:
        for frame, entry in photo_frames(track, photo):
            data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])[1].tobytes()
            samples.append(est.estimate_jpeg(data, t=entry["t"]))
    finally:
        est.close()
    return track, samples


def calibrate(track, samples):
    """Fit a Calibration on the track's calibration segment, as /calibrate does."""
    col, current = CalibrationCollector(settle=0.3), None
    for e, s in zip(track, samples):
        if e["segment"] != "calibration":
            continue
        if e["target"] != current:
            current = e["target"]
            col.start_target(current[0], current[1], e["t"])
        if s is not None:
            col.add(s)
    return col.fit()


def score_clip(track, samples, cal) -> dict:
    """Score the pursuit: screen error and correlation per axis (calibrated and not), pupil, blinks."""
    free = [(e, s) for e, s in zip(track, samples) if e["segment"] == "free" and s is not None]
    opened = [(e, s) for e, s in free if e["openness"] > 0.5 and not s.blink]
    truth = np.array([(e["x"], e["y"]) for e, _ in opened])
    raw = np.array([s.extra["screen"] for _, s in opened])
    cal_pts = np.array([cal.map(*s.extra["screen"]) for _, s in opened])
    blinks = {e["i"] for e, _ in free if e["blink"]}
    return {
        "frames": len(track), "missed": sum(s is None for s in samples),
        "uncalibrated_error": [round(float(v), 4) for v in np.abs(raw - truth).mean(0)],
        "calibrated_error": [round(float(v), 4) for v in np.abs(cal_pts - truth).mean(0)],
        "calibrated_r": [round(float(np.corrcoef(cal_pts[:, k], truth[:, k])[0, 1]), 4) for k in (0, 1)],
        "pupil_mae_mm": round(float(np.mean([abs(s.pupil_mm - e["pupil_mm"]) for e, s in opened])), 3),
        "blinks_caught": f"{len({e['i'] for e, s in free if e['blink'] and s.blink})}/{len(blinks)} frames",
        "blink_f1": round(f1(np.array([e["blink"] for e, _ in free]), np.array([s.blink for _, s in free])), 3),
        "calibration_fit": {k: round(v, 3) for k, v in validate(_by_target(track, samples, cal)).items()},
    }


def _by_target(track, samples, cal) -> dict:
    """Return the calibrated points of the calibration segment by target (after 0.3 s of settling)."""
    points: dict = {}
    for e, s in zip(track, samples):
        if e["segment"] == "calibration" and s is not None and e["t"] % 1.0 >= 0.3:
            points.setdefault(tuple(e["target"]), []).append(cal.map(*s.extra["screen"]))
    return points


def evaluate_clip(weights: str, photo: str = "astronaut") -> dict:
    """Run the whole pipeline on the standard photograph clip and return its scores."""
    track, samples = run_clip(weights, photo)
    return score_clip(track, samples, calibrate(track, samples))
