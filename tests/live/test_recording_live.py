"""Recordings against a real eventlet server: a SIGKILL keeps every flushed sample, a database that goes away
refuses `record` while streaming and gaze go on. On SQLite and on PostgreSQL."""
import threading
import time

import pytest

from tests.live.users import session_for, socket_for
from tests.support import Server, read_stream

SETTINGS = {"GAZECAST_RECORD_FLUSH_S": "0.5", "GAZECAST_RECORD_STALE_S": "2"}


def server_on(tmp_path, database_url, name):
    return Server("--size", "320x180", log_path=tmp_path / f"{name}.log",
                  env={"GAZECAST_DATABASE_URL": database_url, **SETTINGS})


def test_a_killed_server_keeps_every_flushed_sample_and_the_recording_is_interrupted(tmp_path, database_url):
    server = server_on(tmp_path, database_url, "first")
    http = session_for(server.url, "alice")
    sio = socket_for(server.url, http)
    rec = sio.call("record", {"action": "start"}, timeout=30)["id"]
    sent = []
    for i in range(100):
        x = (i % 50) / 50
        assert sio.call("gaze", {"x": x, "y": 0.5}, timeout=10) == {"ok": True}
        sent.append(x)
        time.sleep(0.01)
    time.sleep(1.5)  # longer than a flush interval (0.5 s) and its write: these 100 are in the database
    for i in range(20):
        assert sio.call("gaze", {"x": 0.99, "y": 0.1}, timeout=10) == {"ok": True}
    server.proc.kill()  # SIGKILL: no flush, no goodbye
    server.proc.wait()
    sio.disconnect()
    server.stop()

    again = server_on(tmp_path, database_url, "second")  # same instance folder: same secret key, same session
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            info = http.get(f"{again.url}/api/recordings/{rec}", timeout=10).json()["recording"]
            if info["status"] != "recording":
                break
            time.sleep(0.5)
        assert info["status"] == "interrupted"
        samples = http.get(f"{again.url}/api/recordings/{rec}/samples?format=json", timeout=30).json()["samples"]
    finally:
        again.stop()
    xs = [s["x"] for s in samples]
    assert xs[:100] == sent, "a flushed sample is missing"
    assert len(xs) == info["samples"] and all(x == 0.99 for x in xs[100:]) and len(xs) <= 120
    assert info["duration"] >= 1.0


def test_a_database_that_goes_away_refuses_record_while_streaming_and_gaze_go_on(tmp_path, postgres):
    server = server_on(tmp_path, postgres.create_database(), "pg")
    stop, counts = threading.Event(), [0]
    reader = threading.Thread(target=read_stream, args=(server.url + "/stream.mjpg", stop, counts, 0), daemon=True)
    try:
        http = session_for(server.url, "alice")
        sio, elsewhere = socket_for(server.url, http), socket_for(server.url, http)
        assert elsewhere.call("join", {"channel": "second"}, timeout=30)["ok"]
        reader.start()
        assert sio.call("record", {"action": "start"}, timeout=30)["ok"]
        for i in range(10):
            sio.call("gaze", {"x": 0.1, "y": 0.1}, timeout=10)
        postgres.stop()
        try:
            for i in range(10):  # recorded into memory while the database is away
                assert sio.call("gaze", {"x": 0.2, "y": 0.2}, timeout=10) == {"ok": True}
            other = elsewhere.call("record", {"action": "start"}, timeout=30)
            assert other["ok"] is False and other["error"]["code"] == "store_unavailable", other
            stopped = sio.call("record", {"action": "stop"}, timeout=30)
            assert stopped["ok"] is False and stopped["error"]["code"] == "store_unavailable"
            before = counts[0]
            time.sleep(1.0)
            assert counts[0] > before + 5, "the stream stalled while the database was away"
            assert sio.call("gaze", {"x": 0.3, "y": 0.3}, timeout=10) == {"ok": True}
        finally:
            postgres.start()
        done = sio.call("record", {"action": "stop"}, timeout=30)
        assert done["ok"] and done["samples"] == 20, done  # nothing the server acknowledged was lost
        assert sio.call("record", {"action": "start"}, timeout=30)["ok"]  # and it records again
        sio.call("record", {"action": "stop"}, timeout=30)
        sio.disconnect()
        elsewhere.disconnect()
    finally:
        stop.set()
        server.stop()


def test_many_users_record_and_draw_at_once_under_eventlet(tmp_path):
    """Database and picture work from many OS threads at once (eventlet's pool) neither fails nor stalls."""
    server = Server("--size", "320x180", log_path=tmp_path / "many.log", env={"GAZECAST_LOGIN_LIMIT": "1000 per minute",
                         # 30 users on one address, each with a channel of their own (limits are tested in tests/abuse)
                         "GAZECAST_MAX_CHANNELS": "40", "GAZECAST_MAX_CHANNELS_PER_ADDRESS": "40",
                         "GAZECAST_MAX_CHANNELS_PER_USER": "4", "GAZECAST_MAX_CONNECTIONS_PER_ADDRESS": "200"})
    errors = []
    try:
        https = [session_for(server.url, f"user{i}") for i in range(30)]
        sockets = [socket_for(server.url, h) for h in https]
        for i, sio in enumerate(sockets):
            assert sio.call("join", {"channel": f"own{i}"}, timeout=30)["ok"]

        together = threading.Barrier(len(sockets))

        def user(sio, http):
            try:
                together.wait()  # every user starts at the same moment: the database calls contend
                for _ in range(2):
                    assert sio.call("record", {"action": "start"}, timeout=30)["ok"]
                    for _ in range(10):
                        assert sio.call("gaze", {"x": 0.4, "y": 0.6}, timeout=30) == {"ok": True}
                    stop = sio.call("record", {"action": "stop"}, timeout=30)
                    assert stop["samples"] == 10, stop
                assert http.get(f"{server.url}/recordings/{stop['id']}/heatmap.png", timeout=120).ok
            except Exception as exc:  # reported below, with the server's log
                errors.append(repr(exc))

        threads = [threading.Thread(target=user, args=pair) for pair in zip(sockets, https)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for sio in sockets:
            sio.disconnect()
    finally:
        server.stop()
    log = (tmp_path / "many.log").read_text()
    assert not errors and "Traceback" not in log, (errors[:3], log[-3000:])


def test_a_stopped_server_writes_what_it_buffered(tmp_path):
    """SIGTERM (a service manager's stop) writes the recorder's buffer before the process ends."""
    url = f"sqlite:///{tmp_path / 'term.db'}"
    server = server_on(tmp_path, url, "term")
    http = session_for(server.url, "alice")
    sio = socket_for(server.url, http)
    rec = sio.call("record", {"action": "start"}, timeout=30)["id"]
    for i in range(40):
        assert sio.call("gaze", {"x": i / 40, "y": 0.5}, timeout=10) == {"ok": True}
    server.stop()  # right away: most of these are still in the buffer
    sio.disconnect()
    again = server_on(tmp_path, url, "again")
    try:
        samples = http.get(f"{again.url}/api/recordings/{rec}/samples", timeout=30).json()["samples"]
    finally:
        again.stop()
    assert [s["x"] for s in samples] == [i / 40 for i in range(40)]
