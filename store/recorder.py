"""The recorder: samples of running recordings buffered in memory and written in batches on one OS thread.

The server's loop only appends to a buffer under a lock held for the append (add); the worker swaps the
buffers out at least every `interval` seconds and writes them, every recording in one transaction,
with its counters. A stopped recording is flushed before its stop returns, so its count is exact. A
database that is away keeps rows in memory (up to max_pending per recording, oldest dropped first and
counted) and is retried on the next flush.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from .db import Database
from .errors import StoreError, not_found
from .recording import MARKERS, Event, Recording, Sample, event_row, sample_row
from .recordings import Recordings

log = logging.getLogger(__name__)
_EVENT_KEYS = ("type", "t", "duration", "x", "y", "x2", "y2", "amplitude")


@dataclass
class _Buffer:
    """What the loop has handed over for one recording and the worker has not yet written."""

    user_id: str
    started: float  # the recording's start, epoch seconds (server clock)
    seq: int = 0  # the next sample's number
    eseq: int = 0  # the next event's number
    rows: list = field(default_factory=list)
    events: list = field(default_factory=list)
    received: int = 0
    stored: int = 0
    dropped: int = 0
    stopping: bool = False
    error: str | None = None


class Recorder:
    """Batch writer for every running recording of this server process."""

    WAKE_AT = 2000  # buffered rows of one recording that wake the worker before its interval

    def __init__(self, db: Database, threads, interval: float = 0.5, max_pending: int = 20000,
                 stale: float = 10.0, clock=None):
        import time

        self.db, self.recordings = db, Recordings(db)
        self.interval, self.max_pending, self.stale = interval, max_pending, stale
        self.clock = clock or time.time
        self._lock = threads.Lock()  # the buffers: held for an append or a swap, never across I/O
        self._flush_lock = threads.Lock()  # one writer at a time (the worker, or a stop)
        self._live: dict[str, _Buffer] = {}
        self._wake, self._closed = threads.Event(), False
        self.error: str | None = None  # why the last flush failed, while the database is away
        self.flushes = 0
        self._thread = threads.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    # ---- called off the loop (offload) ----------------------------------------------------------------
    def begin(self, user_id: str, **meta) -> Recording:
        """Start a recording (Recording.begin's arguments) and take its samples from now on."""
        rec = Recording.begin(user_id, **meta)
        with self.db.session() as s:
            s.add(rec)
        with self._lock:
            self._live[rec.id] = _Buffer(user_id, rec.started_at.timestamp())
        return rec

    def stop(self, user_id: str, rec_id: str) -> dict:
        """Stop a recording: write what is buffered, mark it stopped; return its stored and dropped counts."""
        with self._lock:
            buf = self._live.get(rec_id)
            if buf is None or buf.user_id != user_id:
                raise not_found("running recording")
            buf.stopping = True  # the loop adds no more
        with self._flush_lock:
            self._write({rec_id: buf})
            if buf.rows or buf.events:
                raise StoreError("store_unavailable", f"the database is unavailable: {self.error}")
            with self.db.session() as s:
                rec = s.get(Recording, rec_id)
                if rec is not None and rec.status == "recording":
                    rec.stop()
            with self._lock:
                self._live.pop(rec_id, None)
        if rec is None:
            raise not_found("recording")
        count = rec.sample_count
        return {"samples": count, "dropped": buf.dropped, "recording": rec}

    def flush(self) -> None:
        """Write every buffer now."""
        with self._flush_lock:
            with self._lock:
                live = dict(self._live)
            self._write(live)

    def close(self) -> None:
        """Write what is left and end the worker."""
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=10)
        try:
            self.flush()
        except Exception:  # closing: the log says what could not be written
            log.exception("recorder: last flush failed")

    # ---- called on the loop ------------------------------------------------------------------------------
    def add(self, rec_id: str, sample: dict, events=(), t_server: float | None = None,
            events_offset: float = 0.0) -> int:
        """Buffer one sample (and the filter events it came with); return the recording's count so far.

        t_server: when the server got the sample (now by default); events_offset: what turns the
        events' clock into the server's (for camera samples, server time minus the client's)."""
        return self.add_batch(rec_id, [sample], events, [t_server], events_offset)

    def add_batch(self, rec_id: str, samples: list, events=(), times=None, events_offset: float = 0.0) -> int:
        """Buffer several samples, all checked first: one bad sample refuses the batch, nothing is kept."""
        buf = self._live.get(rec_id)
        if buf is None or buf.stopping:
            raise StoreError("recording_stopped", "the recording has stopped")
        now = self.clock()
        times = times or _batch_times(samples, now)
        rows = []
        for i, (sample, t) in enumerate(zip(samples, times)):
            try:
                rows.append(sample_row(sample, (now if t is None else t) - buf.started))
            except StoreError as exc:
                raise StoreError(exc.code, f"sample {i}: {exc}") from None
        markers = sum(MARKERS.get(e.get("type"), 0) for e in events if isinstance(e, dict))
        finished = [r for e in events if isinstance(e, dict) and (r := _event(e, events_offset - buf.started))]
        if rows:
            rows[-1]["markers"] = markers
        with self._lock:
            for row in rows:
                row["recording_id"], row["seq"] = rec_id, buf.seq
                buf.seq += 1
            for row in finished:
                row["recording_id"], row["seq"] = rec_id, buf.eseq
                buf.eseq += 1
            buf.rows += rows
            buf.events += finished
            buf.received += len(rows)
            if len(buf.rows) >= self.WAKE_AT:  # a fast source: write now rather than at the next interval
                self._wake.set()
            if len(buf.rows) > self.max_pending:  # the database has been away for long: drop the oldest
                cut = len(buf.rows) - self.max_pending
                del buf.rows[:cut]
                buf.dropped += cut
        return buf.received

    def status(self, rec_id: str) -> dict | None:
        """Return what a running recording has received and stored, and the store's error if any."""
        buf = self._live.get(rec_id)
        if buf is None:
            return None
        return {"samples": buf.received, "stored": buf.stored, "dropped": buf.dropped,
                "duration": max(0.0, self.clock() - buf.started), "error": buf.error or self.error}

    def running(self) -> dict[str, str]:
        """Return {recording id: user id} of the recordings this process is taking."""
        return {k: b.user_id for k, b in self._live.items() if not b.stopping}

    # ---- the worker -------------------------------------------------------------------------------------------
    def _run(self) -> None:
        next_sweep = 0.0
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
                if self.clock() >= next_sweep:
                    self.recordings.sweep(self.stale, set(self._live))
                    next_sweep = self.clock() + self.stale / 2
            except StoreError as exc:
                log.warning("recorder: %s", exc)
            except Exception:
                log.exception("recorder: flush failed")

    def _write(self, live: dict[str, _Buffer]) -> None:
        """Write the buffered rows of these recordings in one transaction; on failure keep them."""
        if not live:
            return
        with self._lock:
            taken = {k: (b.rows, b.events) for k, b in live.items()}
            for b in live.values():
                b.rows, b.events = [], []
        try:
            with self.db.session() as s:
                recs = {r.id: r for r in s.scalars(select(Recording).where(Recording.id.in_(list(taken))))}
                samples, events = [], []
                for rec_id, (rows, evs) in taken.items():
                    rec = recs.get(rec_id)
                    if rec is None or rec.status != "recording":  # deleted, or swept by another server
                        live[rec_id].stopping, live[rec_id].error = True, "recording_stopped"
                        continue
                    rec.take(len(rows), len(evs))
                    samples += rows
                    events += evs
                if samples:
                    _insert(s, Sample, samples)
                if events:
                    _insert(s, Event, events)
        except Exception as exc:
            with self._lock:
                for rec_id, (rows, evs) in taken.items():
                    b = live[rec_id]
                    b.rows, b.events = rows + b.rows, evs + b.events
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise
        self.error = None
        self.flushes += 1
        with self._lock:
            for rec_id, (rows, _) in taken.items():
                live[rec_id].stored += len(rows) if not live[rec_id].error else 0


