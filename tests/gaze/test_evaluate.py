"""The model card's bars, on samples no model was shaped by (small samples: the full run is gaze.evaluate).

Held-out domain: each leave-one-domain-out model scored on the family it never saw. Photograph
composites: whole webcam frames of a face no model trained on, heads turned, blinking.
"""
import numpy as np
import pytest

from gaze.evaluate import BARS, LODO, WEIGHTS, affine_calibrated, composite_frames, held_out_domain, score_frames
from gaze.synth.pairs import FAMILIES


def test_every_family_has_a_leave_one_out_model():
    assert sorted(p.name for p in LODO.glob("without-*.pt")) == sorted(f"without-{f}.pt" for f in FAMILIES)


def test_held_out_domain_error_is_within_the_bar():
    res = held_out_domain(300)
    print(res)
    assert set(FAMILIES) <= set(res)
    assert res["mean_calibrated_deg"] <= BARS["held_out_domain_calibrated_deg"]
    assert all(res[f]["calibrated_deg"] <= BARS["held_out_domain_calibrated_deg"] + 1.0 for f in FAMILIES)


def test_photograph_composites_are_within_the_bars():
    res = score_frames(str(WEIGHTS), composite_frames(48, seed=777))
    print(res)
    assert res["coverage"] >= BARS["coverage"]
    assert res["calibrated_deg"] <= BARS["photo_calibrated_deg"]
    assert res["raw_deg"] <= 8.0  # uncalibrated, a new face is already roughly right
    assert res["pupil_mae_mm"] <= BARS["pupil_mae_mm"]
    assert res["blink_f1"] >= BARS["blink_f1"]


def test_the_calibrated_score_is_an_affine_fit_not_a_free_pass():
    rng = np.random.default_rng(0)
    true = rng.uniform(-20, 20, (200, 2))
    assert affine_calibrated(true * 0.5 + 3, true) == pytest.approx(true)  # scale and offset are removed
    noisy = affine_calibrated(rng.uniform(-20, 20, (200, 2)), true)  # unrelated predictions stay wrong
    assert np.abs(noisy - true).mean() > 5
