"""Each hostile thing a stranger tried against one server, sent to a real server on a port; then a
well-behaved client must still be served, and the server's descriptors and memory (from /proc) must come
back. The server's limits are low (tests/abuse/conftest.py) so each storm meets them in a few hundred
events; bench/abuse.py measures the same storms against the defaults."""
import json
import time
import urllib.request

import pytest

from tests.abuse.conftest import LIMITS, assert_served, settle_resources
from tests.abuse.storms import (bomb_jpeg, churn, closed_by_server, event_flood, half_open, join_flood,
                                proc_stats, sio_client, small_jpeg, snapshot_flood)


def health(server, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(server.url + "/healthz", headers=headers), timeout=10) as r:
        return json.load(r)


def recent(good, seconds: float = 1.0) -> dict:
    """The good client's figures over the last second (it streams and sends on its own threads)."""
    mark = good.mark()
    time.sleep(seconds)
    return good.since(mark)


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)
    return predicate()


def test_join_flood(server, good):
    before, mark = proc_stats(server.proc.pid), good.mark()
    outcome = join_flood(server.url, 200)
    during = good.since(mark)
    assert outcome["too_many_channels"] > 0 and outcome["ok"] <= LIMITS["max_channels_per_address"]
    assert health(server)["channels_open"] <= LIMITS["max_channels"]
    assert_served(during, good)
    assert wait_until(lambda: health(server)["channels_open"] == 1), "flood channels stayed open"
    after = settle_resources(server, before)
    assert after["fds"] <= before["fds"] + 2 and after["rss_mb"] <= 1.1 * before["rss_mb"] + 10


def test_snapshot_flood(server, good):
    opener = sio_client(server.url)
    assert opener.call("join", {"channel": "snapped"}, timeout=10)["ok"]
    opener.disconnect()
    before, mark = proc_stats(server.proc.pid), good.mark()
    statuses = snapshot_flood(server.url, ["snapped", "main", "nowhere"], 90)
    during = good.since(mark)
    assert statuses == {200: 60, 404: 30}
    assert_served(during, good)
    # snapshots kept neither the render thread nor the channel: it closes once idle
    assert wait_until(lambda: health(server)["channels_open"] == 1), "a snapshot kept an idle channel open"
    after = settle_resources(server, before)
    assert after["fds"] <= before["fds"] + 2 and after["rss_mb"] <= 1.1 * before["rss_mb"] + 10


def test_gaze_flood(server, good):
    mark = good.mark()
    outcome = event_flood(server.url, "gaze", {"x": 0.5, "y": 0.5}, 20000)
    during = good.since(mark)
    assert outcome["cut_off"], outcome  # over message_rate: disconnected
    assert outcome["acks"]["rate_limited"] > 0 and outcome["acks"]["ok"] <= 2 * LIMITS["gaze_rate"]
    assert_served(during, good)
    assert health(server)["status"] == "ok"


def test_frame_flood(server, good):
    before, mark = proc_stats(server.proc.pid), good.mark()
    outcome = event_flood(server.url, "frame", {"jpeg": small_jpeg(320, 240), "t": 1.0}, 400)
    during = good.since(mark)
    assert outcome["acks"]["rate_limited"] > 0, outcome
    assert outcome["acks"]["ok"] <= 2 * LIMITS["frame_rate"] + 5  # the burst and what the rate refilled
    assert_served(during, good)
    assert wait_until(lambda: health(server)["trackers"] == 0), "the flooder's tracker outlived it"
    after = settle_resources(server, before)
    assert after["fds"] <= before["fds"] + 2 and after["rss_mb"] <= 1.1 * before["rss_mb"] + 20


def test_over_two_frames_in_flight(server, good):
    client = sio_client(server.url)
    acks, arrived = {}, {}
    try:
        jpeg = small_jpeg(320, 240)
        for i in range(3):  # at once: the first loads this connection's model, the others wait for it
            client.emit("frame", {"jpeg": jpeg, "t": time.time()},
                        callback=lambda ack, i=i: (acks.__setitem__(i, ack), arrived.__setitem__(i, time.monotonic())))
        assert wait_until(lambda: len(acks) == 3, 30)
    finally:
        client.disconnect()
    assert acks[0]["ok"] and acks[1]["ok"]
    assert acks[2]["error"]["code"] == "rate_limited" and "2 frames in flight" in acks[2]["error"]["message"]
    assert arrived[2] < arrived[0] and arrived[2] < arrived[1], "the third frame waited instead of being refused"
    assert_served(recent(good), good)


def test_connect_disconnect_churn(server, good):
    before, mark = proc_stats(server.proc.pid), good.mark()
    done = churn(server.url, 40, small_jpeg(320, 240))
    during = good.since(mark)
    assert done == 40
    assert_served(during, good)
    assert wait_until(lambda: health(server)["trackers"] == 0 and health(server)["connections"] == 1), \
        health(server)  # the good client's connection is the one left
    after = settle_resources(server, before)
    # 40 trackers kept would be some 120 MB
    assert after["fds"] <= before["fds"] + 2 and after["rss_mb"] <= 1.1 * before["rss_mb"] + 20, (before, after)


