"""The foveate shader on detailed frames: sharp at the gaze, blurred away from it, tunable."""
import numpy as np
import pytest

from render.compositor import View
from tests.conftest import detail_frame, sharpness
from tests.render.conftest import H, W  # the shared fixtures `specs` and `comp` come from there


def render(comp, specs, gaze, **params):
    spec = specs["foveate"]
    return comp.render([(spec, {**spec.defaults(), **params})], View(gaze=gaze)).copy()


def test_passthrough_without_effects_returns_the_frame(comp):
    out = comp.render([], View())
    assert np.array_equal(out[..., :3], detail_frame(W, H)[..., :3])


def test_sharp_at_gaze_and_blurred_far_away(comp, specs):
    original = sharpness(detail_frame(W, H), 0.25, 0.5)
    out = render(comp, specs, (0.25, 0.5))
    assert sharpness(out, 0.25, 0.5) > 0.9 * original
    assert sharpness(out, 0.8, 0.5) < 0.1 * sharpness(detail_frame(W, H), 0.8, 0.5)
    # the fovea itself is the input, pixel for pixel
    x, y = int(0.25 * W), int(0.5 * H)
    assert np.array_equal(out[y - 3:y + 3, x - 3:x + 3, :3], detail_frame(W, H)[y - 3:y + 3, x - 3:x + 3, :3])


def test_moving_the_gaze_moves_the_sharp_region(comp, specs):
    left = render(comp, specs, (0.2, 0.5))
    right = render(comp, specs, (0.8, 0.5))
    assert sharpness(left, 0.2, 0.5) > 5 * sharpness(right, 0.2, 0.5)
    assert sharpness(right, 0.8, 0.5) > 5 * sharpness(left, 0.8, 0.5)


def test_vertical_gaze_uses_page_coordinates(comp, specs):
    top = render(comp, specs, (0.5, 0.15))
    assert sharpness(top, 0.5, 0.15) > 5 * sharpness(top, 0.5, 0.85)


def test_blur_grows_with_eccentricity(comp, specs):
    out = render(comp, specs, (0.1, 0.5), radius=0.05, falloff=1.2)
    values = [sharpness(out, x, 0.5) for x in (0.1, 0.35, 0.6, 0.9)]
    assert values == sorted(values, reverse=True)
    assert values[1] > 1.5 * values[3]  # a ramp, not one blur behind a hard circle


def test_strength_zero_leaves_the_frame_sharp(comp, specs):
    out = render(comp, specs, (0.2, 0.5), strength=0.0)
    assert np.array_equal(out[..., :3], detail_frame(W, H)[..., :3])


def test_radius_widens_the_sharp_region(comp, specs):
    small = render(comp, specs, (0.3, 0.5), radius=0.05, falloff=0.05)
    large = render(comp, specs, (0.3, 0.5), radius=0.5, falloff=0.05)
    assert sharpness(large, 0.6, 0.5) > 5 * sharpness(small, 0.6, 0.5)


def test_strength_sets_the_amount_of_blur(comp, specs):
    mild = render(comp, specs, (0.1, 0.5), strength=1.0)
    strong = render(comp, specs, (0.1, 0.5), strength=5.0)
    assert sharpness(mild, 0.9, 0.5) > 3 * sharpness(strong, 0.9, 0.5)


def test_wrong_frame_shape_is_refused(comp):
    with pytest.raises(ValueError, match="uint8"):
        comp.upload(np.zeros((H, W, 3), np.uint8))


def test_contrast_preservation_restores_peripheral_contrast_only(comp, specs):
    from tests.render.frames import detail
    frame = detail_frame(W, H)[..., :3].astype(np.float32)
    plain = render(comp, specs, (0.2, 0.5), contrast=0.0)[..., :3].astype(np.float32)
    kept = render(comp, specs, (0.2, 0.5), contrast=1.0)[..., :3].astype(np.float32)
    far = (slice(60, 120), slice(220, 300))
    assert detail(kept[far]) > 1.3 * detail(plain[far])
    assert detail(kept[far]) < detail(frame[far])  # contrast comes back, fine detail does not
    assert sharpness(kept, 0.8, 0.5) < 0.1 * sharpness(detail_frame(W, H), 0.8, 0.5)
    fovea = (slice(80, 100), slice(54, 74))
    assert np.array_equal(kept[fovea], frame[fovea])


def test_the_pyramid_is_reused_for_a_new_gaze_and_rebuilt_for_a_new_frame(ctx, comp, specs):
    from config import ROOT
    from render.compositor import Compositor

    spec = specs["foveate"]
    fresh = Compositor(ctx, (W, H), ROOT / "shaders")
    fresh.load(spec)
    other = detail_frame(W, H, seed=5)
    try:
        render(comp, specs, (0.2, 0.5))
        calls = []
        build = comp._pyramid.passes.draw
        comp._pyramid.passes.draw = lambda program, *a, **k: (calls.append(program), build(program, *a, **k))[1]
        moved = render(comp, specs, (0.7, 0.5))  # same frame, new gaze: no downsampling pass
        assert not set(calls) & set(comp._pyramid.programs())
        comp.upload(other)
        after = render(comp, specs, (0.7, 0.5))
        fresh.upload(other)
        expected = render(fresh, specs, (0.7, 0.5))
        assert np.array_equal(after, expected) and not np.array_equal(moved, after)
        assert set(calls) & set(comp._pyramid.programs())  # the new frame rebuilt it
    finally:
        fresh.release()
