"""Reading and changing a user's recordings: lists, details, statistics, streamed samples and events."""
from __future__ import annotations

import statistics
from datetime import timedelta

import numpy as np
from sqlalchemy import delete, func, select, update

from .db import UNAVAILABLE, Database, transaction
from .errors import StoreError, not_found
from .models import Calibration, utcnow
from .recording import Event, Recording, Sample


class Recordings:
    """Every query names the owner: another user's recording is not found, never forbidden."""

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _owned(s, user_id: str, rec_id) -> Recording:
        rec = s.scalar(select(Recording).where(Recording.id == rec_id, Recording.user_id == user_id)) \
            if isinstance(rec_id, str) else None
        if rec is None:
            raise not_found("recording")
        return rec

    @transaction
    def list(self, s, user_id: str, limit: int = 500) -> list[tuple[Recording, float | None]]:
        """Return (recording, calibration accuracy in degrees) pairs, newest first."""
        rows = s.execute(select(Recording, Calibration.accuracy_deg)
                         .outerjoin(Calibration, Recording.calibration_id == Calibration.id)
                         .where(Recording.user_id == user_id).order_by(Recording.started_at.desc()).limit(limit))
        return [(rec, acc) for rec, acc in rows]

    @transaction
    def get(self, s, user_id: str, rec_id) -> Recording:
        """Return one of the user's recordings."""
        return self._owned(s, user_id, rec_id)

    @transaction
    def find(self, s, rec_id, user_id: str | None = None) -> Recording:
        """Return a recording by id, of one user or (user_id None) of anyone: for the operator's tools
        (python -m pipeline.replay), never for a web request."""
        q = select(Recording).where(Recording.id == rec_id)
        rec = s.scalar(q if user_id is None else q.where(Recording.user_id == user_id))
        if rec is None:
            raise not_found("recording")
        return rec

    @transaction
    def calibration_of(self, s, user_id: str, rec: Recording) -> Calibration | None:
        """Return the calibration a recording used (the user's own only)."""
        if rec.calibration_id is None:
            return None
        return s.scalar(select(Calibration).where(Calibration.id == rec.calibration_id,
                                                  Calibration.user_id == user_id))

    @transaction
    def rename(self, s, user_id: str, rec_id, name) -> Recording:
        """Rename a recording."""
        rec = self._owned(s, user_id, rec_id)
        rec.rename(name)
        return rec

    @transaction
    def set_frame_at(self, s, user_id: str, rec_id, seconds) -> Recording:
        """Choose the content frame the pictures are drawn over."""
        rec = self._owned(s, user_id, rec_id)
        rec.set_frame_at(seconds)
        return rec

    @transaction
    def delete(self, s, user_id: str, rec_id) -> Recording:
        """Delete a stopped recording with its samples and events (the database cascades)."""
        rec = self._owned(s, user_id, rec_id)
        if rec.status == "recording":
            raise StoreError("recording_running", "stop the recording before deleting it")
        s.execute(delete(Sample).where(Sample.recording_id == rec.id))  # SQLite without FK cascade, too
        s.execute(delete(Event).where(Event.recording_id == rec.id))
        s.delete(rec)
        return rec

    @transaction
    def events(self, s, user_id: str, rec_id, kind: str | None = None) -> list[Event]:
        """Return a recording's events in order (fixations, saccades, blinks; or one kind)."""
        rec = self._owned(s, user_id, rec_id)
        q = select(Event).where(Event.recording_id == rec.id).order_by(Event.seq)
        return list(s.scalars(q.where(Event.type == kind) if kind else q))

    @transaction
    def stats(self, s, user_id: str, rec_id) -> dict:
        """Return fixation, saccade and blink statistics of a recording."""
        rec = self._owned(s, user_id, rec_id)
        rows = s.execute(select(Event.type, Event.duration, Event.amplitude).where(Event.recording_id == rec.id)).all()
        fix = [d for k, d, _ in rows if k == "fixation"]
        amps = [a for k, _, a in rows if k == "saccade" and a is not None]
        blinks = sum(1 for k, _, _ in rows if k == "blink")
        minutes = max(rec.duration, 1e-9) / 60
        return {"fixations": len(fix), "fixation_mean_ms": 1000 * statistics.fmean(fix) if fix else None,
                "fixation_median_ms": 1000 * statistics.median(fix) if fix else None,
                "fixation_time_share": min(1.0, sum(fix) / rec.duration) if fix and rec.duration else None,
                "saccades": len(amps), "saccade_mean_amplitude": statistics.fmean(amps) if amps else None,
                "blinks": blinks, "blinks_per_minute": blinks / minutes if rec.duration else None}

    @transaction
    def series(self, s, user_id: str, rec_id) -> dict:
        """Return the samples as numpy columns (t, x, y, pupil_mm, blink) for pictures."""
        rec = self._owned(s, user_id, rec_id)
        rows = s.execute(select(Sample.t, Sample.x, Sample.y, Sample.pupil_mm, Sample.blink)
                         .where(Sample.recording_id == rec.id).order_by(Sample.seq)
                         .execution_options(yield_per=5000)).all()
        cols = np.array([(t, x, y, np.nan if p is None else p, b) for t, x, y, p, b in rows], np.float64).reshape(-1, 5)
        return {"t": cols[:, 0], "x": cols[:, 1], "y": cols[:, 2], "pupil_mm": cols[:, 3], "blink": cols[:, 4] > 0}

    def open_rows(self, user_id: str, rec_id, kind: str = "samples", batch: int = 2000) -> "RowCursor":
        """Open a streamed read of a recording's samples or events (batches of `batch` rows)."""
        return RowCursor(self.db, user_id, rec_id, Sample if kind == "samples" else Event, batch)

    def sweep(self, stale_s: float, live: set[str] = frozenset()) -> int:
        """Mark as interrupted the running recordings no server has flushed for stale_s (their server died)."""
        cutoff = utcnow() - timedelta(seconds=stale_s)
        with self.db.session() as s:
            stale = s.scalars(select(Recording).where(Recording.status == "recording",
                                                      Recording.heartbeat_at < cutoff)).all()
            for rec in stale:
                if rec.id not in live:
                    rec.interrupt()
            return sum(1 for rec in stale if rec.id not in live)

    def heartbeat(self, ids: list[str]) -> None:
        """Note that this server still records these recordings."""
        if ids:
            with self.db.session() as s:
                s.execute(update(Recording).where(Recording.id.in_(ids), Recording.status == "recording")
                          .values(heartbeat_at=utcnow()))

    @transaction
    def count(self, s, user_id: str, rec_id) -> int:
        """Return the number of stored samples of a recording (counted, not the counter)."""
        rec = self._owned(s, user_id, rec_id)
        return s.scalar(select(func.count()).select_from(Sample).where(Sample.recording_id == rec.id))


class RowCursor:
    """A server-side cursor over one recording's rows, read batch by batch (each call off the loop)."""

    def __init__(self, db: Database, user_id: str, rec_id, model, batch: int):
        self.columns, self._lock = model.COLUMNS, db.lock
        with self._lock:
            self._open(db, user_id, rec_id, model, batch)

    def _open(self, db: Database, user_id: str, rec_id, model, batch: int) -> None:
        self._session = db.sessions()
        try:
            self.recording = Recordings._owned(self._session, user_id, rec_id)
            cols = [getattr(model, c) for c in self.columns]
            result = self._session.execute(select(*cols).where(model.recording_id == rec_id).order_by(model.seq)
                                           .execution_options(yield_per=batch))
            self._partitions = result.partitions()
        except UNAVAILABLE as exc:
            self.close()
            raise StoreError("store_unavailable", f"the database is unavailable: {exc.orig}") from None
        except BaseException:
            self.close()
            raise

    def next_batch(self) -> list[tuple]:
        """Return the next rows, [] at the end."""
        with self._lock:
            return [tuple(r) for r in next(self._partitions, [])]

    def close(self) -> None:
        """End the read and give the connection back."""
        with self._lock:
            self._session.close()