def _insert(session, model, rows: list[dict]) -> None:
    """Insert rows in the session's transaction: on PostgreSQL (psycopg) with COPY, else the ORM's executemany.

    COPY writes 2-3x the rows per second of an executemany here (docs/benchmarks.md, section store). Its one
    statement names only the ORM's table and columns, quoted by SQLAlchemy's own identifier preparer; the values
    travel in COPY's data stream, never in SQL text."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        session.execute(insert(model), rows)
        return
    quote = conn.dialect.identifier_preparer
    columns = [c.name for c in model.__table__.columns]
    statement = f"COPY {quote.format_table(model.__table__)} ({', '.join(map(quote.quote, columns))}) FROM STDIN"
    with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])


def _event(e: dict, offset: float) -> dict | None:
    """Return a full event row (every column, for one executemany) or None."""
    try:
        row = event_row(e, offset)
    except (KeyError, TypeError, ValueError):
        return None
    if row is None or not all(isinstance(row.get(k), (int, float)) and math.isfinite(row[k]) for k in ("t", "duration")):
        return None
    return {k: row.get(k) for k in _EVENT_KEYS}


def _batch_times(samples: list, now: float) -> list:
    """Place a batch of samples with client times on the server's clock: the newest is now."""
    ts = [s.get("t") if isinstance(s, dict) else None for s in samples]
    if not ts or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in ts):
        return [None] * len(samples)  # sample_row says what is wrong with a missing or bad time
    if any(b < a for a, b in zip(ts, ts[1:])):
        raise StoreError("bad_sample", "the samples of a batch must be in time order")
    return [now - (ts[-1] - v) for v in ts]
