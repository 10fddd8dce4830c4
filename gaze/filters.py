"""Gaze filters: One Euro smoothing, blink detection, I-DT fixations and saccades, chained."""
from __future__ import annotations

import math
from dataclasses import replace

from .sample import GazeSample


class OneEuroFilter:
    """Casiez et al.'s One Euro filter: little lag when moving, little jitter when still."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.5, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x = self.dx = self.t = None

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        """Return the smoothing factor of a first-order low pass."""
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: float, t: float) -> float:
        """Filter value x observed at time t (seconds) and return the smoothed value."""
        if self.x is None or t <= self.t:
            if self.x is None:
                self.x, self.dx, self.t = x, 0.0, t
            return self.x
        dt = t - self.t
        a_d = self._alpha(self.d_cutoff, dt)
        self.dx = a_d * (x - self.x) / dt + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * abs(self.dx)
        a = self._alpha(cutoff, dt)
        self.x, self.t = a * x + (1 - a) * self.x, t
        return self.x


class BlinkDetector:
    """Detect blinks from eye openness with hysteresis; emit start/end events."""

    def __init__(self, close_below: float = 0.2, open_above: float = 0.3):
        self.close_below, self.open_above = close_below, open_above
        self.closed, self.t_start = False, None

    def update(self, openness: float | None, t: float) -> list[dict]:
        """Feed one openness value; return blink_start / blink_end events."""
        if openness is None:
            return []
        if not self.closed and openness < self.close_below:
            self.closed, self.t_start = True, t
            return [{"type": "blink_start", "t": t}]
        if self.closed and openness > self.open_above:
            self.closed = False
            return [{"type": "blink_end", "t": t, "duration": round(t - self.t_start, 4)}]
        return []


class FixationDetector:
    """Online dispersion-threshold (I-DT) fixations; saccades are the moves between them."""

    def __init__(self, dispersion: float = 0.03, min_duration: float = 0.1):
        self.dispersion, self.min_duration = dispersion, min_duration
        self.window: list[tuple[float, float, float]] = []
        self.fixating = False
        self.last_fix: dict | None = None

    def _spread(self, pts) -> float:
        """Return (max x - min x) + (max y - min y) of points (t, x, y)."""
        xs, ys = [p[1] for p in pts], [p[2] for p in pts]
        return (max(xs) - min(xs)) + (max(ys) - min(ys))

    def _centroid(self) -> tuple[float, float]:
        """Return the mean x, y of the window."""
        n = len(self.window)
        return sum(p[1] for p in self.window) / n, sum(p[2] for p in self.window) / n

    def _end(self) -> dict:
        """Close the current fixation and return its end event."""
        cx, cy = self._centroid()
        t0, t1 = self.window[0][0], self.window[-1][0]
        self.last_fix = {"x": cx, "y": cy, "t": t1}
        self.fixating = False
        return {"type": "fixation_end", "t": t1, "start": t0, "duration": round(t1 - t0, 4), "x": cx, "y": cy}

    def _start(self) -> list[dict]:
        """Open a fixation on the current window; return its start (and saccade) events."""
        self.fixating = True
        cx, cy = self._centroid()
        t0 = self.window[0][0]
        events = []
        if self.last_fix is not None:
            lf = self.last_fix
            events.append({"type": "saccade", "t": t0, "start": lf["t"], "duration": round(t0 - lf["t"], 4),
                           "from": [lf["x"], lf["y"]], "to": [cx, cy],
                           "amplitude": math.hypot(cx - lf["x"], cy - lf["y"])})
        return events + [{"type": "fixation_start", "t": t0, "x": cx, "y": cy}]

    def update(self, x: float, y: float, t: float) -> list[dict]:
        """Feed one point; return fixation_start / fixation_end / saccade events."""
        events = []
        if self.fixating:
            if self._spread(self.window + [(t, x, y)]) <= self.dispersion:
                self.window.append((t, x, y))
                return events
            events.append(self._end())
            self.window = []
        self.window.append((t, x, y))
        while len(self.window) > 1 and self._spread(self.window) > self.dispersion:
            self.window.pop(0)
        if self.window[-1][0] - self.window[0][0] >= self.min_duration:
            events += self._start()
        return events


class GazeFilter:
    """Chain blink detection, One Euro smoothing and I-DT on GazeSamples."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.5, d_cutoff: float = 1.0,
                 dispersion: float = 0.03, min_duration: float = 0.1,
                 close_below: float = 0.2, open_above: float = 0.3):
        self.fx = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self.fy = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self.fp = OneEuroFilter(0.5, 0.0, d_cutoff)
        self.blinks = BlinkDetector(close_below, open_above)
        self.fix = FixationDetector(dispersion, min_duration)
        self.last: GazeSample | None = None

    def process(self, s: GazeSample) -> tuple[GazeSample, list[dict]]:
        """Return the smoothed sample and the events it caused (JSON-serialisable dicts)."""
        events = self.blinks.update(s.openness, s.t)
        if self.blinks.closed and self.last is not None:
            held = replace(self.last, t=s.t, t_server=s.t_server, openness=s.openness, blink=True,
                           face=s.face, extra=dict(s.extra))
            return held, events
        x, y = self.fx(s.x, s.t), self.fy(s.y, s.t)
        pupil = self.fp(s.pupil_mm, s.t) if s.pupil_mm is not None else None
        events += self.fix.update(x, y, s.t)
        out = replace(s, x=x, y=y, pupil_mm=pupil, blink=self.blinks.closed, extra=dict(s.extra))
        self.last = out
        return out, events
