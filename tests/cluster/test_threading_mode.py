"""The cluster in threading mode (--async-mode threading): the listener and the lease keeper are OS
threads there, and routing, frames and snapshots work the same."""
import urllib.request

import socketio

from tests.support import Server, read_parts


def test_two_threading_processes_route_control_and_gaze_and_share_frames(tmp_path, redis_url, content):
    servers = [Server("--async-mode", "threading", "--source", str(content), "--size", "320x180",
                      "--message-queue", redis_url, log_path=tmp_path / f"{n}.log") for n in "AB"]
    try:
        a, b = servers
        holder = [s for s in servers if s.get_json("/healthz")["cluster"]["renders"]]
        assert len(holder) == 1
        sio = socketio.Client()
        sio.connect(b.url, transports=["websocket"], wait_timeout=10)
        try:
            ack = sio.call("control", {"channel": "main", "effect": "spotlight", "enabled": True}, timeout=10)
            assert ack["ok"] and next(e for e in ack["state"]["effects"] if e["name"] == "spotlight")["enabled"]
            assert sio.call("gaze", {"x": 0.3, "y": 0.5}, timeout=10)["ok"]
        finally:
            sio.disconnect()
        for server in servers:
            assert len(read_parts(server.url + "/stream/main.mjpg", 3)) == 3
            with urllib.request.urlopen(server.url + "/snapshot/main.jpg", timeout=20) as r:
                assert r.read()[:2] == b"\xff\xd8"
    finally:
        for server in servers:
            server.stop()
