"""The lens magnifies the content under the gaze, and nothing outside it."""
import cv2
import numpy as np
import pytest

from render.compositor import View
from tests.render.frames import H, W, source


def magnified_crop(zoom: int, half_out: int) -> np.ndarray:
    """The input around the frame centre, enlarged by `zoom` with OpenCV: what the lens should show."""
    half_in = half_out // zoom
    crop = source()[H // 2 - half_in:H // 2 + half_in, W // 2 - half_in:W // 2 + half_in]
    return cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)


def centre(out: np.ndarray, half: int) -> np.ndarray:
    return out[H // 2 - half:H // 2 + half, W // 2 - half:W // 2 + half]


@pytest.mark.parametrize("zoom", [2, 4])
def test_content_at_the_gaze_is_magnified(run, zoom):
    out = run("lens", View(gaze=(0.5, 0.5)), radius=0.3, zoom=float(zoom), rim=0.0)
    expected = magnified_crop(zoom, 24)
    error = np.abs(centre(out, 24) - expected).mean()
    assert error < 4.0
    assert error < 0.1 * np.abs(centre(out, 24) - centre(source(), 24)).mean()


def test_outside_the_lens_the_frame_is_untouched(run):
    out = run("lens", View(gaze=(0.3, 0.4)), radius=0.15)
    assert np.array_equal(out[:, int(0.7 * W):], source()[:, int(0.7 * W):])
    assert np.array_equal(out[int(0.8 * H):], source()[int(0.8 * H):])


def test_radius_sets_the_size_of_the_lens(run):
    small = run("lens", View(gaze=(0.5, 0.5)), radius=0.1, rim=0.0)
    large = run("lens", View(gaze=(0.5, 0.5)), radius=0.4, rim=0.0)
    ring = (slice(H // 2 - 2, H // 2 + 2), slice(W // 2 + 40, W // 2 + 50))  # 0.22-0.28 of the height out
    assert np.array_equal(small[ring], source()[ring])
    assert np.abs(large[ring] - source()[ring]).mean() > 20


def test_rim_darkens_the_edge(run):
    plain = run("lens", View(gaze=(0.5, 0.5)), radius=0.2, rim=0.0)
    rimmed = run("lens", View(gaze=(0.5, 0.5)), radius=0.2, rim=1.0)
    edge = (slice(H // 2 - 3, H // 2 + 3), slice(W // 2 + 35, W // 2 + 37))  # r = 0.2 of 180 px = 36 px
    assert rimmed[edge].mean() < 0.4 * plain[edge].mean()


def test_zoom_one_without_rim_is_the_frame(run):
    out = run("lens", View(gaze=(0.5, 0.5)), zoom=1.0, rim=0.0)
    assert np.abs(out - source()).max() <= 1
