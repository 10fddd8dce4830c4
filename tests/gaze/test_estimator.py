"""GazeEstimator end to end on rendered webcam frames and JPEG bytes."""
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from gaze.calibration import Calibration
from gaze.estimator import GazeEstimator, decode_jpeg
from gaze.synth import default_face, render_face

WEIGHTS = Path(__file__).resolve().parents[2] / "models" / "gaze_cnn.pt"


@pytest.fixture(scope="module")
def est():
    return GazeEstimator(str(WEIGHTS), device=torch.device("cpu"))


def _face(yaw=0.0, pitch=0.0, pupil=4.0, openness=1.0):
    f = default_face(seed=2)
    return render_face(replace(f, eye=replace(f.eye, yaw=yaw, pitch=pitch, pupil_mm=pupil, openness=openness)))


def test_no_face_gives_none_and_reason(est):
    assert est.estimate(np.full((480, 640, 3), 200, np.uint8), t=1.0) is None
    assert est.last_reason == "no_face"
    assert set(est.timings) >= {"decode", "detect", "crop", "cnn", "filter", "total"}


def test_estimates_gaze_direction_and_pupil(est):
    est.locator.reset()
    right = est.estimate(_face(yaw=15), t=1.0)
    left = est.estimate(_face(yaw=-15), t=2.0)
    big = est.estimate(_face(pupil=7.0), t=3.0)
    small = est.estimate(_face(pupil=2.5), t=4.0)
    assert est.last_reason is None and right.source == "cnn" and right.t == 1.0
    assert right.yaw - left.yaw > 15 and right.x > left.x
    assert big.pupil_mm - small.pupil_mm > 2.5
    closed = est.estimate(_face(openness=0.0), t=5.0)
    assert closed.blink and not right.blink
    assert right.face is not None and 0.0 <= right.x <= 1.0 and "head" in right.extra
    assert est.device.type == "cpu"


def test_calibration_is_applied(est):
    est.locator.reset()
    cal = Calibration(degree=1, use_head=False, mean=[0.0, 0.0], std=[1.0, 1.0],
                      coef=[[0.0, 0.0], [0.0, 0.0], [0.25, 0.75]])
    est.calibration = cal
    try:
        s = est.estimate(_face(yaw=10), t=1.0)
    finally:
        est.calibration = None
    assert (s.x, s.y) == (0.25, 0.75)


def test_jpeg_bytes(est):
    est.locator.reset()
    data = cv2.imencode(".jpg", _face(), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    s = est.estimate_jpeg(data, t=7.0)
    assert s is not None and s.t == 7.0 and est.timings["decode"] > 0
    assert decode_jpeg(data).shape == (480, 640, 3)


@pytest.mark.parametrize("data", [b"", b"not a jpeg at all", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "text"])
def test_malformed_jpeg_raises_value_error(est, data):
    with pytest.raises(ValueError, match="malformed JPEG"):
        est.estimate_jpeg(data)


def test_filter_runs_inside_the_estimator():
    from gaze.filters import GazeFilter

    est = GazeEstimator(str(WEIGHTS), gaze_filter=GazeFilter())
    events = []
    for i in range(6):
        s = est.estimate(_face(yaw=5.0, openness=0.0 if i == 4 else 1.0), t=i / 15)
        events += est.events
    assert s is not None and est.timings["filter"] > 0
    kinds = [e["type"] for e in events]
    assert "fixation_start" in kinds and "blink_start" in kinds and kinds.count("blink_end") == 1
