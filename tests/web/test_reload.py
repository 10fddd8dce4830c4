"""Live shader reload through the app: a dropped-in effect appears, a broken edit is reported with
its line while the last good program keeps rendering."""
import shutil
import time

import cv2
import pytest
import simplejpeg

from config import ROOT
from tests.conftest import detail_frame
from web import create_app, socketio

TINT = """// @effect tint
// @description Tints the frame
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float amount; // @param min=0 max=1 default=1 | How much red
void main() { f_color = vec4(mix(texture(u_src, v_uv).rgb, vec3(1.0, 0.0, 0.0), amount), 1.0); }
#endif
"""


@pytest.fixture
def live(tmp_path):
    shaders = tmp_path / "shaders"
    shutil.copytree(ROOT / "shaders", shaders)
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90,
                                  "shaders_dir": str(shaders)})
    client = app.test_client()
    sio = socketio.test_client(app, flask_test_client=client)
    yield app, client, sio, shaders
    sio.disconnect()
    app.extensions["gazecast"].close()


def wait_for_state(sio, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in sio.get_received():
            if m["name"] == "state" and predicate(m["args"][0]):
                return m["args"][0]
        time.sleep(0.1)
    raise AssertionError("no matching state event")


def test_a_dropped_in_effect_appears_and_a_broken_edit_is_reported(live):
    app, client, sio, shaders = live
    client.get("/snapshot/main.jpg")  # the render thread is up
    (shaders / "tint.glsl").write_text(TINT)
    wait_for_state(sio, lambda s: any(e["name"] == "tint" for e in s["effects"]))
    assert any(e["name"] == "tint" for e in client.get("/api/effects").get_json()["effects"])
    ack = sio.emit("control", {"effect": "tint", "enabled": True}, callback=True)
    assert ack["ok"]
    red = simplejpeg.decode_jpeg(client.get("/snapshot/main.jpg").data)
    assert red[..., 0].mean() > 200 and red[..., 1].mean() < 60

    broken = TINT.replace("void main() {", "void main() { float x = ;")  # line 6
    time.sleep(0.05)  # a new modification time
    (shaders / "tint.glsl").write_text(broken)
    state = wait_for_state(sio, lambda s: s["shader_errors"])
    err = state["shader_errors"][0]
    assert err["effect"] == "tint" and err["line"] == 6 and err["path"].endswith("tint.glsl")
    still = simplejpeg.decode_jpeg(client.get("/snapshot/main.jpg").data)
    assert still[..., 0].mean() > 200  # the last good program keeps running

    (shaders / "tint.glsl").write_text(TINT.replace("default=1", "default=0.5"))
    wait_for_state(sio, lambda s: not s["shader_errors"])
    (shaders / "tint.glsl").unlink()
    state = wait_for_state(sio, lambda s: all(e["name"] != "tint" for e in s["effects"]))
    assert state["channel"] == "main"


def test_editing_foveate_moves_it_from_its_cpu_twin_to_the_edited_shader(tmp_path):
    """The stock foveate may render with its CPU twin (render_path cpu: even on a GPU); an edit of the
    shader must show, so GL takes over."""
    shaders = tmp_path / "shaders"
    shutil.copytree(ROOT / "shaders", shaders)
    still = tmp_path / "reddish.png"
    frame = detail_frame(160, 90)
    frame[..., 0], frame[..., 2] = 220, frame[..., 2] // 4  # red everywhere, detail in green and blue
    cv2.imwrite(str(still), frame[..., 2::-1])
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90, "source": str(still),
                                  "shaders_dir": str(shaders), "render_path": "cpu"})
    client = app.test_client()
    try:
        before = simplejpeg.decode_jpeg(client.get("/snapshot/main.jpg").data).astype(float)
        assert client.get("/healthz").get_json()["channels"]["main"]["render_path"] == "cpu"
        path = shaders / "foveate.glsl"
        time.sleep(0.05)
        path.write_text(path.read_text().replace("f_color = vec4(c, 1.0);", "f_color = vec4(c.bgr, 1.0);"))
        deadline = time.monotonic() + 10
        while client.get("/healthz").get_json()["channels"]["main"]["render_path"] != "gl":
            assert time.monotonic() < deadline, "the edited foveate never moved to GL"
            client.get("/snapshot/main.jpg")
            time.sleep(0.1)
        after = simplejpeg.decode_jpeg(client.get("/snapshot/main.jpg").data).astype(float)
        means_before, means_after = before.mean(axis=(0, 1)), after.mean(axis=(0, 1))
        assert means_before[0] > 200 and means_before[2] < 80
        assert means_after[2] > 150 and means_after[0] < 100  # blue for red: the edited shader runs
    finally:
        app.extensions["gazecast"].close()
