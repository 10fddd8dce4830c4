"""Two real accounts: another user's recording, calibration, preset or token is a 404 on every route, API call
and Socket.IO event, on SQLite and on PostgreSQL; nothing of the owner's changes."""
import re

import pytest

from tests.web.conftest import build_app, close_app
from tests.web.test_recordings import GOOD_FIT, GOOD_REPORT, connect
from tests.web.users import csrf_token, post_form, register


@pytest.fixture
def world(tmp_path, database_url):
    """Alice owns a recording, a calibration, a private preset and a token; Bob is logged in too."""
    app = build_app(tmp_path, database_url)
    a, b = app.test_client(), app.test_client()
    register(a, "alice")
    register(b, "bob")
    alice, bob = connect(app, a), connect(app, b)
    cal = alice.emit("calibrations", {"action": "save", "calibration": GOOD_FIT, "report": GOOD_REPORT,
                                      "points": 5}, callback=True)["id"]
    alice.emit("record", {"action": "start", "calibration_id": cal}, callback=True)
    for i in range(10):
        alice.emit("gaze", {"x": i / 10, "y": 0.5}, callback=True)
    rec = alice.emit("record", {"action": "stop"}, callback=True)["id"]
    preset = alice.emit("preset", {"action": "save", "name": "private"}, callback=True)["preset"]["id"]
    page = post_form(a, "/account/tokens", {"name": "alices script"}, form_page="/account").text
    secret = re.search(r"<code>(gct_[^<]+)</code>", page).group(1)
    token = re.search(r'<tr data-id="([^"]+)"><td>alices script', a.get("/account").text).group(1)
    _, bob_secret = app.extensions["gazecast.store"]["accounts"].issue_token(
        app.extensions["gazecast.store"]["accounts"].authenticate("bob", "correct horse battery").id, "bobs")
    ids = {"rec": rec, "cal": cal, "preset": preset, "token": token, "secret": secret, "bob_secret": bob_secret}
    yield app, a, b, alice, bob, ids
    alice.disconnect()
    bob.disconnect()
    close_app(app)


GETS = ["/recordings/{rec}", "/recordings/{rec}/heatmap.png", "/recordings/{rec}/scanpath.png",
        "/recordings/{rec}/timeline.png", "/recordings/{rec}/export.csv", "/recordings/{rec}/export.json",
        "/recordings/{rec}/export.csv?what=events", "/recordings/{rec}/replay.mp4", "/api/recordings/{rec}",
        "/api/recordings/{rec}/samples?format=csv", "/api/recordings/{rec}/samples?format=json",
        "/api/recordings/{rec}/events", "/api/calibrations/{cal}"]
POSTS = [("/recordings/{rec}/rename", {"name": "mine now"}), ("/recordings/{rec}/frame", {"frame_at": "3"}),
         ("/recordings/{rec}/delete", {"confirm": "y"}), ("/account/tokens/{token}/revoke", {}),
         ("/account/calibrations/{cal}/delete", {})]
EVENTS = [("replay", {"id": "{rec}"}), ("calibrations", {"action": "load", "id": "{cal}"}),
          ("calibrations", {"action": "delete", "id": "{cal}"}), ("preset", {"action": "load", "id": "{preset}"}),
          ("preset", {"action": "delete", "id": "{preset}"}), ("preset", {"action": "load", "name": "private"}),
          ("record", {"action": "start", "calibration_id": "{cal}"})]


def test_another_users_objects_are_not_found_anywhere(world):
    app, a, b, alice, bob, ids = world
    heard = {m["name"] for m in bob.get_received()}
    assert not heard & {"recording", "replay"}, heard  # Alice's progress went to her pages only
    fill = lambda text: text.format(**ids)  # noqa: E731
    for path in GETS:
        assert b.get(fill(path)).status_code == 404, path
        assert b.get(fill(path), headers={"Authorization": f"Bearer {ids['bob_secret']}"}).status_code == 404, path
    for path, data in POSTS:
        assert b.post(fill(path), data={**data, "csrf_token": csrf_token(b, "/account")}).status_code == 404, path
    assert b.delete(fill("/api/recordings/{rec}"), headers={"X-CSRFToken": csrf_token(b, "/account")}).status_code == 404
    assert app.test_client().delete(fill("/api/recordings/{rec}"),
                                    headers={"Authorization": f"Bearer {ids['bob_secret']}"}).status_code == 404
    for event, payload in EVENTS:
        ack = bob.emit(event, {k: fill(v) if isinstance(v, str) else v for k, v in payload.items()}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found", (event, payload, ack)
    # Bob's own lists show none of it
    assert b.get("/api/recordings").json == {"recordings": []} and ids["rec"] not in b.get("/recordings").text
    assert b.get("/api/calibrations").json == {"calibrations": []} and "alices script" not in b.get("/account").text
    assert bob.emit("preset", {"action": "list"}, callback=True)["mine"] == []
    assert bob.emit("preset", {"action": "list"}, callback=True)["shared"] == []
    # and Alice's are all still there, unchanged
    rec = a.get(fill("/api/recordings/{rec}")).json["recording"]
    assert rec["name"] != "mine now" and rec["samples"] == 10
    assert a.get(fill("/api/recordings/{rec}/samples?format=csv")).text.count("\n") == 11
    assert a.get(fill("/api/calibrations/{cal}")).status_code == 200
    assert alice.emit("preset", {"action": "load", "id": ids["preset"]}, callback=True)["ok"]
    assert app.test_client().get("/api/recordings", headers={"Authorization": f"Bearer {ids['secret']}"}).json[
        "recordings"][0]["id"] == ids["rec"]


def test_ids_in_urls_are_random_not_sequential(world):
    app, a, b, alice, bob, ids = world
    recs = []
    for _ in range(3):
        alice.emit("record", {"action": "start"}, callback=True)
        recs.append(alice.emit("record", {"action": "stop"}, callback=True)["id"])
    for value in recs + [ids["cal"], ids["preset"], ids["token"]]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", value) and not value.isdigit()
    assert len(set(recs)) == 3 and len({r[:6] for r in recs}) == 3  # no shared prefix: not a counter
