"""A channel's render thread: idle without viewers, re-render on gaze, clear errors."""
import time
from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from config import ROOT, Config
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


def _frame_after_change(ch, timeout=20):
    """Return the RGB frame rendered after the latest change (the next two frames: one may be in flight)."""
    seq = ch.request_frame()
    seq, _ = ch.broadcaster.wait_newer(seq, timeout=timeout)
    seq = ch.request_frame()
    seq, jpeg = ch.broadcaster.wait_newer(seq, timeout=timeout)
    return simplejpeg.decode_jpeg(jpeg)


@pytest.mark.parametrize("path, foveate_only", [("auto", "cpu"), ("cpu", "cpu"), ("gl", "gl")])
def test_the_render_path_follows_the_setting_and_the_chain(path, foveate_only, tmp_path):
    """On llvmpipe `auto` renders a chain of twinned effects (foveate, spotlight, scotoma, heatmap) with
    the CPU twins, and any chain with an effect that has no twin (a custom one) through GL; both render
    the frame alike."""
    import shutil

    from tests.conftest import sharpness
    from tests.support import TINT
    shaders = tmp_path / "shaders"
    shutil.copytree(ROOT / "shaders", shaders)
    (shaders / "tint.glsl").write_text(TINT)
    m = ChannelManager(Config(width=320, height=180, async_mode="threading", render_path=path,
                              source=str(_still(320, 180)), shaders_dir=str(shaders)), spawn=spawn)
    try:
        ch = m.get("main")
        ch.set_gaze(GazeSample(t=0, x=0.25, y=0.5))
        fov = _frame_after_change(ch)
        if path == "auto" and not ch.gl_info["software"]:
            foveate_only = "gl"  # a GPU: every effect stays on it
        assert ch.render_path == foveate_only
        assert m.health()["main"]["render_path"] == foveate_only
        assert sharpness(fov, 0.25, 0.5) > 5 * sharpness(fov, 0.8, 0.5)
        ch.control(effect="spotlight", enabled=True)
        lit = _frame_after_change(ch)
        assert ch.render_path == foveate_only  # spotlight has a twin too
        assert lit[..., :3].mean() < fov[..., :3].mean() - 5  # the spotlight dims the periphery
        ch.control(effect="scotoma", enabled=True)
        lost = _frame_after_change(ch)
        assert ch.render_path == foveate_only  # scotoma has a twin
        assert lost[..., :3].mean() < fov[..., :3].mean() - 5  # the spotlight still dims it
        assert sharpness(lost, 0.25, 0.5) < 0.2 * sharpness(fov, 0.25, 0.5)  # and the fovea is lost
        ch.control(effect="heatmap", enabled=True)
        heated = _frame_after_change(ch)
        assert ch.render_path == foveate_only  # heatmap has a twin too
        ch.control(effect="tint", enabled=True, params={"amount": 0.3})
        tinted = _frame_after_change(ch)
        # a custom effect has no twin: it renders through GL, between runs of twins where they render
        assert ch.render_path == ("mixed" if foveate_only == "cpu" else "gl")
        assert tinted[..., 0].mean() > heated[..., 0].mean() + 20  # redder
        assert sharpness(tinted, 0.25, 0.5) < 0.2 * sharpness(fov, 0.25, 0.5)  # the scotoma still
        for name in ("tint", "heatmap", "scotoma", "spotlight"):
            ch.control(effect=name, enabled=False)
        back = _frame_after_change(ch)
        assert ch.render_path == foveate_only
        assert np.abs(back.astype(int) - fov).mean() < 2  # the same frame (a still), the same look
    finally:
        m.close()


def _still(w, h):
    """A detailed still image in a temporary folder."""
    import tempfile

    import cv2
    from tests.conftest import detail_frame
    path = Path(tempfile.mkdtemp()) / "still.png"
    cv2.imwrite(str(path), detail_frame(w, h)[..., 2::-1])
    return path
