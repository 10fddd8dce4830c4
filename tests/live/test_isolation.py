"""Over a real socket: channels are isolated, the `auth` channel is honoured, `join` moves a client, and in
tokens mode a participant's gaze reaches the operators and no one else."""
import time

import pytest
import socketio

from pipeline.authority import Authority
from tests.abuse.storms import sio_client
from tests.support import Server


def collect(client: socketio.Client, events=("gaze", "state")) -> dict:
    got = {e: [] for e in events}
    for e in events:
        client.on(e, got[e].append)
    return got


def settle(seconds: float = 0.5) -> None:
    time.sleep(seconds)  # events already emitted have arrived on loopback by then


def test_a_client_of_one_channel_gets_nothing_of_another(server):
    a, b = sio_client(server.url), sio_client(server.url, auth={"channel": "main"})
    got_b = collect(b)
    try:
        assert a.call("join", {"channel": "iso-a"}, timeout=5)["ok"]
        settle()
        for e in got_b.values():
            e.clear()
        assert a.call("gaze", {"x": 0.1, "y": 0.9}, timeout=5) == {"ok": True}
        assert a.call("control", {"effect": "foveate", "params": {"radius": 0.31}}, timeout=5)["ok"]
        settle()
        assert got_b["gaze"] == [] and got_b["state"] == []
    finally:
        a.disconnect()
        b.disconnect()


def test_the_auth_channel_at_connect_is_honoured_and_join_moves_a_client(server):
    opener = sio_client(server.url)
    assert opener.call("join", {"channel": "iso-b"}, timeout=5)["ok"]
    watcher = socketio.Client(reconnection=False)
    got = collect(watcher)
    watcher.connect(server.url, transports=["websocket"], auth={"channel": "iso-b"}, wait_timeout=10)
    sender = sio_client(server.url, auth={"channel": "iso-b"})
    try:
        settle()
        assert {s["channel"] for s in got["state"]} == {"iso-b"}  # the state at connect (and since) is iso-b's
        sender.call("gaze", {"x": 0.2, "y": 0.2}, timeout=5)
        settle()
        assert [(g["channel"], g["x"]) for g in got["gaze"]] == [("iso-b", 0.2)]
        assert watcher.call("join", {"channel": "main"}, timeout=5)["state"]["channel"] == "main"
        got["gaze"].clear()
        sender.call("gaze", {"x": 0.3, "y": 0.3}, timeout=5)  # iso-b's gaze: the watcher has left
        settle()
        assert got["gaze"] == []
        main_sender = sio_client(server.url)
        main_sender.call("gaze", {"x": 0.4, "y": 0.4}, timeout=5)  # main's gaze: it has arrived there
        settle()
        main_sender.disconnect()
        assert [(g["channel"], g["x"]) for g in got["gaze"]] == [("main", 0.4)]
    finally:
        for c in (opener, watcher, sender):
            c.disconnect()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    logs = tmp_path_factory.mktemp("guarded")
    s = Server("--size", "160x90", "--auth", "tokens", "--anonymous-role", "participant", log_path=logs / "log",
               env={"GAZECAST_SECRET_KEY": "isolation", "GAZECAST_REVOCATIONS": str(logs / "revoked.json")})
    yield s
    s.stop()


def test_in_tokens_mode_gaze_reaches_operators_only(guarded):
    operator_token = Authority("tokens", "isolation").mint("main", "configured", "operator")[0]
    operator, viewer = socketio.Client(reconnection=False), socketio.Client(reconnection=False)
    got_op, got_viewer = collect(operator), collect(viewer)
    operator.connect(guarded.url, transports=["websocket"], auth={"token": operator_token}, wait_timeout=10)
    viewer.connect(guarded.url, transports=["websocket"], wait_timeout=10)
    participant = sio_client(guarded.url)
    try:
        assert viewer.call("join", {"channel": "main"}, timeout=5)["role"] == "participant"
        assert participant.call("gaze", {"x": 0.6, "y": 0.4}, timeout=5) == {"ok": True}
        settle()
        assert [(g["x"], g["y"]) for g in got_op["gaze"]] == [(0.6, 0.4)]
        assert got_viewer["gaze"] == []
        ack = participant.call("control", {"effect": "foveate", "enabled": False}, timeout=5)
        assert ack["error"]["code"] == "forbidden"
        assert operator.call("control", {"effect": "foveate", "enabled": False}, timeout=5)["ok"]
    finally:
        for c in (operator, viewer, participant):
            c.disconnect()
