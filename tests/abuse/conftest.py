"""One real server for the abuse suite, in tokens mode with low limits (so each storm meets them quickly),
warmed up; its /proc readings; and the checks every abuse test ends with."""
import time

import pytest

from pipeline.authority import EVERY_CHANNEL, Authority
from tests.abuse.storms import GoodClient, proc_stats, sio_client, small_jpeg
from tests.support import Server

SECRET = "abuse suite"
LIMITS = {"max_channels": 6, "max_channels_per_address": 3, "max_channels_per_user": 3,
          "max_connections_per_address": 16, "header_timeout": 2, "gaze_rate": 100, "frame_rate": 30,
          "control_rate": 20, "message_rate": 300, "max_frame_pixels": 640 * 480, "max_output_pixels": 640 * 360,
          "render_idle": 1, "channel_idle": 2, "max_trackers": 8}


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    logs = tmp_path_factory.mktemp("abuse")
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in LIMITS.items()]
    s = Server("--size", "320x180", "--auth", "tokens", "--anonymous-role", "participant", *flags,
               log_path=logs / "server.log",
               env={"GAZECAST_SECRET_KEY": SECRET, "GAZECAST_REVOCATIONS": str(logs / "revoked.json")})
    warm_up(s)
    yield s
    s.stop()


def warm_up(server) -> None:
    """Load what every later test would otherwise load for the first time: the eye model, torch, a frame."""
    client = sio_client(server.url)
    try:
        client.call("frame", {"jpeg": small_jpeg(320, 240), "t": time.time()}, timeout=60)
    finally:
        client.disconnect()
    with GoodClient(server.url):
        time.sleep(1.0)


@pytest.fixture
def admin_token():
    """The server's own token: owner of every channel."""
    return Authority("tokens", SECRET).mint(EVERY_CHANNEL, EVERY_CHANNEL, "owner")[0]


@pytest.fixture
def good(server):
    """A well-behaved client (MJPEG reader and gaze sender), running for the whole test."""
    with GoodClient(server.url) as client:
        time.sleep(1.0)  # streaming and acknowledged
        yield client


def settle_resources(server, before: dict, slack_fds: int = 2, timeout: float = 15.0) -> dict:
    """Wait (bounded) for the server's descriptors to come back near `before`; return the last reading."""
    deadline = time.monotonic() + timeout
    now = proc_stats(server.proc.pid)
    while now["fds"] > before["fds"] + slack_fds and time.monotonic() < deadline:
        time.sleep(0.25)
        now = proc_stats(server.proc.pid)
    return now


def assert_served(during: dict, client) -> None:
    """The good client kept its stream and its round trips through the storm."""
    assert not client.failures, client.failures
    assert during["fps"] >= 10, f"the good client's stream slowed to {during['fps']:.1f} fps"
    assert during["acks"] >= 5 and during["rtt_max_ms"] < 1000, f"the loop stalled: {during}"
