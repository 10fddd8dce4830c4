"""Tracker request checks that need no model: calibration settings, filter changes, view rectangles."""
import math

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
