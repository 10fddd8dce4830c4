"""A server in tokens mode: who may do what, the operators' room, invitations and revocation, /healthz."""
import pytest

from pipeline.authority import EVERY_CHANNEL
from web import create_app, socketio


@pytest.fixture
def app(tmp_path):
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90, "auth": "tokens",
                                  "anonymous_role": "viewer", "secret_key": "test secret",
                                  "revocations": str(tmp_path / "revoked.json")})
    yield app
    app.extensions["gazecast"].close()


def mint(app, role, channel="main"):
    auth = app.extensions["gazecast.authority"]
    if channel == EVERY_CHANNEL:
        return auth.mint(EVERY_CHANNEL, EVERY_CHANNEL, role)[0]
    return auth.mint(channel, app.extensions["gazecast"].get(channel).tenure.instance, role)[0]


def connect(app, token=None, channel="main"):
    sio = socketio.test_client(app, auth={"channel": channel, **({"token": token} if token else {})})
    sio.get_received()
    return sio


def state(app, channel="main"):
    return app.extensions["gazecast"].get(channel).state()


def test_join_says_what_each_role_may_do(app):
    expected = {None: ("viewer", ["view"]), "participant": ("participant", ["gaze", "view"]),
                "operator": ("operator", ["control", "gaze", "read_gaze", "reconfigure", "view"])}
    for role, (name, rights) in expected.items():
        sio = connect(app, mint(app, role) if role else None)
        ack = sio.emit("join", {"channel": "main"}, callback=True)
        assert (ack["role"], ack["rights"]) == (name, rights)
        sio.disconnect()


@pytest.mark.parametrize("event,payload", [
    ("control", {"effect": "foveate", "params": {"radius": 0.4}}),
    ("control", {"effect": "foveate", "enabled": False}),
    ("control", {"order": ["lens", "foveate"]}),
    ("control", {"filter": {"beta": 2.0}}),
    ("control", {"source": "mirror"}),
    ("control", {"size": [320, 180]}),
    ("gaze", {"x": 0.1, "y": 0.1}),
    ("invite", {"role": "owner"}),
    ("calibration", {"action": "start"}),
])
def test_a_viewer_is_forbidden_everything_but_watching_and_nothing_changes(app, event, payload):
    before = state(app)
    gaze_before = app.extensions["gazecast"].get("main").gaze
    sio = connect(app)
    ack = sio.emit(event, payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
    assert state(app) == before and app.extensions["gazecast"].get("main").gaze is gaze_before
    sio.disconnect()


def test_a_participant_drives_the_gaze_but_cannot_change_the_channel(app):
    sio = connect(app, mint(app, "participant"))
    assert sio.emit("gaze", {"x": 0.2, "y": 0.3}, callback=True) == {"ok": True}
    assert app.extensions["gazecast"].get("main").gaze.x == 0.2
    for payload in ({"effect": "foveate", "enabled": False}, {"size": [320, 180]}, {"source": "demo"}):
        assert sio.emit("control", payload, callback=True)["error"]["code"] == "forbidden"
    sio.disconnect()


def test_an_operator_changes_effects_size_and_source(app):
    sio = connect(app, mint(app, "operator"))
    ack = sio.emit("control", {"effect": "foveate", "params": {"radius": 0.4}, "size": [320, 180]}, callback=True)
    assert ack["ok"] and ack["state"]["size"] == [320, 180]
    assert sio.emit("invite", {"role": "viewer"}, callback=True)["error"]["code"] == "forbidden"  # owners invite
    sio.disconnect()


def test_gaze_goes_to_operators_and_not_to_viewers_or_other_channels(app):
    owner = connect(app, mint(app, "owner", EVERY_CHANNEL))
    assert owner.emit("join", {"channel": "other"}, callback=True)["ok"]
    operator = connect(app, mint(app, "operator"))
    viewer = connect(app)
    elsewhere = connect(app, mint(app, "operator", "other"), channel="other")
    participant = connect(app, mint(app, "participant"))
    for c in (owner, operator, viewer, elsewhere):
        c.get_received()
    assert participant.emit("gaze", {"x": 0.25, "y": 0.75}, callback=True) == {"ok": True}
    got = {name: [m["args"][0] for m in c.get_received() if m["name"] == "gaze"]
           for name, c in (("operator", operator), ("viewer", viewer), ("elsewhere", elsewhere))}
    assert [(g["x"], g["y"], g["channel"]) for g in got["operator"]] == [(0.25, 0.75, "main")]
    assert got["viewer"] == [] and got["elsewhere"] == []
    for c in (owner, operator, viewer, elsewhere, participant):
        c.disconnect()


def test_state_goes_to_everyone_in_the_channel_and_nowhere_else(app):
    operator = connect(app, mint(app, "operator"))
    viewer = connect(app)
    admin = mint(app, "owner", EVERY_CHANNEL)
    elsewhere = connect(app, admin)
    assert elsewhere.emit("join", {"channel": "other"}, callback=True)["ok"]
    elsewhere.get_received()
    operator.emit("control", {"effect": "foveate", "params": {"radius": 0.35}}, callback=True)
    seen = [m["args"][0]["channel"] for m in viewer.get_received() if m["name"] == "state"]
    assert seen == ["main"] and not [m for m in elsewhere.get_received() if m["name"] == "state"]
    for c in (operator, viewer, elsewhere):
        c.disconnect()


def test_whoever_opens_a_channel_owns_it_and_gets_its_token(app):
    creator = connect(app)
    ack = creator.emit("join", {"channel": "mine"}, callback=True)
    assert ack["ok"] and ack["role"] == "owner" and ack["token"]
    assert creator.emit("control", {"effect": "foveate", "enabled": False}, callback=True)["ok"]
    stranger = connect(app)
    assert stranger.emit("join", {"channel": "mine"}, callback=True)["role"] == "viewer"
    assert stranger.emit("control", {"channel": "mine", "effect": "foveate", "enabled": True},
                         callback=True)["error"]["code"] == "forbidden"
    returning = connect(app, ack["token"], channel="mine")  # the owner's token works on a new connection
    assert returning.emit("join", {"channel": "mine"}, callback=True)["role"] == "owner"
    for c in (creator, stranger, returning):
        c.disconnect()


def test_an_invitation_grants_its_role_until_revoked(app):
    owner = connect(app, mint(app, "owner"))
    invite = owner.emit("invite", {"role": "operator", "expires_in": 600}, callback=True)
    assert invite["ok"] and invite["role"] == "operator" and invite["channel"] == "main"
    guest = connect(app, invite["token"])
    assert guest.emit("control", {"effect": "foveate", "enabled": False}, callback=True)["ok"]
    participant = connect(app, mint(app, "participant"))
    participant.emit("gaze", {"x": 0.6, "y": 0.6}, callback=True)
    assert [m for m in guest.get_received() if m["name"] == "gaze"]  # an operator reads the gaze
    assert owner.emit("revoke", {"token": invite["token"]}, callback=True)["ok"]
    assert guest.emit("control", {"effect": "foveate", "enabled": True}, callback=True)["error"]["code"] == "forbidden"
    guest.get_received()
    participant.emit("gaze", {"x": 0.7, "y": 0.7}, callback=True)
    assert not [m for m in guest.get_received() if m["name"] == "gaze"]  # and no longer
    assert owner.emit("revoke", {"token": invite["token"]}, callback=True)["error"]["code"] == "bad_token"
    for c in (owner, guest, participant):
        c.disconnect()


def test_only_an_owner_may_revoke_and_only_its_channels_tokens(app):
    token = mint(app, "operator")
    operator = connect(app, mint(app, "operator"))
    assert operator.emit("revoke", {"token": token}, callback=True)["error"]["code"] == "forbidden"
    other_owner = connect(app)
    other_owner.emit("join", {"channel": "theirs"}, callback=True)
    assert other_owner.emit("revoke", {"token": token}, callback=True)["error"]["code"] == "forbidden"
    admin = mint(app, "owner", EVERY_CHANNEL)
    assert operator.emit("revoke", {"token": admin}, callback=True)["error"]["code"] == "forbidden"
    for c in (operator, other_owner):
        c.disconnect()


@pytest.mark.parametrize("payload,code", [({"role": "king"}, "bad_request"), ({"role": 3}, "bad_type"),
                                          ({"expires_in": 0}, "out_of_range"), ({"expires_in": -5}, "out_of_range"),
                                          ({"expires_in": 7 * 24 * 3600 + 1}, "out_of_range")])
def test_invitations_are_checked(app, payload, code):
    owner = connect(app, mint(app, "owner"))
    assert owner.emit("invite", payload, callback=True)["error"]["code"] == code
    ok = owner.emit("invite", {"expires_in": 7 * 24 * 3600}, callback=True)  # the upper bound itself
    assert ok["ok"]
    owner.disconnect()


def test_healthz_and_metrics_show_a_channel_only_to_those_who_operate_it(app):
    client = app.test_client()
    creator = connect(app)
    creator.emit("join", {"channel": "private"}, callback=True)
    h = client.get("/healthz").get_json()
    assert h["channels"] == {} and h["auth"] == "tokens" and h["channels_open"] == 2
    assert "private" not in client.get("/metrics").get_data(as_text=True)
    operator = mint(app, "operator")
    assert set(client.get(f"/healthz?token={operator}").get_json()["channels"]) == {"main"}
    admin = mint(app, "owner", EVERY_CHANNEL)
    seen = client.get("/healthz", headers={"Authorization": f"Bearer {admin}"}).get_json()["channels"]
    assert set(seen) == {"main", "private"}
    assert 'channel="private"' in client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}).get_data(
        as_text=True)
    creator.disconnect()


