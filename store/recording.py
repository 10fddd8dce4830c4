"""Recordings of gaze: the session row, its samples and its fixation, saccade and blink events."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .errors import StoreError, check_text
from .models import Base, aware, new_id, utcnow

SOURCES = ("mouse", "external", "cnn")
# event markers on a sample, as bits: what the gaze filter reported with it
MARKERS = {"fixation_start": 1, "fixation_end": 2, "saccade": 4, "blink_start": 8, "blink_end": 16}
STATUSES = ("recording", "stopped", "interrupted")


class Recording(Base):
    """One user's gaze session on a channel: what was shown, how, and when; changes only through its methods."""

    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_user_started", "user_id", "started_at"),
                      Index("ix_recordings_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(16), ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(500))  # the channel's content: demo, a file, mirror, camera:N
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float] = mapped_column(Float)
    chain: Mapped[list] = mapped_column(JSON)  # the effect chain when the recording started
    filter: Mapped[dict] = mapped_column(JSON)  # the gaze filter's settings then
    calibration_id: Mapped[str | None] = mapped_column(String(16), ForeignKey("calibrations.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the last flush by a live server
    sample_count: Mapped[int] = mapped_column(Integer, default=0)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="recording")
    data_version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every change pictures depend on
    frame_at: Mapped[float] = mapped_column(Float, default=0.0)  # content time of the pictures' background

    @classmethod
    def begin(cls, user_id: str, channel: str, source: str, size, fps: float, chain: list, filter: dict,
              calibration_id: str | None = None, name: str | None = None) -> "Recording":
        """Start a recording now."""
        now = utcnow()
        if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)):
            raise StoreError("invalid", "size must be [width, height]")
        return cls(id=new_id(), user_id=user_id, channel=check_text(channel, "channel", 1, 40),
                   source=check_text(source, "source", 1, 500), width=size[0], height=size[1], fps=float(fps),
                   chain=list(chain), filter=dict(filter), calibration_id=calibration_id, started_at=now,
                   heartbeat_at=now, sample_count=0, event_count=0, status="recording", data_version=1,
                   frame_at=0.0, name=check_text(name or f"{channel} {now:%Y-%m-%d %H:%M:%S}", "name", 1, 120))

    def take(self, samples: int, events: int) -> None:
        """Count a flushed batch in; only a running recording takes samples."""
        if self.status != "recording":
            raise StoreError("recording_stopped", f"recording {self.id} is {self.status}: it takes no samples")
        self.sample_count += samples
        self.event_count += events
        self.heartbeat_at = utcnow()
        if samples or events:
            self.data_version += 1

    def stop(self) -> None:
        """End a running recording now."""
        if self.status != "recording":
            raise StoreError("recording_stopped", f"recording {self.id} is already {self.status}")
        self.status, self.ended_at = "stopped", utcnow()
        self.data_version += 1

    def interrupt(self) -> None:
        """Mark a recording whose server died: it ends at its last flush, its samples stay."""
        if self.status == "recording":
            self.status, self.ended_at = "interrupted", self.heartbeat_at
            self.data_version += 1

    def rename(self, name) -> None:
        """Rename (pictures stay valid)."""
        self.name = check_text(name, "name", 1, 120)

    def set_frame_at(self, seconds) -> None:
        """Choose the content time whose frame the heatmap and scanpath are drawn over."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 86400:
            raise StoreError("out_of_range", "the frame time must be 0 to 86400 seconds")
        self.frame_at = float(seconds)
        self.data_version += 1

    @property
    def duration(self) -> float:
        """Seconds from start to end (or to the last flush while it runs)."""
        end = aware(self.ended_at or self.heartbeat_at)
        return max(0.0, (end - aware(self.started_at)).total_seconds())

    def to_dict(self) -> dict:
        """Return the JSON form of the API."""
        return {"id": self.id, "name": self.name, "channel": self.channel, "source": self.source,
                "size": [self.width, self.height], "fps": self.fps, "chain": self.chain, "filter": self.filter,
                "calibration_id": self.calibration_id, "status": self.status,
                "started_at": aware(self.started_at).isoformat(),
                "ended_at": aware(self.ended_at).isoformat() if self.ended_at else None,
                "duration": round(self.duration, 3), "samples": self.sample_count, "events": self.event_count}


class Sample(Base):
    """One gaze sample of a recording; seq orders them, t is seconds since the start (server clock)."""

    __tablename__ = "gaze_samples"

    recording_id: Mapped[str] = mapped_column(String(16), ForeignKey("recordings.id", ondelete="CASCADE"),
                                              primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    t: Mapped[float] = mapped_column(Float)
    t_client: Mapped[float | None] = mapped_column(Float)  # the client's own timestamp, as sent
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    yaw: Mapped[float | None] = mapped_column(Float)
    pitch: Mapped[float | None] = mapped_column(Float)
    pupil_mm: Mapped[float | None] = mapped_column(Float)
    openness: Mapped[float | None] = mapped_column(Float)
    blink: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[str] = mapped_column(String(10))
    markers: Mapped[int] = mapped_column(SmallInteger, default=0)  # MARKERS bits

    COLUMNS = ("seq", "t", "t_client", "x", "y", "yaw", "pitch", "pupil_mm", "openness", "blink", "confidence",
               "source", "markers")


class Event(Base):
    """A fixation (x, y: centroid), saccade (x, y to x2, y2) or blink; t is its start since the recording's."""

    __tablename__ = "gaze_events"

    recording_id: Mapped[str] = mapped_column(String(16), ForeignKey("recordings.id", ondelete="CASCADE"),
                                              primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(10))  # fixation, saccade, blink
    t: Mapped[float] = mapped_column(Float)
    duration: Mapped[float] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    x2: Mapped[float | None] = mapped_column(Float)
    y2: Mapped[float | None] = mapped_column(Float)
    amplitude: Mapped[float | None] = mapped_column(Float)

    COLUMNS = ("seq", "type", "t", "duration", "x", "y", "x2", "y2", "amplitude")


