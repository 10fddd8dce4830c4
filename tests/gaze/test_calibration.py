"""Calibration fits known mappings, collects samples properly and validates."""
import json
import math

import numpy as np
import pytest

from gaze.calibration import Calibration, CalibrationCollector, target_layout, validate
from gaze.sample import GazeSample


def _rows(targets, fn, rng, head=(0.5, 0.5, 0.3), noise=0.0):
    rows, tg = [], []
    for tx, ty in targets:
        for _ in range(10):
            yaw, pitch = fn(tx, ty)
            rows.append((yaw + rng.normal(0, noise), pitch + rng.normal(0, noise), head))
            tg.append((tx, ty))
    return rows, tg


def test_layouts():
    assert [len(target_layout(n)) for n in (5, 9, 13)] == [5, 9, 13]
    with pytest.raises(ValueError):
        target_layout(7)


def test_recovers_affine_mapping():
    rng = np.random.default_rng(0)
    fn = lambda x, y: (30 * x - 12 + 4 * y, -20 * y + 8)  # noqa: E731
    rows, tg = _rows(target_layout(9), fn, rng, noise=0.05)
    cal = Calibration.fit(rows, tg, alpha=1e-3, degree=1)
    for x, y in [(0.25, 0.7), (0.6, 0.2)]:
        mx, my = cal.map(*fn(x, y), (0.5, 0.5, 0.3))
        assert abs(mx - x) < 0.01 and abs(my - y) < 0.01


def test_recovers_quadratic_mapping():
    rng = np.random.default_rng(1)
    fn = lambda x, y: (25 * x + 6 * x * x - 12, -18 * y - 4 * x * y + 9)  # noqa: E731
    rows, tg = _rows(target_layout(13), fn, rng)
    cal = Calibration.fit(rows, tg, alpha=1e-6)
    assert cal.degree == 2
    worst = max(math.dist(cal.map(*fn(x, y), (0.5, 0.5, 0.3)), (x, y)) for x, y in [(0.3, 0.4), (0.8, 0.8)])
    assert worst < 0.02


def test_collector_drops_settling_and_blinks():
    col = CalibrationCollector(settle=0.3)
    col.start_target(0.1, 0.1, t=10.0)
    kept = [col.add(GazeSample(t=10.0 + k * 0.1, x=0, y=0, source="cnn", yaw=1.0, pitch=2.0, openness=1.0))
            for k in range(8)]
    assert kept == [False, False, False, True, True, True, True, True]
    assert not col.add(GazeSample(t=11, x=0, y=0, source="cnn", yaw=1, pitch=2, openness=0.05))
    assert not col.add(GazeSample(t=11, x=0, y=0, source="cnn", yaw=1, pitch=2, blink=True))
    assert col.per_target == {(0.1, 0.1): 5}
    with pytest.raises(ValueError):
        col.fit()


def test_round_trip_through_json():
    rng = np.random.default_rng(2)
    rows, tg = _rows(target_layout(5), lambda x, y: (40 * x - 20, 25 * y - 12), rng, noise=0.1)
    cal = Calibration.fit(rows, tg)
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back.map(3.0, -2.0, (0.4, 0.5, 0.3)) == pytest.approx(cal.map(3.0, -2.0, (0.4, 0.5, 0.3)))


def test_validate_accuracy_and_precision():
    pts = {(0.5, 0.5): [(0.5 + 10 / 1920, 0.5)] * 5, (0.1, 0.1): [(0.1, 0.1), (0.1 + 3 / 1920, 0.1)] * 3}
    rep = validate(pts, screen_px=(1920, 1080), screen_cm_w=53.0, distance_cm=60.0)
    assert rep["accuracy_px"] == pytest.approx((10 + 1.5) / 2)
    assert rep["accuracy_deg"] == pytest.approx(math.degrees(math.atan(5.75 * 53 / 1920 / 60)))
    assert rep["precision_rms_px"] == pytest.approx(math.sqrt(5 * 9 / 9))
