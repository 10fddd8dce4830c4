"""Live shader reload through the app: a dropped-in effect appears, a broken edit is reported with
its line while the last good program keeps rendering."""
import shutil
import time

import pytest
import simplejpeg

from config import ROOT
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