def test_half_open_connections(server, good):
    before, mark = proc_stats(server.proc.pid), good.mark()
    sockets = half_open("127.0.0.1", server.port, 40, source="127.0.0.2")
    time.sleep(1.0)
    during = good.since(mark)
    health(server)  # a newcomer is served while they hang
    outcome = closed_by_server(sockets, LIMITS["header_timeout"] + 3)
    assert outcome == {"429": 40 - LIMITS["max_connections_per_address"],
                       "closed": LIMITS["max_connections_per_address"]}, outcome
    assert_served(during, good)
    after = settle_resources(server, before)
    assert after["fds"] <= before["fds"] + 2


def test_bomb_frames(server, good):
    before, mark = proc_stats(server.proc.pid), good.mark()
    client = sio_client(server.url)
    try:
        for dims in ((20000, 20000), (65000, 65000), (641, 480)):
            t0 = time.perf_counter()
            ack = client.call("frame", {"jpeg": bomb_jpeg(*dims), "t": 1.0}, timeout=10)
            assert ack["error"]["code"] == "image_too_large", ack
            assert time.perf_counter() - t0 < 0.5  # refused from the header, not after a decode
    finally:
        client.disconnect()
    during = good.since(mark)
    assert_served(during, good)
    assert proc_stats(server.proc.pid)["rss_mb"] < before["rss_mb"] + 50  # no 1.1 GB decode happened


def test_huge_size_change(server, good, admin_token):
    owner = sio_client(server.url, auth={"token": admin_token})
    stranger = sio_client(server.url)
    try:
        before = owner.call("join", {"channel": "main"}, timeout=10)["state"]
        ack = owner.call("control", {"size": [3840, 2160]}, timeout=10)
        assert ack["error"]["code"] == "size_too_large"
        assert stranger.call("control", {"size": [640, 360]}, timeout=10)["error"]["code"] == "forbidden"
        assert owner.call("join", {"channel": "main"}, timeout=10)["state"] == before
    finally:
        owner.disconnect()
        stranger.disconnect()
    assert_served(recent(good), good)


@pytest.mark.parametrize("event,payload", [
    ("control", {"effect": "foveate", "enabled": False}),
    ("control", {"effect": "foveate", "params": {"strength": 0}}),
    ("control", {"order": ["lens", "foveate"]}),
    ("control", {"source": "mirror"}),
    ("control", {"size": [320, 180]}),
    ("invite", {"role": "owner"}),
])
def test_take_over_attempts(server, good, admin_token, event, payload):
    owner = sio_client(server.url, auth={"token": admin_token})
    stranger = sio_client(server.url)
    snooped = []
    stranger.on("gaze", snooped.append)
    try:
        before = owner.call("join", {"channel": "main"}, timeout=10)["state"]
        ack = stranger.call("join", {"channel": "main"}, timeout=10)
        assert ack["role"] == "participant" and "control" not in ack["rights"]
        assert stranger.call(event, payload, timeout=10)["error"]["code"] == "forbidden"
        assert owner.call("join", {"channel": "main"}, timeout=10)["state"] == before
        time.sleep(0.3)  # the good client's gaze went on meanwhile: none of it reached the stranger
        assert snooped == [] and health(server)["channels"] == {}
    finally:
        owner.disconnect()
        stranger.disconnect()
    assert_served(recent(good), good)


def test_bad_names(server, good, admin_token):
    client = sio_client(server.url)
    try:
        for name, code in (("main\n", "bad_channel"), ("a" * 41, "bad_channel"), ("../x", "bad_channel"),
                           ({"$gt": ""}, "bad_type"), (["main"], "bad_type"), (None, "bad_type")):
            ack = client.call("join", {"channel": name}, timeout=10)
            assert ack["error"]["code"] == code, (name, ack)
    finally:
        client.disconnect()
    metrics = urllib.request.urlopen(urllib.request.Request(
        server.url + "/metrics", headers={"Authorization": f"Bearer {admin_token}"}), timeout=10).read().decode()
    assert all(line.startswith("#") or line.count('"') % 2 == 0 for line in metrics.splitlines())
    assert 'channel="main"' in metrics and health(server)["channels_open"] == 1
    assert_served(recent(good), good)


def test_connection_flood_from_one_address(server, good):
    from tests.abuse.storms import bound_socket

    held, refused = [], 0
    try:
        for _ in range(LIMITS["max_connections_per_address"] + 4):
            s = bound_socket("127.0.0.3", "127.0.0.1", server.port)
            s.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
            first = s.recv(64)
            refused += first.startswith(b"HTTP/1.1 429")
            held.append(s)
        assert refused == 4
        assert_served(recent(good), good)
    finally:
        for s in held:
            s.close()
