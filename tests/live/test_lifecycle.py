"""A real eventlet server gives back what it takes: render threads that come and go leave no descriptor
behind, a snapshot does not keep a channel alive, and a tracker dies with its connection even when the
connection leaves in the middle of its first frame."""
import json
import os
import time
import urllib.error
import urllib.request

import pytest

from tests.abuse.storms import proc_stats, sio_client, small_jpeg
from tests.support import Server


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    logs = tmp_path_factory.mktemp("quick")
    s = Server("--size", "160x90", "--render-idle", "0.3", "--channel-idle", "1", log_path=logs / "server.log")
    client = sio_client(s.url)  # warm up: eventlet's thread pool (its socket pair) starts with the first model
    client.call("frame", {"jpeg": small_jpeg(), "t": time.time()}, timeout=60)
    client.disconnect()
    yield s
    s.stop()


def health(server) -> dict:
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as r:
        return json.load(r)


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def snapshot(server, name="main") -> None:
    urllib.request.urlopen(f"{server.url}/snapshot/{name}.jpg", timeout=20).read()


def test_render_threads_that_come_and_go_leave_no_descriptor(quick):
    snapshot(quick)
    assert wait_until(lambda: not health(quick)["channels"]["main"]["running"])
    before = proc_stats(quick.proc.pid)["fds"]
    for _ in range(5):  # a new render thread each time: its GL context, source, pipe wake-ups, EGL state
        snapshot(quick)
        assert wait_until(lambda: not health(quick)["channels"]["main"]["running"])
    # a leaked descriptor stays; the socket of the last HTTP request may take a moment to close
    assert wait_until(lambda: proc_stats(quick.proc.pid)["fds"] <= before, timeout=5.0), sorted(
        os.readlink(f"/proc/{quick.proc.pid}/fd/{f}") for f in os.listdir(f"/proc/{quick.proc.pid}/fd"))


def test_a_snapshot_does_not_keep_an_idle_channel_open(quick):
    before = proc_stats(quick.proc.pid)["fds"]
    opener = sio_client(quick.url)
    assert opener.call("join", {"channel": "snap-me"}, timeout=10)["ok"]
    opener.disconnect()
    t0, taken, deadline = time.monotonic(), 0, time.monotonic() + 10
    while time.monotonic() < deadline:  # snapshot it again and again: it closes all the same
        try:
            snapshot(quick, "snap-me")
            taken += 1
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            break
    assert taken >= 3 and 1.0 <= time.monotonic() - t0 < 5, (taken, time.monotonic() - t0)
    assert "snap-me" not in health(quick)["channels"]
    assert wait_until(lambda: proc_stats(quick.proc.pid)["fds"] <= before)


def test_a_tracker_dies_with_a_connection_that_leaves_mid_frame(quick):
    jpeg = small_jpeg(320, 240)
    for _ in range(5):
        client = sio_client(quick.url)
        client.emit("frame", {"jpeg": jpeg, "t": time.time()})  # its model starts loading...
        time.sleep(0.03)
        client.disconnect()  # ...and the connection is gone before it is ready
    assert wait_until(lambda: health(quick)["trackers"] == 0 and health(quick)["connections"] == 0), health(quick)
    client = sio_client(quick.url)
    try:
        assert client.call("frame", {"jpeg": jpeg, "t": time.time()}, timeout=30)["ok"]
        assert health(quick)["trackers"] == 1
    finally:
        client.disconnect()
    assert wait_until(lambda: health(quick)["trackers"] == 0)
