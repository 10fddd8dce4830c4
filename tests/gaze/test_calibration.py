"""Calibration corrects the default screen point, collects samples properly, validates and checks input."""
import json
import math

import numpy as np
import pytest

from gaze.calibration import Calibration, CalibrationCollector, target_layout, validate
from gaze.sample import GazeSample


def test_layouts():
    assert [len(target_layout(n)) for n in (5, 9, 13)] == [5, 9, 13]
    with pytest.raises(ValueError):
        target_layout(7)


def _distorted(x, y):
    """A default mapping that is off the way a new user's is: offset, wrong scale, a little curve."""
    return 0.06 + 0.8 * x + 0.05 * (x - 0.5) ** 2, -0.04 + 1.15 * y - 0.1 * (x - 0.5) * (y - 0.5)


def _inverse_points(targets):
    return [_distorted(x, y) for x, y in targets]


@pytest.mark.parametrize("n, tol", [(5, 0.02), (9, 0.015)])
def test_recovers_a_users_offset_and_scale(n, tol):
    targets = target_layout(n)
    cal = Calibration.fit(_inverse_points(targets), targets)
    assert cal.degree == (2 if n >= 9 else 1)
    for x, y in [(0.25, 0.7), (0.6, 0.2), (0.5, 0.5)]:
        assert math.dist(cal.map(*_distorted(x, y)), (x, y)) < tol


def test_few_targets_stay_close_to_the_default():
    cal = Calibration.fit([(0.5, 0.5), (0.52, 0.5), (0.5, 0.52)], [(0.45, 0.5), (0.47, 0.5), (0.45, 0.52)])
    assert cal.map(0.9, 0.9) == pytest.approx((0.85, 0.9), abs=0.03)  # an offset, not a wild extrapolation


def test_collector_uses_the_uncalibrated_point_and_drops_settling_and_blinks():
    col = CalibrationCollector(settle=0.3)
    col.start_target(0.1, 0.1, t=10.0)
    s = lambda t, **kw: GazeSample(t=t, x=0.9, y=0.9, source="cnn", openness=1.0, extra={"screen": [0.2, 0.15]}, **kw)
    kept = [col.add(s(10.0 + k * 0.1)) for k in range(8)]
    assert kept == [False, False, False, True, True, True, True, True]
    assert not col.add(s(11, blink=True))
    assert not col.add(GazeSample(t=11, x=0, y=0, source="cnn", openness=0.05, extra={"screen": [0.1, 0.1]}))
    assert col.per_target == {(0.1, 0.1): 5} and col.rows[0] == (0.2, 0.15)
    with pytest.raises(ValueError):
        col.fit()


def test_round_trip_through_json():
    targets = target_layout(9)
    cal = Calibration.fit(_inverse_points(targets), targets)
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back.map(0.3, 0.8) == pytest.approx(cal.map(0.3, 0.8))


@pytest.mark.parametrize("bad", [
    None, [], {"version": 1, "degree": 1, "coef": [[0, 0]] * 3},
    {"version": 2, "degree": 3, "coef": [[0, 0]] * 3}, {"version": 2, "degree": True, "coef": [[0, 0]] * 3},
    {"version": 2, "degree": 1, "coef": [[0, 0]] * 6}, {"version": 2, "degree": 2, "coef": [[0, 0, 0]] * 6},
    {"version": 2, "degree": 1, "coef": [[0, "x"]] * 3}, {"version": 2, "degree": 1, "coef": [[0, float("nan")]] * 3},
    {"version": 2, "degree": 1, "coef": [[0, 1e9]] * 3}, {"version": 2, "degree": 1},
])
def test_a_malformed_calibration_is_refused(bad):
    with pytest.raises(ValueError):
        Calibration.from_dict(bad)


def test_validate_accuracy_and_precision():
    pts = {(0.5, 0.5): [(0.5 + 10 / 1920, 0.5)] * 5, (0.1, 0.1): [(0.1, 0.1), (0.1 + 3 / 1920, 0.1)] * 3}
    rep = validate(pts, screen_px=(1920, 1080), screen_cm_w=53.0, distance_cm=60.0)
    assert rep["accuracy_px"] == pytest.approx((10 + 1.5) / 2)
    assert rep["accuracy_deg"] == pytest.approx(math.degrees(math.atan(5.75 * 53 / 1920 / 60)))
    assert rep["precision_rms_px"] == pytest.approx(math.sqrt(5 * 9 / 9))
