"""With a message queue (several server processes), pictures are cached in that Redis and logins are limited there."""
import pytest
import redis

from tests.live.users import session_for, socket_for
from tests.support import Server, redis_server, stop_process


@pytest.fixture
def redis_url(tmp_path):
    proc, url = redis_server(tmp_path)
    yield url
    stop_process(proc)


def test_pictures_and_login_limits_live_in_the_shared_redis(tmp_path, redis_url):
    server = Server("--size", "320x180", "--message-queue", redis_url, log_path=tmp_path / "server.log")
    try:
        http = session_for(server.url, "alice")
        sio = socket_for(server.url, http)
        assert sio.call("record", {"action": "start"}, timeout=30)["ok"]
        for _ in range(10):
            sio.call("gaze", {"x": 0.4, "y": 0.4}, timeout=10)
        rec = sio.call("record", {"action": "stop"}, timeout=30)["id"]
        sio.disconnect()
        assert http.get(f"{server.url}/recordings/{rec}/heatmap.png", timeout=60).headers["X-Cache"] == "miss"
        assert http.get(f"{server.url}/recordings/{rec}/heatmap.png", timeout=60).headers["X-Cache"] == "hit"
    finally:
        server.stop()
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*")]
    assert any(k.startswith("gazecast:picture:heatmap-") for k in keys), keys
    assert any("LIMITER" in k for k in keys), keys  # the registration counted against the address, in Redis
    assert not (tmp_path / "instance" / "cache").exists()
