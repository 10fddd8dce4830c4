"""The spotlight dims and greys the periphery and leaves the centre as it is."""
import numpy as np

from render.compositor import View
from tests.render.frames import luma, patch, saturation, source

G, FAR = (0.3, 0.4), (0.85, 0.8)


def test_centre_unchanged_periphery_darker_and_greyer(run):
    out = run("spotlight", View(gaze=G))
    assert np.array_equal(patch(out, *G), patch(source(), *G))
    assert luma(patch(out, *FAR)) < 0.6 * luma(patch(source(), *FAR))
    assert saturation(patch(out, *FAR)) < 0.5 * saturation(patch(source(), *FAR))


def test_dim_and_desaturate_act_separately(run):
    dim_only = run("spotlight", View(gaze=G), dim=0.5, desaturate=0.0)
    grey_only = run("spotlight", View(gaze=G), dim=0.0, desaturate=1.0)
    far = patch(source(), *FAR)
    assert abs(luma(patch(dim_only, *FAR)) - 0.5 * luma(far)) < 3
    assert abs(saturation(patch(dim_only, *FAR)) - 0.5 * saturation(far)) < 3  # scaled, not greyed
    assert saturation(patch(grey_only, *FAR)) < 1.0
    assert abs(luma(patch(grey_only, *FAR)) - luma(far)) < 3


def test_no_dim_no_desaturate_is_the_frame(run):
    out = run("spotlight", View(gaze=G), dim=0.0, desaturate=0.0)
    assert np.abs(out - source()).max() <= 1


def test_the_fade_follows_the_radius(run):
    mid = (G[0] + 0.3 * 180 / 320, G[1])  # 0.3 of the height from the gaze
    narrow = run("spotlight", View(gaze=G), radius=0.1, softness=0.05)
    wide = run("spotlight", View(gaze=G), radius=0.4, softness=0.05)
    assert np.array_equal(patch(wide, *mid, half=4), patch(source(), *mid, half=4))
    assert luma(patch(narrow, *mid, half=4)) < 0.6 * luma(patch(source(), *mid, half=4))
