"""Heat builds up where the gaze dwells, fades with the half-life, and does not care about the frame rate."""
import numpy as np
import pytest

from render.compositor import View
from tests.render.frames import H, W, patch, source

A, B = (0.25, 0.5), (0.75, 0.5)


def dwell(comp, spec, params, gaze, seconds, fps, start=0.0, blink=False) -> float:
    """Render `seconds` of frames at `fps` with the gaze fixed; return the clock at the end."""
    t = start
    for _ in range(int(round(seconds * fps))):
        t += 1.0 / fps
        comp.render([(spec, params)], View(gaze=gaze, time=t, blink=blink))
    return t


def heat(comp, point) -> float:
    """The heat stored at a point of the frame."""
    state = comp.read_state("heatmap")
    h, w = state.shape[:2]
    return float(state[int(point[1] * h), int(point[0] * w), 0])


@pytest.fixture
def heatmap(specs):
    spec = specs["heatmap"]
    return spec, {**spec.defaults(), "half_life": 2.0, "dwell": 1.0}


def test_heat_accumulates_where_the_gaze_dwells(comp, heatmap):
    dwell(comp, *heatmap, A, 0.5, 30)
    half = heat(comp, A)
    dwell(comp, *heatmap, A, 0.5, 30, start=0.5)
    assert 0.3 < half < heat(comp, A) < 1.0
    assert heat(comp, B) < 1e-3


def test_heat_shows_on_the_video_only_where_it_is(comp, heatmap):
    dwell(comp, *heatmap, A, 1.0, 30)
    out = comp.render([heatmap], View(gaze=A, time=1.0))[..., :3].astype(np.float32)
    assert np.abs(patch(out, *A) - patch(source(), *A)).mean() > 30
    assert np.array_equal(patch(out, *B), patch(source(), *B))


def test_heat_halves_over_one_half_life(comp, heatmap):
    t = dwell(comp, *heatmap, A, 1.0, 30)
    before = heat(comp, A)
    dwell(comp, *heatmap, B, 2.0, 30, start=t)  # look away for one half-life
    assert heat(comp, A) == pytest.approx(before / 2, rel=0.03)


def dwell_then_look_away(comp, heatmap, fps, start) -> tuple[float, float, float]:
    """Dwell 1 s on A, then 1 s on B, at one frame rate; return the heat at A after each, and the clock."""
    comp.reset_state("heatmap")
    comp.render([heatmap], View(gaze=A, time=start, blink=True))  # set the clock without heating
    t = dwell(comp, *heatmap, A, 1.0, fps, start=start)
    dwelt = heat(comp, A)
    t = dwell(comp, *heatmap, B, 1.0, fps, start=t)
    return dwelt, heat(comp, A), t


def test_heat_does_not_depend_on_the_frame_rate(comp, heatmap):
    slow_dwelt, slow_faded, t = dwell_then_look_away(comp, heatmap, 5, 0.0)
    fast_dwelt, fast_faded, _ = dwell_then_look_away(comp, heatmap, 60, t)
    assert fast_dwelt == pytest.approx(slow_dwelt, rel=0.02)
    assert fast_faded == pytest.approx(slow_faded, rel=0.02)
    assert slow_faded == pytest.approx(slow_dwelt / 2 ** 0.5, rel=0.02)


def test_no_heat_while_the_eyes_are_closed(comp, heatmap):
    dwell(comp, *heatmap, A, 1.0, 30, blink=True)
    assert heat(comp, A) < 1e-3


def test_state_is_kept_when_the_shader_is_reloaded(comp, heatmap, specs):
    dwell(comp, *heatmap, A, 1.0, 30)
    before = heat(comp, A)
    comp.load(specs["heatmap"])
    assert heat(comp, A) == before
    assert comp.read_state("heatmap").shape == (H // 4, W // 4, 4)
