"""The one gaze record that feeds the effects, the Socket.IO payload and the database."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class GazeSample:
    """A gaze estimate at one instant.

    x, y are page/screen coordinates in [0, 1] (0, 0 = top left). Angles are in degrees,
    pupil diameter in millimetres; fields a source cannot measure are None.
    """

    t: float  # capture time of the input (seconds, client clock for webcam frames)
    x: float
    y: float
    source: str = "mouse"  # "mouse", "external", "cnn"
    yaw: float | None = None
    pitch: float | None = None
    pupil_mm: float | None = None
    openness: float | None = None
    blink: bool = False
    confidence: float = 1.0
    face: tuple[int, int, int, int] | None = None  # x, y, w, h in the webcam frame
    t_server: float | None = None  # server time when the sample was made
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("x", "y"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (the Socket.IO `gaze` payload)."""
        d = asdict(self)
        if d["face"] is not None:
            d["face"] = list(d["face"])
        return d
