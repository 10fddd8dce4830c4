"""A real redis-server on a free loopback port, and three real gazecast processes sharing it."""
import cv2
import pytest

from tests.conftest import detail_frame
from tests.support import Server, redis_server, stop_process


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of its own (no persistence, its files in a temp dir), stopped after the module."""
    proc, url = redis_server(tmp_path_factory.mktemp("redis"))
    yield url
    stop_process(proc)


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """A still image full of detail: the frames change only with the effects and the gaze."""
    path = tmp_path_factory.mktemp("content") / "detail.png"
    cv2.imwrite(str(path), cv2.cvtColor(detail_frame(320, 180), cv2.COLOR_RGBA2BGR))
    return path


def processes(tmp_path_factory, names: str, redis_url: str, *args: str):
    """Start one server process per letter of names behind redis_url, sharing one secret key (as the
    processes of one deployment must); yield them, stop them after."""
    servers = []
    try:
        for name in names:
            logs = tmp_path_factory.mktemp(f"server{name}")
            servers.append(Server(*args, "--message-queue", redis_url, log_path=logs / "server.log",
                                  env={"GAZECAST_SECRET_KEY": "one-deployment-one-key"}))
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_url, content):
    """Processes A, B and C behind one Redis (A is started first; the tests make it render `main`)."""
    yield from processes(tmp_path_factory, "ABC", redis_url, "--source", str(content), "--size", "320x180",
                         "--fps", "15")
