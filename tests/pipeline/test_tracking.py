"""Tracker request checks that need no model: calibration settings, filter changes, view rectangles."""
import math
import time

import pytest

from gaze.geometry import DEFAULT_SCREEN
from gaze.sample import GazeSample
from pipeline.errors import RequestError
from pipeline.tracking import Tracker, check_filter, check_view, to_view


class _Estimator:
    """What a Tracker keeps of its estimator, without the model."""

    calibration, screen = None, DEFAULT_SCREEN


def bare_tracker(validation=None):
    """A tracker built without loading the model."""
    t = Tracker.__new__(Tracker)
    t.validation, t.target, t.collector, t.estimator = validation, None, None, _Estimator()
    return t


def validating_tracker():
    """A tracker in the validation step."""
    return bare_tracker({(0.5, 0.5): [(0.5, 0.5), (0.52, 0.5)]})


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
    assert report["quality"] == "poor" and "1 of 5" in report["advice"]  # four validation targets had no samples


@pytest.mark.parametrize("miss, quality", [(0.005, "good"), (0.05, "fair"), (0.2, "poor")])
def test_validation_says_how_good_it_is(miss, quality):
    targets = [(0.3, 0.3), (0.7, 0.3), (0.5, 0.5), (0.3, 0.7), (0.7, 0.7)]
    t = bare_tracker({p: [(p[0] + miss, p[1])] * 3 for p in targets})
    report = t.calibration("validate", {"screen_px": [1920, 1080], "screen_cm": 53, "distance_cm": 60})["report"]
    assert report["quality"] == quality, report
    assert (report["advice"] == "") == (quality == "good")


def test_calibration_start_takes_the_screen_size():
    t = bare_tracker()
    t.calibration("start", {"points": 5, "screen_mm": [340, 190]})
    assert (t.estimator.screen.width_mm, t.estimator.screen.height_mm) == (340, 190)
    for bad, code in (([340], "bad_type"), ([10, 190], "out_of_range"), (["a", 1], "bad_type")):
        with pytest.raises(RequestError) as err:
            t.calibration("start", {"points": 5, "screen_mm": bad})
        assert err.value.code == code
    with pytest.raises(RequestError):
        t.calibration("start", {"points": True})


@pytest.mark.parametrize("cal", [
    {"version": 2, "degree": 1, "coef": [[0, 0]] * 2}, {"version": 2, "degree": 1, "coef": [[0, "x"]] * 3},
    {"version": 1, "degree": 1, "coef": [[0, 0]] * 3}, "text", None, [1, 2],
    {"version": 2, "degree": 1, "coef": [[0, 0]] * 3, "screen_mm": [1, 1]},
    {"version": 2, "degree": 1, "coef": [[0, 0]] * 3, "screen_mm": "wide"},
])
def test_a_malformed_calibration_is_refused_and_changes_nothing(cal):
    t = bare_tracker()
    with pytest.raises(RequestError) as err:
        t.calibration("load", {"calibration": cal})
    assert err.value.code == "bad_calibration"
    assert t.estimator.calibration is None and t.estimator.screen is DEFAULT_SCREEN


def test_a_good_calibration_loads_with_its_screen():
    t = bare_tracker()
    t.calibration("load", {"calibration": {"version": 2, "degree": 1, "coef": [[0.1, 0], [0, 0], [0, 0]],
                                           "screen_mm": [300, 200]}})
    assert t.estimator.calibration.map(0.5, 0.5) == pytest.approx((0.6, 0.5))
    assert t.estimator.screen.width_mm == 300


def test_to_view_maps_window_to_video_rectangle():
    s = GazeSample(t=0, x=0.5, y=0.6, source="cnn")
    out = to_view(s, [0.25, 0.2, 0.5, 0.8])
    assert (out.x, out.y) == pytest.approx((0.5, 0.5)) and out.extra["window"] == [0.5, 0.6]
    left = to_view(GazeSample(t=0, x=0.3, y=0.2, source="cnn"), [0.25, 0.2, 0.5, 0.8])
    assert (left.x, left.y) == pytest.approx((0.1, 0.0))
    assert to_view(GazeSample(t=0, x=0.9, y=0.99, source="cnn"), [0.25, 0.2, 0.5, 0.5]).x == 1.0  # clipped
    assert to_view(s, None) is s


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
    started, dropped, loaded = threading.Event(), threading.Event(), []
    load = pool._load

    def slow_load():  # the model is loading when the connection drops, however fast it would load
        started.set()
        dropped.wait(30)
        loaded.append(load())
        return loaded[-1]

    pool._load = slow_load
    pool.open("gone")
    outcome = []
    loading = threading.Thread(target=lambda: outcome.append(_code(lambda: pool.get("gone"))))
    loading.start()
    assert started.wait(30)
    pool.drop("gone")
    dropped.set()
    loading.join(timeout=30)
    assert outcome == ["disconnected"] and pool.trackers == {} and len(loaded) == 1


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
