"""Webcam frames through the Socket.IO handler: a real face, the view rectangle, calibration steps."""
import cv2
import numpy as np
import pytest

from gaze.geometry import angles_to_vector
from gaze.synth.pairs import person_ray
from gaze.synth.photos import Placement, composite_frame, find_face, place


def face_jpeg() -> bytes:
    """A webcam frame of the astronaut's photograph, eyes repainted looking (8, -12) degrees."""
    face = find_face(place("astronaut", Placement(ipd_px=95)))
    rng = np.random.default_rng(1)
    g = angles_to_vector(8, -12)
    img = composite_frame(face, [g, g], 0.35, (1.0, 1.0), person_ray(rng), rng)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


@pytest.fixture(scope="module")
def jpeg():
    return face_jpeg()


def test_a_face_gives_a_sample_and_the_view_maps_it_into_the_video(sio, jpeg):
    plain = sio.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)
    assert plain["ok"] and plain["reason"] is None, plain
    g = plain["gaze"]
    assert g["source"] == "cnn" and 0 < g["x"] < 1 and 0 < g["y"] < 1 and not g["extra"]["calibrated"]
    assert set(plain["timings"]) >= {"decode", "landmarks", "normalise", "cnn", "total"}
    view = [0.0, 0.0, 0.6, 0.5]
    mapped = sio.emit("frame", {"jpeg": jpeg, "t": 2.0, "view": view}, callback=True)["gaze"]
    wx, wy = mapped["extra"]["window"]
    assert (wx, wy) == pytest.approx((g["x"], g["y"]), abs=0.02)  # the same frame, the same window point
    assert mapped["x"] == pytest.approx(min(1, max(0, wx / 0.6)), abs=1e-9)
    assert mapped["y"] == pytest.approx(min(1, max(0, wy / 0.5)), abs=1e-9)
    assert abs(mapped["x"] - wx) + abs(mapped["y"] - wy) > 0.05  # the view made a difference


def test_no_face_is_a_reason_not_an_error(sio):
    blank = cv2.imencode(".jpg", np.full((480, 640, 3), 128, np.uint8))[1].tobytes()
    ack = sio.emit("frame", {"jpeg": blank, "t": 1.0}, callback=True)
    assert ack["ok"] and ack["gaze"] is None and ack["reason"] == "no_face"


def test_calibration_steps_out_of_order_and_a_fit_without_samples(sio):
    fit = sio.emit("calibration", {"action": "fit"}, callback=True)
    assert not fit["ok"] and fit["error"]["code"] == "bad_request"
    assert sio.emit("calibration", {"action": "start", "points": 5}, callback=True)["ok"]
    fit = sio.emit("calibration", {"action": "fit"}, callback=True)
    assert not fit["ok"] and fit["error"]["code"] == "calibration_failed"
    bad = sio.emit("calibration", {"action": "load", "calibration": {"version": 2, "degree": 1}}, callback=True)
    assert not bad["ok"] and bad["error"]["code"] == "bad_calibration"
