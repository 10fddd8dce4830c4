"""Filters against hand-made traces."""
import json

import numpy as np

from gaze.filters import BlinkDetector, FixationDetector, GazeFilter, OneEuroFilter
from gaze.sample import GazeSample


def test_one_euro_follows_a_step_smoothly():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    ts = np.arange(0, 2, 1 / 30)
    out = [f(0.0 if t < 1 else 1.0, t) for t in ts]
    after = out[30:]
    assert out[29] == 0.0
    assert 0.0 < after[0] < 0.5  # smoothed, not jumped
    assert all(b >= a for a, b in zip(after, after[1:]))  # monotone, no overshoot
    assert after[-1] > 0.95


def test_one_euro_beta_reduces_lag():
    slow, fast = OneEuroFilter(1.0, 0.0), OneEuroFilter(1.0, 5.0)
    ts = np.arange(0, 1, 1 / 30)
    a = [slow(t, t) for t in ts][-1]
    b = [fast(t, t) for t in ts][-1]
    assert abs(b - ts[-1]) < abs(a - ts[-1])


def test_one_euro_reduces_jitter():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff=0.5, beta=0.0)
    noisy = 0.5 + rng.normal(0, 0.02, 300)
    out = np.array([f(v, i / 30) for i, v in enumerate(noisy)])
    assert out[30:].std() < noisy.std() / 2


def test_idt_fixation_then_saccade():
    det, events = FixationDetector(dispersion=0.03, min_duration=0.1), []
    for i in range(60):
        t = i / 60
        x, y = (0.3, 0.3) if t < 0.5 else (0.7, 0.6)
        events += det.update(x + 0.002 * (i % 3), y, t)
    kinds = [e["type"] for e in events]
    assert kinds == ["fixation_start", "fixation_end", "saccade", "fixation_start"]
    end = events[1]
    assert abs(end["x"] - 0.302) < 0.005 and abs(end["duration"] - 29 / 60) < 0.02
    assert abs(events[2]["amplitude"] - 0.5) < 0.01
    json.dumps(events)


def test_blink_hysteresis_and_duration():
    det, events = BlinkDetector(0.2, 0.3), []
    trace = [1, 1, 0.25, 0.1, 0.0, 0.22, 0.25, 0.6, 1, 0.19, 1]
    for i, o in enumerate(trace):
        events += det.update(o, i * 0.1)
    assert [e["type"] for e in events] == ["blink_start", "blink_end", "blink_start", "blink_end"]
    assert abs(events[1]["duration"] - 0.4) < 1e-9  # 0.22 and 0.25 stay closed (hysteresis)


def test_gaze_filter_chain_holds_position_through_blinks():
    gf, events = GazeFilter(), []
    out = None
    for i in range(30):
        openness = 0.0 if 20 <= i < 23 else 1.0
        s = GazeSample(t=i / 30, x=0.4, y=0.6, source="cnn", openness=openness, pupil_mm=4.0)
        out, ev = gf.process(s)
        events += ev
        if i == 21:
            assert out.blink and abs(out.x - 0.4) < 1e-6
    kinds = [e["type"] for e in events]
    assert "fixation_start" in kinds and "blink_start" in kinds and "blink_end" in kinds
    assert not out.blink
    json.dumps([out.to_dict(), events])
