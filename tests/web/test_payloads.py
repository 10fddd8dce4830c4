"""Every handler answers a typed error for any wrongly typed field, never `internal`; names match in full;
join says what the connection may do; each rate limit holds at its bound."""
import math

import pytest

from web import create_app, socketio

WEIRD = [{}, {"a": 1}, [], [1, 2], "x", "", 1.5, -1, True, None, math.nan, 10 ** 30]
BASE = {  # a valid payload of each event, and the fields to spoil one at a time
    "join": ({"channel": "main"}, ["channel", "token"]),
    "gaze": ({"x": 0.5, "y": 0.5, "t": 1.0, "source": "mouse"}, ["x", "y", "t", "source", "channel"]),
    "control": ({"effect": "foveate", "enabled": True, "params": {"radius": 0.2}},
                ["effect", "enabled", "params", "order", "filter", "source", "size", "channel"]),
    "frame": ({"jpeg": b"\xff\xd8", "t": 1.0}, ["jpeg", "t", "view", "channel"]),
    "invite": ({"role": "viewer", "expires_in": 60}, ["role", "expires_in", "channel"]),
    "revoke": ({"token": "x"}, ["token"]),
}
CALIBRATION = [("start", ["points"]), ("target", ["x", "y", "t"]), ("fit", []),
               ("validate", ["screen_px", "screen_cm", "distance_cm"]), ("load", ["calibration"]), ("clear", [])]


@pytest.fixture
def fast_app(tmp_path):
    """An app whose rate limits never get in the way of a test sending hundreds of events."""
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90, "gaze_rate": 1e6,
                                  "frame_rate": 1e6, "control_rate": 1e6, "revocations": str(tmp_path / "r.json"),
                                  "max_channels_per_address": 100, "max_channels": 100})
    yield app
    app.extensions["gazecast"].close()


def cases():
    for event, (base, fields) in BASE.items():
        for field in fields:
            yield event, base, field
    for action, fields in CALIBRATION:
        for field in ["action", *fields]:
            yield "calibration", {"action": action}, field


@pytest.mark.parametrize("event,base,field", list(cases()))
def test_a_wrongly_typed_field_is_a_typed_error_never_internal(fast_app, event, base, field):
    sio = socketio.test_client(fast_app)
    try:
        for value in WEIRD:
            ack = sio.emit(event, {**base, field: value}, callback=True)
            assert ack["ok"] or ack["error"]["code"] != "internal", (event, field, value, ack)
            assert ack["ok"] or ack["error"]["message"]
        for nested in ("params", "filter"):  # and inside the objects of control
            if event == "control" and field == nested:
                for value in WEIRD:
                    key = "radius" if nested == "params" else "beta"
                    ack = sio.emit(event, {**base, nested: {key: value}}, callback=True)
                    assert ack["ok"] or ack["error"]["code"] != "internal", (nested, value, ack)
    finally:
        sio.disconnect()


@pytest.mark.parametrize("name,code", [("main\n", "bad_channel"), ("a" * 41, "bad_channel"), ("", "bad_channel"),
                                       ("x y", "bad_channel"), ({"name": "main"}, "bad_type"), (["main"], "bad_type"),
                                       (3, "bad_type")])
