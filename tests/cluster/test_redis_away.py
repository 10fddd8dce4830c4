"""Redis out of reach: an event that must cross it is refused with cluster_unavailable (not `internal`,
not lost without an answer); the process rendering the channel keeps serving its own clients."""
import time

import redis
import socketio

from tests.support import Server, read_parts


def test_without_redis_routed_events_are_refused_with_a_code_and_the_holder_keeps_streaming(tmp_path, redis_url,
                                                                                             content):
    servers = [Server("--source", str(content), "--size", "320x180", "--message-queue", redis_url,
                      log_path=tmp_path / f"{n}.log") for n in "AB"]
    a, b = servers
    try:
        assert a.get_json("/healthz")["cluster"]["renders"] == ["main"]
        on_a, on_b = socketio.Client(), socketio.Client()
        on_a.connect(a.url, transports=["websocket"], wait_timeout=10)
        on_b.connect(b.url, transports=["websocket"], wait_timeout=10)
        assert on_b.call("gaze", {"x": 0.4, "y": 0.5}, timeout=10)["ok"]
        try:
            redis.Redis.from_url(redis_url).shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        time.sleep(0.3)
        ack = on_b.call("gaze", {"x": 0.6, "y": 0.5}, timeout=10)
        assert not ack["ok"] and ack["error"]["code"] == "cluster_unavailable", ack
        ack = on_a.call("control", {"effect": "spotlight", "enabled": True}, timeout=10)
        assert ack["ok"], ack  # applied where it renders; written to Redis when it is back
        assert len(read_parts(a.url + "/stream/main.mjpg", 3)) == 3
        on_a.disconnect()
        on_b.disconnect()
    finally:
        for server in servers:
            server.stop()