def test_a_closed_server_lets_only_invited_clients_watch(tmp_path):
    app = create_app(test_config={"async_mode": "threading", "width": 160, "height": 90, "auth": "tokens",
                                  "anonymous_role": "none", "secret_key": "s"})
    try:
        client = app.test_client()
        r = client.get("/snapshot/main.jpg")
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
        assert client.get("/stream.mjpg").status_code == 403
        sio = socketio.test_client(app)
        assert not sio.is_connected()  # refused at connect: forbidden
        viewer = mint(app, "viewer")
        assert client.get(f"/snapshot/main.jpg?token={viewer}").status_code == 200
        sio = socketio.test_client(app, auth={"token": viewer})
        assert sio.is_connected()
        assert sio.emit("join", {"channel": "new"}, callback=True)["ok"] is True  # an invited client may open one
        sio.disconnect()
    finally:
        app.extensions["gazecast"].close()


def test_gaze_estimated_from_a_webcam_frame_goes_to_operators_only(app):
    import simplejpeg

    from gaze.synth import default_face, render_face

    operator, viewer = connect(app, mint(app, "operator")), connect(app)
    participant = connect(app, mint(app, "participant"))
    jpeg = simplejpeg.encode_jpeg(render_face(default_face(seed=2)), colorspace="BGR")
    ack = participant.emit("frame", {"jpeg": jpeg, "t": 1.0}, callback=True)
    assert ack["ok"] and ack["gaze"] is not None, ack
    assert [m["args"][0]["t"] for m in operator.get_received() if m["name"] == "gaze"] == [1.0]
    assert not [m for m in viewer.get_received() if m["name"] == "gaze"]
    for c in (operator, viewer, participant):
        c.disconnect()
