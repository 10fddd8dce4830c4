"""Socket.IO events through the test client: acks, state broadcasts and error codes."""
import math

import pytest

from web import socketio


def test_connect_sends_the_channel_state(sio):
    received = sio.get_received()
    state = next(m["args"][0] for m in received if m["name"] == "state")
    assert state["channel"] == "main"
    assert [e["name"] for e in state["effects"] if e["enabled"]] == ["foveate"]


def test_gaze_is_acknowledged_and_reaches_the_channel(app, sio):
    ack = sio.emit("gaze", {"x": 0.25, "y": 0.75}, callback=True)
    assert ack == {"ok": True}
    gaze = app.extensions["gazecast"].get("main").gaze
    assert (gaze.x, gaze.y, gaze.source) == (0.25, 0.75, "mouse")


def test_gaze_goes_to_other_clients_of_the_channel(app, client, sio):
    other = socketio.test_client(app, flask_test_client=client)
    other.get_received()
    sio.emit("gaze", {"x": 0.1, "y": 0.2}, callback=True)
    samples = [m["args"][0] for m in other.get_received() if m["name"] == "gaze"]
    assert samples and (samples[-1]["x"], samples[-1]["y"]) == (0.1, 0.2)
    other.disconnect()


def test_control_changes_the_chain_and_every_panel_gets_state(app, client, sio):
    panel = socketio.test_client(app, flask_test_client=client)
    panel.get_received()
    ack = sio.emit("control", {"effect": "foveate", "params": {"radius": 0.3, "strength": 2.5}}, callback=True)
    assert ack["ok"] is True
    params = ack["state"]["effects"][0]["params"]
    assert (params["radius"], params["strength"]) == (0.3, 2.5)
    states = [m["args"][0] for m in panel.get_received() if m["name"] == "state"]
    assert states[-1]["effects"][0]["params"]["radius"] == 0.3
    active = app.extensions["gazecast"].get("main").effects.active()
    assert active[0][1]["radius"] == 0.3
    panel.disconnect()


def test_control_switches_an_effect_off(app, sio):
    ack = sio.emit("control", {"effect": "foveate", "enabled": False}, callback=True)
    assert ack["ok"] and app.extensions["gazecast"].get("main").effects.active() == []


def test_join_returns_protocol_state_and_effects(sio):
    ack = sio.emit("join", {"channel": "main"}, callback=True)
    assert ack["ok"] and ack["protocol"] == 1
    assert ack["state"]["channel"] == "main"
    assert any(e["name"] == "foveate" for e in ack["effects"])


@pytest.mark.parametrize("event,payload,code", [
    ("gaze", {"x": "left", "y": 0.5}, "bad_type"),
    ("gaze", {"x": math.nan, "y": 0.5}, "not_finite"),
    ("gaze", {"x": 0.5, "y": math.inf}, "not_finite"),
    ("gaze", {"x": 1.5, "y": 0.5}, "out_of_range"),
    ("gaze", {"x": True, "y": 0.5}, "bad_type"),
    ("gaze", {"y": 0.5}, "bad_type"),
    ("gaze", [0.5, 0.5], "bad_request"),
    ("gaze", "0.5,0.5", "bad_request"),
    ("gaze", {"x": 0.5, "y": 0.5, "channel": "nowhere"}, "unknown_channel"),
    ("control", {"effect": "foveate", "params": {"nope": 1}}, "unknown_param"),
    ("control", {"effect": "foveate", "params": {"radius": math.nan}}, "not_finite"),
    ("control", {"effect": "foveate", "params": {"radius": "wide"}}, "bad_type"),
    ("control", {"effect": "foveate", "params": {"radius": 99}}, "out_of_range"),
    ("control", {"effect": "foveate", "params": [1, 2]}, "bad_type"),
    ("control", {"effect": "sparkle", "enabled": True}, "unknown_effect"),
    ("control", {"effect": "foveate", "enabled": "yes"}, "bad_type"),
    ("control", {"effect": "foveate", "colour": 1}, "bad_request"),
    ("control", {"order": ["foveate", "foveate"]}, "bad_request"),
    ("control", {"order": "foveate"}, "bad_type"),
    ("control", None, "bad_request"),
    ("join", {"channel": "../etc"}, "bad_channel"),
])
def test_bad_payloads_get_an_error_ack(sio, event, payload, code):
    ack = sio.emit(event, payload, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]


