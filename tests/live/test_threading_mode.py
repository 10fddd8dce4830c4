"""The same server in Flask-SocketIO's threading mode (one setting away from eventlet)."""
import socketio

from tests.support import Server, read_parts


def test_threading_mode_streams_and_acknowledges(tmp_path):
    server = Server("--async-mode", "threading", "--size", "320x180", log_path=tmp_path / "server.log")
    client = socketio.Client()
    try:
        parts = read_parts(server.url + "/stream.mjpg", 5)
        client.connect(server.url, transports=["websocket"], wait_timeout=10)
        assert client.call("gaze", {"x": 0.2, "y": 0.3}, timeout=5) == {"ok": True}
        assert client.call("control", {"effect": "nope"}, timeout=5)["error"]["code"] == "unknown_effect"
        assert server.get_json("/healthz")["async_mode"] == "threading"
    finally:
        client.disconnect()
        server.stop()
    assert len(parts) == 5 and all(int(h["content-length"]) == len(b) for h, b in parts)
