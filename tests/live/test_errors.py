"""Error paths through a real server on a port: bad_image, calibration_failed, calibration steps out of
order, channel_failed, internal; after each, the server still serves a well-behaved client."""
import json
import time
import urllib.error
import urllib.request

import pytest

from tests.abuse.storms import small_jpeg, sio_client
from tests.support import ROOT, Server, read_parts


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    logs = tmp_path_factory.mktemp("faulty")
    media = tmp_path_factory.mktemp("media")
    (media / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video" * 100)
    s = Server("--size", "160x90", "--media-dir", str(media), log_path=logs / "server.log",
               script=ROOT / "tests" / "live" / "faulty_app.py")
    yield s
    s.stop()


def still_serves(server) -> None:
    """A well-behaved client: gaze is acknowledged, the stream flows."""
    client = sio_client(server.url)
    try:
        assert client.call("gaze", {"x": 0.5, "y": 0.5}, timeout=5) == {"ok": True}
    finally:
        client.disconnect()
    assert len(read_parts(server.url + "/stream.mjpg", 2)) == 2


def test_a_frame_that_does_not_decode_is_bad_image(faulty):
    client = sio_client(faulty.url)
    try:
        good = small_jpeg(64, 48)
        assert client.call("frame", {"jpeg": good, "t": 1.0}, timeout=30)["ok"]
        broken = good[:len(good) // 2]  # its header is fine, its data stops half way
        ack = client.call("frame", {"jpeg": broken, "t": 1.1}, timeout=30)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_image"
        ack = client.call("frame", {"jpeg": b"GIF89a" + bytes(100), "t": 1.2}, timeout=30)
        assert ack["error"]["code"] == "bad_image"
    finally:
        client.disconnect()
    still_serves(faulty)


def test_calibration_steps_out_of_order_and_a_fit_without_samples(faulty):
    client = sio_client(faulty.url)
    try:
        for action in ("fit", "validate"):  # before start
            ack = client.call("calibration", {"action": action}, timeout=30)
            assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack
        assert client.call("calibration", {"action": "start", "points": 5}, timeout=30)["ok"]
        assert client.call("calibration", {"action": "validate"}, timeout=30)["error"]["code"] == "bad_request"
        ack = client.call("calibration", {"action": "fit"}, timeout=30)  # no target seen: nothing to fit
        assert ack["ok"] is False and ack["error"]["code"] == "calibration_failed"
        for points, ok in ((5, True), (13, True), (4, False), (14, False)):
            ack = client.call("calibration", {"action": "start", "points": points}, timeout=30)
            assert ack["ok"] is ok and (ok or ack["error"]["code"] == "out_of_range")
    finally:
        client.disconnect()
    still_serves(faulty)


def test_a_source_that_fails_is_channel_failed(faulty):
    client = sio_client(faulty.url)
    try:
        assert client.call("join", {"channel": "failing"}, timeout=10)["ok"]
        sources = json.load(urllib.request.urlopen(faulty.url + "/api/sources", timeout=10))["sources"]
        broken = next(s for s in sources if s.endswith("broken.mp4"))
        assert client.call("control", {"channel": "failing", "source": broken}, timeout=10)["ok"]
        codes, deadline = set(), time.monotonic() + 30
        while time.monotonic() < deadline and "channel_failed" not in codes:
            for path in ("/stream/failing.mjpg", "/snapshot/failing.jpg"):
                try:
                    urllib.request.urlopen(faulty.url + path, timeout=20).close()
                except urllib.error.HTTPError as exc:
                    assert exc.code in (503,), exc.code
                    codes.add(json.load(exc)["error"]["code"])
            time.sleep(0.2)
        assert "channel_failed" in codes
        health = json.load(urllib.request.urlopen(faulty.url + "/healthz", timeout=10))
        assert "broken.mp4" in health["channels"]["failing"]["error"]
    finally:
        client.disconnect()
    still_serves(faulty)


def test_an_unexpected_error_is_internal_and_the_server_keeps_serving(faulty):
    client = sio_client(faulty.url)
    try:
        ack = client.call("join", {"channel": "faulty"}, timeout=10)
        assert ack == {"ok": False, "error": {"code": "internal",
                                              "message": "the server failed to handle this event"}}
        assert client.call("join", {"channel": "main"}, timeout=10)["ok"]  # the same connection goes on
    finally:
        client.disconnect()
    still_serves(faulty)
    log = faulty.log_path.read_text()
    assert "on_join failed" in log and "RuntimeError: injected fault" in log
