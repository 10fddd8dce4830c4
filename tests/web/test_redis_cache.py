"""With a message queue (several server processes), pictures are cached in that Redis and logins are limited there."""
import subprocess
import time

import pytest
import redis

from tests.support import free_port
from tests.web.conftest import build_app, close_app
from tests.web.users import register


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


def test_pictures_and_login_limits_live_in_the_shared_redis(tmp_path, redis_url):
    app = build_app(tmp_path, message_queue=redis_url)
    try:
        client = app.test_client()
        register(client, "alice")
        store = app.extensions["gazecast.store"]  # Socket.IO's test client refuses a message queue: record directly
        user = store["accounts"].authenticate("alice", "correct horse battery")
        rec = store["recorder"].begin(user.id, channel="main", source="demo", size=[320, 180], fps=30.0, chain=[],
                                      filter={}).id
        for i in range(10):
            store["recorder"].add(rec, {"x": 0.4, "y": 0.4, "source": "mouse"})
        store["recorder"].stop(user.id, rec)
        assert client.get(f"/recordings/{rec}/heatmap.png").headers["X-Cache"] == "miss"
        assert client.get(f"/recordings/{rec}/heatmap.png").headers["X-Cache"] == "hit"
    finally:
        close_app(app)
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*")]
    assert any(k.startswith("gazecast:picture:heatmap-") for k in keys), keys
    assert any("LIMITER" in k for k in keys), keys  # the registration counted against the address, in Redis
    assert not (tmp_path / "instance" / "cache").exists()