def _num(d: dict, key: str, lo=-math.inf, hi=math.inf, required=False):
    v = d.get(key)
    if v is None and not required:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
        raise StoreError("bad_sample", f"'{key}' must be a finite number in [{lo}, {hi}], got {v!r}")
    return float(v)


def sample_row(d, t: float) -> dict:
    """Check one gaze sample (a GazeSample.to_dict()) and return its row, less recording and seq."""
    if not isinstance(d, dict):
        raise StoreError("bad_sample", "a sample must be an object")
    source = d.get("source", "external")
    if source not in SOURCES:
        raise StoreError("bad_sample", f"'source' must be one of {', '.join(SOURCES)}")
    if not isinstance(d.get("blink", False), bool):
        raise StoreError("bad_sample", "'blink' must be true or false")
    return {"t": t, "t_client": _num(d, "t"), "x": _num(d, "x", 0, 1, True), "y": _num(d, "y", 0, 1, True),
            "yaw": _num(d, "yaw", -180, 180), "pitch": _num(d, "pitch", -180, 180),
            "pupil_mm": _num(d, "pupil_mm", 0, 20), "openness": _num(d, "openness", 0, 2),
            "blink": d.get("blink", False), "confidence": _num(d, "confidence", 0, 1) if "confidence" in d else 1.0,
            "source": source, "markers": 0}


def event_row(e: dict, offset: float) -> dict | None:
    """Return the row of a finished filter event (times shifted by offset), or None for start markers."""
    kind = e.get("type")
    t = e.get("t", 0.0) + offset
    if kind == "fixation_end":
        return {"type": "fixation", "t": e["start"] + offset, "duration": e["duration"], "x": e["x"], "y": e["y"]}
    if kind == "saccade":
        (x, y), (x2, y2) = e["from"], e["to"]
        return {"type": "saccade", "t": e["start"] + offset, "duration": e["duration"], "x": x, "y": y,
                "x2": x2, "y2": y2, "amplitude": e["amplitude"]}
    if kind == "blink_end":
        return {"type": "blink", "t": t - e["duration"], "duration": e["duration"]}
    return None
