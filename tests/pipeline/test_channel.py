"""A channel's render thread: idle without viewers, re-render on gaze, clear errors."""
import time

import pytest
import simplejpeg

from config import Config
from gaze import GazeSample
from pipeline.effects import EffectChain
from pipeline.errors import RequestError
from pipeline.manager import ChannelManager


def spawn(fn, *args):
    import threading
    threading.Thread(target=fn, args=args, daemon=True).start()


@pytest.fixture
def manager():
    m = ChannelManager(Config(width=320, height=180, async_mode="threading"), spawn=spawn)
    yield m
    m.close()


def test_nothing_renders_until_asked(manager):
    time.sleep(0.5)
    assert manager.get("main").stats.frames == 0


def test_a_snapshot_request_renders_one_frame(manager):
    ch = manager.get("main")
    seq = ch.request_frame()
    new, jpeg = ch.broadcaster.wait_newer(seq, timeout=20)
    assert new > seq and simplejpeg.decode_jpeg(jpeg).shape == (180, 320, 3)
    time.sleep(0.5)
    assert ch.stats.frames == 1  # and then it idles again


def test_a_gaze_change_re_renders_without_waiting_for_the_next_video_frame(manager):
    ch = manager.open("slow", source=None)
    ch.config = ch.config.replace(fps=0.5)  # one content frame every two seconds
    ch.add_viewer()
    try:
        seq, _ = ch.broadcaster.wait_newer(0, timeout=20)
        time.sleep(0.2)
        ch.set_gaze(GazeSample(t=0, x=0.2, y=0.2))
        new, _ = ch.broadcaster.wait_newer(seq, timeout=1.0)
        assert new > seq and ch.stats.rerenders >= 1
    finally:
        ch.remove_viewer()


def test_a_missing_video_is_a_clear_channel_error(manager):
    ch = manager.open("broken", source="/no/such/video.mp4")
    ch.request_frame()
    deadline = time.time() + 20
    while ch.error is None and time.time() < deadline:
        time.sleep(0.05)
    assert "video file not found: /no/such/video.mp4" in ch.error
    assert manager.health()["broken"]["error"] == ch.error


def test_channel_names_are_checked(manager):
    with pytest.raises(RequestError) as err:
        manager.open("a/b")
    assert err.value.code == "bad_channel"


def test_order_puts_named_effects_first(manager):
    chain = EffectChain(manager.specs)
    chain.apply(order=["foveate"])
    assert chain.to_list()[0]["name"] == "foveate"
    with pytest.raises(RequestError) as err:
        chain.apply(order=["nope"])
    assert err.value.code == "unknown_effect"
