"""The recorder writes in batches off the loop, exactly what it was given, and keeps rows while the database is away."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import event

from store import StoreError
from store.models import utcnow
from store.recording import Recording
from tests.store.conftest import CHAIN, begin, make_store
from web.database import db


def mouse(i: int) -> dict:
    return {"x": (i % 100) / 100, "y": 0.5, "t": 1000.0 + i / 30, "source": "mouse"}


def commits_during(store, fn) -> int:
    """Run fn and count the database transactions committed meanwhile (by any thread)."""
    with store["app"].app_context():
        engine = db.engine
    count = [0]

    def on_commit(_conn):
        count[0] += 1

    event.listen(engine, "commit", on_commit)
    try:
        fn()
    finally:
        event.remove(engine, "commit", on_commit)
    return count[0]


def test_samples_are_written_in_batches_at_least_every_interval(store, alice):
    rec = begin(store, alice)
    recorder = store["recorder"]

    def feed():
        for i in range(300):  # 300 samples over about a second
            recorder.add(rec.id, mouse(i))
            time.sleep(1 / 300)
        time.sleep(3 * recorder.interval)  # the worker's next flushes take the rest

    commits = commits_during(store, feed)
    assert store["recordings"].count(alice.id, rec.id) == 300  # flushed by the worker, before any stop
    assert 1 <= commits <= 12, f"{commits} commits for 300 samples: not batched"
    assert recorder.stop(alice.id, rec.id)["samples"] == 300


def test_stop_returns_exactly_what_was_added_even_right_after_adding(store, alice):
    rec = begin(store, alice)
    for i in range(1234):
        store["recorder"].add(rec.id, mouse(i), [{"type": "fixation_start", "t": 1.0}] if i == 5 else ())
    result = store["recorder"].stop(alice.id, rec.id)
    assert result["samples"] == 1234 == store["recordings"].count(alice.id, rec.id)
    cursor = store["recordings"].open_rows(alice.id, rec.id)
    rows = []
    while batch := cursor.next_batch():
        rows += batch
    cursor.close()
    assert [r[0] for r in rows] == list(range(1234))  # seq in order, none twice
    assert [r[3] for r in rows] == [(i % 100) / 100 for i in range(1234)]
    assert rows[5][-1] == 1  # the fixation_start marker sits on its sample


def test_filter_events_are_kept_on_the_recordings_clock(store, alice):
    rec = begin(store, alice)
    t0 = rec.started_at.timestamp()
    events = [{"type": "fixation_end", "t": 12.5, "start": 12.0, "duration": 0.5, "x": 0.3, "y": 0.4},
              {"type": "saccade", "t": 12.6, "start": 12.5, "duration": 0.1, "from": [0.3, 0.4], "to": [0.6, 0.4],
               "amplitude": 0.3},
              {"type": "blink_start", "t": 13.0}, {"type": "blink_end", "t": 13.2, "duration": 0.2}]
    # the client's clock is 10 s behind the server's: the events come on the client's clock
    store["recorder"].add(rec.id, {"x": 0.3, "y": 0.4, "t": 13.2, "source": "cnn"}, events, t0 + 23.2, t0 + 10.0)
    store["recorder"].stop(alice.id, rec.id)
    kept = store["recordings"].events(alice.id, rec.id)
    assert [e.type for e in kept] == ["fixation", "saccade", "blink"]
    assert [e.t for e in kept] == pytest.approx([22.0, 22.5, 23.0], abs=1e-6)
    fixation, saccade, blink = kept
    assert (fixation.x, fixation.y, fixation.duration) == (0.3, 0.4, 0.5)
    assert (saccade.x2, saccade.amplitude) == (0.6, 0.3) and blink.duration == 0.2
    stats = store["recordings"].stats(alice.id, rec.id)
    assert (stats["fixations"], stats["saccades"], stats["blinks"]) == (1, 1, 1)


def test_stale_recordings_of_a_dead_server_are_marked_interrupted(store, alice):
    mine = begin(store, alice)
    dead = Recording.begin(alice.id, "main", "demo", [320, 180], 30.0, CHAIN, {})
    dead.heartbeat_at = utcnow() - timedelta(seconds=30)  # its server stopped flushing half a minute ago
    with store["recorder"].db.session() as s:
        s.add(dead)
    deadline = time.monotonic() + 10
    while store["recordings"].get(alice.id, dead.id).status == "recording" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store["recordings"].get(alice.id, dead.id).status == "interrupted"
    assert store["recordings"].get(alice.id, mine.id).status == "recording"  # this server still flushes it


def test_rows_wait_in_memory_while_postgresql_is_away(postgres, tmp_path):
    with make_store(postgres.create_database(), tmp_path) as store:
        _rows_wait(store, postgres)


def _rows_wait(store, postgres):
    alice = store["accounts"].register("alice", "correct horse battery")
    rec = begin(store, alice)
    recorder = store["recorder"]
    for i in range(50):
        recorder.add(rec.id, mouse(i))
    postgres.stop()
    try:
        for i in range(50, 100):
            recorder.add(rec.id, mouse(i))  # the loop's side never touches the database
        time.sleep(4 * recorder.interval)
        assert recorder.status(rec.id)["error"]
        with pytest.raises(StoreError) as info:
            recorder.stop(alice.id, rec.id)
        assert info.value.code == "store_unavailable"
    finally:
        postgres.start()
    assert recorder.stop(alice.id, rec.id)["samples"] == 100