def test_a_rejected_control_changes_nothing(app, sio):
    before = app.extensions["gazecast"].get("main").state()
    ack = sio.emit("control", {"effect": "foveate", "params": {"radius": 0.4, "strength": -3}}, callback=True)
    assert ack["error"]["code"] == "out_of_range"
    assert app.extensions["gazecast"].get("main").state() == before


def test_the_server_keeps_serving_after_errors(sio):
    sio.emit("gaze", {"x": math.nan, "y": 0}, callback=True)
    assert sio.emit("gaze", {"x": 0.5, "y": 0.5}, callback=True) == {"ok": True}


def test_the_gaze_filter_is_tunable_from_the_control_panel(app, sio):
    ack = sio.emit("join", {"channel": "main"}, callback=True)
    assert {p["name"] for p in ack["filter"]} == {"min_cutoff", "beta", "dispersion", "min_duration"}
    ack = sio.emit("control", {"filter": {"min_cutoff": 0.3, "beta": 2.0}}, callback=True)
    assert ack["ok"] and ack["state"]["filter"]["min_cutoff"] == 0.3 and ack["state"]["filter"]["beta"] == 2.0
    bad = sio.emit("control", {"filter": {"min_cutoff": -1}}, callback=True)
    assert bad["error"]["code"] == "out_of_range"
    assert sio.emit("control", {"filter": {"jitter": 1}}, callback=True)["error"]["code"] == "unknown_param"


@pytest.mark.parametrize("payload,code", [
    ({"jpeg": "not bytes"}, "bad_type"),
    ({"jpeg": b"\xff\xd8" + b"x" * 500_000}, "payload_too_large"),
    ({"jpeg": b"\xff\xd8garbage\xff\xd9", "t": math.nan}, "not_finite"),
    ({"jpeg": b"\xff\xd8garbage\xff\xd9", "view": [0, 0, 0, 1]}, "bad_type"),
])
def test_bad_frames_get_an_error_ack_before_any_estimation(sio, payload, code):
    ack = sio.emit("frame", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_a_channel_switches_source_and_size_from_the_control_panel(app, client, sio, tmp_path):
    import cv2
    import numpy as np
    import simplejpeg

    media = tmp_path / "media"
    media.mkdir()
    cv2.imwrite(str(media / "red.png"), np.full((90, 160, 3), (0, 0, 255), np.uint8))
    mgr = app.extensions["gazecast"]
    mgr.config.media_dir = str(media)
    assert str(media / "red.png") in client.get("/api/sources").get_json()["sources"]
    ack = sio.emit("control", {"source": str(media / "red.png"), "size": [200, 100]}, callback=True)
    assert ack["ok"] and ack["state"]["source"].endswith("red.png") and ack["state"]["size"] == [200, 100]
    img = simplejpeg.decode_jpeg(client.get("/snapshot/main.jpg").data)
    assert img.shape == (100, 200, 3) and img[50, 100, 0] > 200 and img[50, 100, 2] < 60
    for bad, code in (({"source": "/etc/passwd"}, "unknown_source"), ({"size": [100, 99]}, "bad_size"),
                      ({"size": "big"}, "bad_size"), ({"source": str(media / "red.png"), "effect": "nope"}, "unknown_effect")):
        assert sio.emit("control", bad, callback=True)["error"]["code"] == code


def test_a_missing_model_is_reported_not_crashed(app, sio):
    import numpy as np
    import simplejpeg

    app.extensions["gazecast.trackers"].weights = "/nonexistent/weights.pt"
    jpeg = simplejpeg.encode_jpeg(np.zeros((16, 16, 3), np.uint8))
    ack = sio.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "model_unavailable"
    assert "/nonexistent/weights.pt" in ack["error"]["message"]
    assert sio.emit("gaze", {"x": 0.5, "y": 0.5}, callback=True) == {"ok": True}

