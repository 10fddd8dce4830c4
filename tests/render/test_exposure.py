"""Exposure follows the pupil: a wider pupil brightens the frame and flattens its contrast."""
import numpy as np

from render.compositor import View
from tests.render.frames import detail, luma, source

PUPILS = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)


def test_brightness_rises_with_the_pupil_in_absolute_mode(run):
    values = [luma(run("exposure", View(pupil_mm=d))) for d in PUPILS]
    assert all(b > a + 1 for a, b in zip(values, values[1:]))
    assert values[0] < luma(source()) < values[-1]


def test_relative_mode_is_neutral_at_the_baseline_and_rises_above_it(run):
    at_base = run("exposure", View(pupil_mm=5.5), relative=True, baseline_mm=5.5)
    assert np.abs(at_base - source()).max() <= 1
    values = [luma(run("exposure", View(pupil_mm=d), relative=True, baseline_mm=5.5)) for d in PUPILS]
    assert all(b > a + 1 for a, b in zip(values, values[1:]))


def test_gain_scales_the_response(run):
    mild = luma(run("exposure", View(pupil_mm=8.0), gain=0.5))
    strong = luma(run("exposure", View(pupil_mm=8.0), gain=2.0))
    assert luma(source()) < mild < strong


def test_contrast_parameter_and_a_dilated_pupil_set_the_contrast(run):
    low = detail(run("exposure", View(pupil_mm=5.0), contrast=0.5))
    high = detail(run("exposure", View(pupil_mm=5.0), contrast=1.5))
    assert high > 2 * low
    narrow = detail(run("exposure", View(pupil_mm=2.0), gain=0.3, contrast_gain=1.0))
    wide = detail(run("exposure", View(pupil_mm=8.0), gain=0.3, contrast_gain=1.0))
    assert narrow > 1.2 * wide


def test_zero_gain_at_unit_contrast_is_the_frame(run):
    out = run("exposure", View(pupil_mm=7.0), gain=0.0)
    assert np.abs(out - source()).max() <= 1
