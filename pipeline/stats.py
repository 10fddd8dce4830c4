"""Per-stage timings and frame rate of a channel, kept for the last few seconds."""
from __future__ import annotations

import collections
import statistics

STAGES = ("read", "upload", "render", "readback", "encode", "send")


class FrameStats:
    """Rolling per-stage durations and publish times; written by one thread, read by any."""

    def __init__(self, window: int = 120):
        self.stages = {s: collections.deque(maxlen=window) for s in STAGES}
        self.published = collections.deque(maxlen=window)
        self.frames = 0
        self.rerenders = 0

    def record(self, timings: dict, at: float, rerender: bool) -> None:
        """Add the timings of one published frame."""
        for stage, seconds in timings.items():
            self.stages[stage].append(seconds)
        self.published.append(at)
        self.frames += 1
        self.rerenders += rerender

    def record_send(self, seconds: float) -> None:
        """Add the time one viewer took to take one frame (its socket write)."""
        self.stages["send"].append(seconds)

    def fps(self, now: float, span: float = 2.0) -> float:
        """Frames published per second over the last `span` seconds."""
        recent = [t for t in list(self.published) if now - t <= span]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6)

    def medians_ms(self) -> dict:
        """Median duration of each stage in milliseconds (None before the first frame)."""
        return {s: (round(statistics.median(list(d)) * 1000, 3) if d else None)
                for s, d in self.stages.items()}