def test_join_refuses_what_is_not_a_name(sio, name, code):
    ack = sio.emit("join", {"channel": name}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_a_name_refused_opens_no_channel_and_metrics_stay_parseable(app, client, sio):
    sio.emit("join", {"channel": "main\n"}, callback=True)
    assert set(app.extensions["gazecast"].channels) == {"main"}
    for line in client.get("/metrics").get_data(as_text=True).splitlines():
        assert line.startswith("#") or line.count("{") == line.count("}") == 1, line


def test_connecting_with_an_object_as_channel_lands_in_main(app):
    sio = socketio.test_client(app, auth={"channel": {"x": 1}})
    try:
        assert sio.is_connected()
        states = [m["args"][0] for m in sio.get_received() if m["name"] == "state"]
        assert states[-1]["channel"] == "main"
    finally:
        sio.disconnect()


def test_join_on_an_open_server_says_the_connection_may_do_everything(sio):
    ack = sio.emit("join", {"channel": "main"}, callback=True)
    assert ack["role"] == "owner"
    assert ack["rights"] == sorted(["view", "gaze", "control", "reconfigure", "read_gaze", "invite"])
    assert "token" not in ack  # an open server needs none


def test_joining_a_new_channel_opens_it_up_to_the_address_limit(app):
    app.config["GAZECAST"].max_channels_per_address = 2  # the manager reads its config at each open
    sio = socketio.test_client(app)
    try:
        assert sio.emit("join", {"channel": "one"}, callback=True)["ok"]
        assert sio.emit("join", {"channel": "two"}, callback=True)["ok"]
        ack = sio.emit("join", {"channel": "three"}, callback=True)
        assert ack["error"]["code"] == "too_many_channels"
        assert set(app.extensions["gazecast"].channels) == {"main", "one", "two"}
    finally:
        sio.disconnect()


@pytest.mark.parametrize("event,setting,payload", [
    ("gaze", "gaze_rate", {"x": 0.5, "y": 0.5}),
    ("control", "control_rate", {"effect": "foveate", "enabled": True}),
    ("join", "control_rate", {"channel": "main"}),
])
def test_each_rate_limit_allows_its_burst_and_refuses_the_next(tmp_path, event, setting, payload):
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90, setting: 5})
    sio = socketio.test_client(app)
    try:
        acks = [sio.emit(event, payload, callback=True) for _ in range(6)]
        assert all(a["ok"] for a in acks[:5]), acks
        assert acks[5]["error"]["code"] == "rate_limited" and "5 per second" in acks[5]["error"]["message"]
    finally:
        sio.disconnect()
        app.extensions["gazecast"].close()


def test_a_calibration_with_a_wrong_shape_is_refused_and_frames_still_work(app, sio):
    import numpy as np
    import simplejpeg

    bad = {"version": 2, "degree": 2, "coef": [[1.0, 2.0, 3.0]], "screen_mm": [530, 300]}
    ack = sio.emit("calibration", {"action": "load", "calibration": bad}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_calibration"
    jpeg = simplejpeg.encode_jpeg(np.zeros((120, 160, 3), np.uint8))
    ack = sio.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)
    assert ack["ok"] and ack["reason"] == "no_face"  # the connection still tracks: no bad calibration in it


@pytest.mark.parametrize("x,y,ok", [(0.0, 0.0, True), (1.0, 1.0, True), (-1e-9, 0.5, False), (0.5, 1.0000001, False)])
def test_gaze_is_checked_at_both_ends_of_the_unit_range(sio, x, y, ok):
    ack = sio.emit("gaze", {"x": x, "y": y}, callback=True)
    assert ack["ok"] is ok and (ok or ack["error"]["code"] == "out_of_range")


def test_frame_bytes_are_checked_at_both_ends(app, sio):
    import numpy as np
    import simplejpeg

    jpeg = simplejpeg.encode_jpeg(np.zeros((48, 64, 3), np.uint8))
    app.config["GAZECAST"].max_frame_bytes = len(jpeg)
    assert sio.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)["ok"]
    app.config["GAZECAST"].max_frame_bytes = len(jpeg) - 1
    assert sio.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)["error"]["code"] == "payload_too_large"


def test_a_frame_over_the_pixel_limit_is_refused_before_decoding(app, sio):
    from tests.abuse.storms import bomb_jpeg

    ack = sio.emit("frame", {"jpeg": bomb_jpeg(20000, 20000), "t": 1.0}, callback=True)
    assert ack["error"]["code"] == "image_too_large" and "20000x20000" in ack["error"]["message"]
    assert app.extensions["gazecast.trackers"].trackers == {}  # refused before any model was loaded


def test_socketio_sessions_per_address_are_limited(app):
    app.config["GAZECAST"].max_connections_per_address = 2
    first, second = socketio.test_client(app), socketio.test_client(app)
    third = socketio.test_client(app)  # every test client comes from 127.0.0.1
    try:
        assert first.is_connected() and second.is_connected() and not third.is_connected()
        second.disconnect()
        fourth = socketio.test_client(app)  # a place came free
        assert fourth.is_connected()
        fourth.disconnect()
    finally:
        first.disconnect()
