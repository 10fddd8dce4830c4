"""Tracker request checks that need no model: calibration settings, filter changes, view rectangles."""
import math
import time

import pytest

from pipeline.errors import RequestError
from pipeline.tracking import Tracker, check_filter, check_view


def validating_tracker():
    """A tracker in the validation step, built without loading the model."""
    t = Tracker.__new__(Tracker)
    t.validation, t.target, t.collector = {(0.5, 0.5): [(0.5, 0.5), (0.52, 0.5)]}, None, None
    return t


@pytest.mark.parametrize("payload,code", [
    ({"screen_px": "big"}, "bad_type"), ({"screen_px": [1920, "x"]}, "bad_type"),
    ({"screen_cm": math.nan}, "not_finite"), ({"distance_cm": -60}, "out_of_range"),
])
def test_bad_validation_settings_are_refused(payload, code):
    with pytest.raises(RequestError) as err:
        validating_tracker().calibration("validate", payload)
    assert err.value.code == code


def test_validation_reports_for_the_given_screen():
    report = validating_tracker().calibration("validate", {"screen_px": [1000, 500], "screen_cm": 50,
                                                           "distance_cm": 50})["report"]
    assert report["n_targets"] == 1 and report["accuracy_px"] == pytest.approx(10.0)


@pytest.mark.parametrize("params,code", [({"beta": -1}, "out_of_range"), ({"beta": "x"}, "bad_type"),
                                         ({"beta": math.inf}, "not_finite"), ({"jitter": 1}, "unknown_param"),
                                         ([1], "bad_type")])
def test_filter_changes_are_checked_like_effect_parameters(params, code):
    with pytest.raises(RequestError) as err:
        check_filter(params)
    assert err.value.code == code


def test_view_rectangles_are_checked():
    assert check_view([0, 0.1, 0.5, 0.5]) == [0.0, 0.1, 0.5, 0.5]
    for bad in ([0, 0, 0, 1], [0, 0, 1], "all", [0, 0, math.nan, 1]):
        with pytest.raises(RequestError):
            check_view(bad)


def fitted(degree=2, use_head=True) -> dict:
    """A real calibration, fitted on a grid of synthetic samples."""
    from gaze.calibration import Calibration

    rows = [(yaw, pitch, (0.5, 0.5, 0.3)) for yaw in (-10, 0, 10) for pitch in (-5, 0, 5)]
    targets = [(0.5 + yaw / 40, 0.5 + pitch / 20) for yaw, pitch, _ in rows]
    return Calibration.fit(rows, targets, degree=degree, use_head=use_head).to_dict()


@pytest.mark.parametrize("degree,use_head", [(1, False), (1, True), (2, False), (2, True)])
def test_a_fitted_calibration_passes_the_check(degree, use_head):
    from pipeline.tracking import check_calibration

    d = fitted(degree, use_head)
    assert check_calibration(d) is d


@pytest.mark.parametrize("change", [
    lambda d: d.update(coef=d["coef"][:-1]),  # a row short
    lambda d: d.update(coef=[r + [0.0] for r in d["coef"]]),  # three columns
    lambda d: d.update(mean=d["mean"][:-1]),
    lambda d: d.update(std=d["std"] + [1.0]),
    lambda d: d.update(std=[0.0] * len(d["std"])),
    lambda d: d.update(mean=[math.nan] * len(d["mean"])),
    lambda d: d.update(coef=[[math.inf, 0.0]] * len(d["coef"])),
    lambda d: d.update(degree=3),
    lambda d: d.update(degree=True),
    lambda d: d.update(use_head="yes"),
    lambda d: d.update(use_head=False),  # the shapes are those of use_head=True
    lambda d: d.update(coef="[[1, 2]]"),
    lambda d: d.update(mean=[True] * len(d["mean"])),
    lambda d: d.pop("std"),
    lambda d: d.update(extra=1),
])
def test_a_malformed_calibration_is_refused(change):
    from pipeline.tracking import check_calibration

    d = fitted()
    change(d)
    with pytest.raises(RequestError) as err:
        check_calibration(d)
    assert err.value.code == "bad_calibration"


def test_a_refused_calibration_is_not_loaded():
    t = Tracker.__new__(Tracker)
    t.estimator = type("E", (), {"calibration": None})()
    bad = fitted()
    bad["coef"] = [[1.0, 2.0]]
    with pytest.raises(RequestError) as err:
        t.calibration("load", {"calibration": bad})
    assert err.value.code == "bad_calibration" and t.estimator.calibration is None
    assert t.calibration("load", {"calibration": fitted()}) == {} and t.estimator.calibration is not None


def test_a_tracker_lives_and_dies_with_its_connection():
    from config import Config
    from pipeline.tracking import TrackerPool

    pool = TrackerPool(Config().weights, "cpu")
    with pytest.raises(RequestError) as err:
        pool.get("never-connected")  # no tracker for a connection the pool does not know
    assert err.value.code == "disconnected" and pool.trackers == {}
    pool.open("a")
    tracker = pool.get("a")
    assert pool.get("a") is tracker and list(pool.trackers) == ["a"]
    pool.drop("a")
    assert pool.trackers == {}
    with pytest.raises(RequestError):
        pool.get("a")


def test_a_tracker_that_finishes_loading_after_its_connection_left_is_not_kept():
    import threading

    from config import Config
    from pipeline.tracking import TrackerPool

    pool = TrackerPool(Config().weights, "cpu")
    pool.open("gone")
    outcome = []
    loading = threading.Thread(target=lambda: outcome.append(_code(lambda: pool.get("gone"))))
    loading.start()
    time.sleep(0.005)  # the model is loading (tens of ms) when the connection drops
    pool.drop("gone")
    loading.join(timeout=30)
    assert outcome == ["disconnected"] and pool.trackers == {}


def test_the_pool_holds_at_most_max_trackers():
    from config import Config
    from pipeline.tracking import TrackerPool

    pool = TrackerPool(Config().weights, "cpu", max_trackers=1)
    pool.open("a")
    pool.open("b")
    pool.get("a")
    assert _code(lambda: pool.get("b")) == "too_many_trackers"
    pool.drop("a")
    assert pool.get("b") is pool.trackers["b"]


def _code(fn):
    try:
        fn()
    except RequestError as exc:
        return exc.code
    return "ok"
