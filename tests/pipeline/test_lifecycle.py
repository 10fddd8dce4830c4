"""Channels give back what they hold: render threads stop when nobody watches, idle channels close,
descriptors return; channels are limited per server, address and owner; names match in full."""
import os
import threading
import time

import pytest

from config import Config
from pipeline.authority import Tenure
from pipeline.errors import RequestError
from pipeline.manager import ChannelManager


def spawn(fn, *args):
    threading.Thread(target=fn, args=args, daemon=True).start()


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def manager():
    config = Config(width=160, height=90, async_mode="threading", render_idle=0.5, channel_idle=1.0,
                    max_channels=4, max_channels_per_address=2, max_channels_per_user=2)
    m = ChannelManager(config, spawn=spawn, watch_interval=0.1)
    yield m
    m.close()


def test_the_render_thread_stops_when_nobody_watches_and_starts_again(manager):
    ch = manager.get("main")
    ch.add_viewer()
    seq, _ = ch.broadcaster.wait_newer(0, timeout=20)
    assert seq > 0 and ch.running
    ch.remove_viewer()
    assert wait_for(lambda: not ch.running, 10), "the render thread kept running without viewers"
    frames = ch.stats.frames
    ch.add_viewer()  # a new viewer: a new thread, new frames
    try:
        new, _ = ch.broadcaster.wait_newer(ch.broadcaster.seq, timeout=20)
        assert new > seq and ch.running and ch.stats.frames > frames
    finally:
        ch.remove_viewer()


def test_a_snapshot_does_not_keep_a_channel_rendering(manager):
    ch = manager.get("main")
    seq = ch.request_frame()
    assert ch.broadcaster.wait_newer(seq, timeout=20)[0] > seq
    assert wait_for(lambda: not ch.running, 10)


def test_a_stopped_render_thread_gives_its_descriptors_back(manager):
    ch = manager.get("main")
    seq = ch.request_frame()
    ch.broadcaster.wait_newer(seq, timeout=20)
    assert wait_for(lambda: not ch.running, 10)
    baseline = fds()
    for _ in range(3):
        seq = ch.request_frame()
        ch.broadcaster.wait_newer(seq, timeout=20)
        assert wait_for(lambda: not ch.running, 10)
    assert fds() <= baseline


def test_an_idle_channel_closes_and_main_keeps_its_settings(manager):
    main = manager.get("main")
    main.control(effect="foveate", params={"radius": 0.3})
    baseline = fds()
    ch = manager.open("visitor", tenure=Tenure.new("anon:x", "10.0.0.1"))
    seq = ch.request_frame()
    ch.broadcaster.wait_newer(seq, timeout=20)
    assert wait_for(lambda: "visitor" not in manager.channels, 15), "the idle channel stayed open"
    assert wait_for(lambda: fds() <= baseline, 10), f"descriptors {fds()} > {baseline} after closing"
    assert "main" in manager.channels and main.effects.active()[0][1]["radius"] == 0.3


def test_a_channel_with_a_connection_or_a_viewer_stays_open(manager):
    ch = manager.open("kept", tenure=Tenure.new())
    manager.attach("kept", +1)
    time.sleep(1.5)
    assert "kept" in manager.channels
    manager.attach("kept", -1)
    assert wait_for(lambda: "kept" not in manager.channels, 10)
    ch = manager.open("watched", tenure=Tenure.new())
    ch.add_viewer()
    try:
        time.sleep(1.5)
        assert "watched" in manager.channels
    finally:
        ch.remove_viewer()


def test_channels_are_limited_per_server_address_and_owner(manager):
    manager.open("a1", tenure=Tenure.new("anon:a", "10.0.0.1"))
    manager.open("a2", tenure=Tenure.new("anon:b", "10.0.0.1"))
    with pytest.raises(RequestError) as err:  # a third from the same address
        manager.open("a3", tenure=Tenure.new("anon:c", "10.0.0.1"))
    assert err.value.code == "too_many_channels"
    manager.open("b1", tenure=Tenure.new("user:1", "10.0.0.2"))
    with pytest.raises(RequestError) as err:  # the server's fourth, main included, is its last
        manager.open("c1", tenure=Tenure.new("user:2", "10.0.0.3"))
    assert err.value.code == "too_many_channels" and set(manager.channels) == {"main", "a1", "a2", "b1"}
    assert manager.open("a1") is manager.channels["a1"]  # an open channel is no new one


def test_channels_are_limited_per_owner():
    m = ChannelManager(Config(async_mode="threading", max_channels_per_user=1), spawn=spawn, watch_interval=0)
    try:
        m.open("mine", tenure=Tenure.new("user:1", "10.0.0.1"))
        with pytest.raises(RequestError) as err:
            m.open("mine2", tenure=Tenure.new("user:1", "10.0.0.2"))
        assert err.value.code == "too_many_channels"
    finally:
        m.close()


@pytest.mark.parametrize("name,code", [("main\n", "bad_channel"), ("a" * 41, "bad_channel"), ("", "bad_channel"),
                                       ("../etc", "bad_channel"), (" main", "bad_channel"), ("ä", "bad_channel"),
                                       ({"a": 1}, "bad_type"), (["main"], "bad_type"), (7, "bad_type")])
def test_names_are_matched_whole(manager, name, code):
    with pytest.raises(RequestError) as err:
        manager.open(name)
    assert err.value.code == code


def test_a_forty_character_name_is_a_name(manager):
    assert manager.open("a" * 40, tenure=Tenure.new()).name == "a" * 40
