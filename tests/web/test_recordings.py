"""Recording over Socket.IO into the database, and the pages, pictures and exports of a recording."""
import csv
import io
import json
import time

import cv2
import numpy as np
import pytest

from tests.web.conftest import build_app, close_app
from tests.web.users import post_form, register
from web import socketio

# a gaze.calibration.Calibration.to_dict() of this gaze package (keep in step with it: the server loads it to check)
GOOD_FIT = {"version": 2, "degree": 1, "coef": [[0.01, -0.02], [0.1, 0.0], [0.0, 0.1]], "screen_mm": [530, 300]}
GOOD_REPORT = {"accuracy_px": 40.0, "accuracy_deg": 1.25, "precision_rms_px": 5.0, "precision_rms_deg": 0.2,
               "n_targets": 5}


def connect(app, client):
    sio = socketio.test_client(app, flask_test_client=client)
    sio.get_received()
    return sio


def record(sio, points, pause: float = 0.0) -> dict:
    """Record mouse gaze at the given points; return the stop ack."""
    assert sio.emit("record", {"action": "start"}, callback=True)["ok"]
    for x, y in points:
        assert sio.emit("gaze", {"x": x, "y": y}, callback=True) == {"ok": True}
        if pause:
            time.sleep(pause)
    return sio.emit("record", {"action": "stop"}, callback=True)


@pytest.fixture
def app(tmp_path):
    """Recordings of 300 samples sent at once: the per-connection gaze rate (tested in tests/abuse) is raised."""
    app = build_app(tmp_path, gaze_rate=100000.0)
    yield app
    close_app(app)


@pytest.fixture
def alice(app, client):
    register(client, "alice")
    sio = connect(app, client)
    yield sio
    sio.disconnect()


def test_every_sample_is_stored_and_the_exports_parse_back_to_them(client, alice):
    rng = np.random.default_rng(1)
    points = [(float(x), float(y)) for x, y in rng.random((300, 2))]
    ack = record(alice, points)
    assert ack["ok"] and ack["samples"] == 300 and ack["dropped"] == 0
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/recordings/{ack['id']}/samples?format=csv").text)))
    assert [(float(r["x"]), float(r["y"])) for r in rows] == points  # exact: floats are written with repr
    assert [int(r["seq"]) for r in rows] == list(range(300)) and {r["source"] for r in rows} == {"mouse"}
    data = json.loads(client.get(f"/api/recordings/{ack['id']}/samples?format=json").text)
    assert [(s["x"], s["y"]) for s in data["samples"]] == points
    assert data["recording"]["samples"] == 300 and data["recording"]["status"] == "stopped"
    times = [s["t"] for s in data["samples"]]
    assert times == sorted(times) and 0 <= times[0] < times[-1] <= data["recording"]["duration"] + 0.01


def test_mouse_gaze_gets_fixations_and_saccades(client, alice):
    dwell = [(0.2, 0.3)] * 12 + [(0.7, 0.6)] * 12 + [(0.4, 0.8)] * 12
    ack = record(alice, dwell, pause=0.02)
    events = json.loads(client.get(f"/api/recordings/{ack['id']}/events").text)["events"]
    fixations = [(round(e["x"], 3), round(e["y"], 3)) for e in events if e["type"] == "fixation"]
    assert fixations == [(0.2, 0.3), (0.7, 0.6), (0.4, 0.8)]  # the last one closed by the stop
    saccades = [e for e in events if e["type"] == "saccade"]
    assert [(round(s["x2"], 6), round(s["y2"], 6)) for s in saccades] == [(0.7, 0.6), (0.4, 0.8)]
    csv_rows = list(csv.DictReader(io.StringIO(client.get(f"/api/recordings/{ack['id']}/events?format=csv").text)))
    assert [r["type"] for r in csv_rows] == [e["type"] for e in events]


def test_the_indicator_gets_the_count_every_second_on_every_page_of_the_user(app, client, alice):
    panel = connect(app, client)  # the control panel of the same user on the same channel
    assert panel.emit("record", {"action": "start"}, callback=True)["ok"]
    for i in range(30):
        alice.emit("gaze", {"x": 0.5, "y": i / 30}, callback=True)  # the viewer's gaze goes into it
    time.sleep(1.3)
    pushed = [m["args"][0] for m in panel.get_received() if m["name"] == "recording"]
    assert pushed and pushed[-1]["samples"] == 30 and pushed[-1]["running"] and pushed[-1]["duration"] > 1.0
    assert alice.emit("record", {"action": "status"}, callback=True)["recording"]["samples"] == 30
    assert panel.emit("record", {"action": "stop"}, callback=True)["samples"] == 30
    assert [m["args"][0]["running"] for m in alice.get_received() if m["name"] == "recording"][-1] is False
    panel.disconnect()


def test_another_users_gaze_on_the_channel_is_not_in_my_recording(app, client, alice):
    other = app.test_client()
    register(other, "bob")
    bob = connect(app, other)
    assert alice.emit("record", {"action": "start"}, callback=True)["ok"]
    for _ in range(10):
        bob.emit("gaze", {"x": 0.9, "y": 0.9}, callback=True)
    alice.emit("gaze", {"x": 0.1, "y": 0.1}, callback=True)
    assert alice.emit("record", {"action": "stop"}, callback=True)["samples"] == 1
    bob.disconnect()


def test_external_batches_are_checked_whole(client, alice):
    assert alice.emit("record", {"action": "start"}, callback=True)["ok"]
    good = [{"x": 0.1 * i, "y": 0.5, "t": 100 + i / 120} for i in range(5)]
    assert alice.emit("record", {"action": "samples", "samples": good}, callback=True)["samples"] == 5
    bad = good[:2] + [{"x": 0.5, "y": "middle", "t": 101}]
    ack = alice.emit("record", {"action": "samples", "samples": bad}, callback=True)
    assert ack["error"]["code"] == "bad_sample" and "sample 2" in ack["error"]["message"]
    shuffled = list(reversed(good))
    assert alice.emit("record", {"action": "samples", "samples": shuffled}, callback=True)["error"]["code"] == "bad_sample"
    assert alice.emit("record", {"action": "stop"}, callback=True)["samples"] == 5


def test_the_list_and_the_page_of_a_recording(client, alice):
    ack = record(alice, [(0.5, 0.5)] * 20, pause=0.01)
    listing = client.get("/recordings").text
    assert f'data-id="{ack["id"]}"' in listing and ">20<" in listing and "uncalibrated" in listing
    page = client.get(f"/recordings/{ack['id']}").text
    for element in ('id="heatmap"', 'id="scanpath"', 'id="timeline"', 'id="stats"', "Samples CSV", 'id="replay"'):
        assert element in page


def test_pictures_are_rendered_once_then_cached_and_revalidated(client, alice):
    rec = record(alice, [(0.3, 0.3)] * 10 + [(0.6, 0.6)] * 10, pause=0.01)["id"]
    for kind in ("heatmap", "scanpath", "timeline"):
        first = client.get(f"/recordings/{rec}/{kind}.png")
        assert first.status_code == 200 and first.headers["X-Cache"] == "miss" and first.data[:4] == b"\x89PNG"
        assert first.headers["Cache-Control"] == "private, no-cache"
        second = client.get(f"/recordings/{rec}/{kind}.png")
        assert second.headers["X-Cache"] == "hit" and second.data == first.data
        etag = first.headers["ETag"]
        assert client.get(f"/recordings/{rec}/{kind}.png", headers={"If-None-Match": etag}).status_code == 304
    etag = client.get(f"/recordings/{rec}/heatmap.png").headers["ETag"]
    post_form(client, f"/recordings/{rec}/rename", {"name": "renamed"}, form_page=f"/recordings/{rec}")
    assert client.get(f"/recordings/{rec}/heatmap.png", headers={"If-None-Match": etag}).status_code == 304
    post_form(client, f"/recordings/{rec}/frame", {"frame_at": "2.5"}, form_page=f"/recordings/{rec}")
    changed = client.get(f"/recordings/{rec}/heatmap.png", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and changed.headers["X-Cache"] == "miss"


def test_the_heatmap_is_hottest_where_the_gaze_dwelt(tmp_path):
    grey = tmp_path / "grey.png"
    cv2.imwrite(str(grey), np.full((360, 640, 3), 128, np.uint8))
    app = build_app(tmp_path, source=str(grey))
    try:
        client = app.test_client()
        register(client, "carol")
        sio = connect(app, client)
        assert sio.emit("record", {"action": "start"}, callback=True)["ok"]
        dwell = [{"x": 0.25, "y": 0.7, "t": i / 30} for i in range(90)]  # 3 s here
        glances = [{"x": 0.8, "y": 0.2, "t": 3 + i / 30} for i in range(10)]  # a third of a second there
        assert sio.emit("record", {"action": "samples", "samples": dwell + glances}, callback=True)["ok"]
        rec = sio.emit("record", {"action": "stop"}, callback=True)["id"]
        png = client.get(f"/recordings/{rec}/heatmap.png").data
        sio.disconnect()
    finally:
        close_app(app)
    picture = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    change = cv2.GaussianBlur(np.abs(picture - picture[5, 5]).sum(axis=2), (0, 0), 5)  # the corner is cold
    y, x = np.unravel_index(np.argmax(change), change.shape)
    h, w = change.shape
    assert abs(x / w - 0.25) < 0.03 and abs(y / h - 0.7) < 0.03, (x / w, y / h)
    assert change[int(0.2 * h), int(0.8 * w)] < change[y, x]


def test_deleting_needs_confirmation_and_removes_the_samples(client, alice):
    rec = record(alice, [(0.5, 0.5)] * 5)["id"]
    refused = post_form(client, f"/recordings/{rec}/delete", {}, form_page=f"/recordings/{rec}")
    assert refused.status_code == 400 and "tick the box" in refused.text
    assert client.get(f"/api/recordings/{rec}").status_code == 200
    done = post_form(client, f"/recordings/{rec}/delete", {"confirm": "y"}, form_page=f"/recordings/{rec}")
    assert done.status_code == 302
    assert client.get(f"/api/recordings/{rec}").status_code == 404
    assert client.get(f"/api/recordings/{rec}/samples").status_code == 404


def test_presets_save_load_and_share_by_name(app, client, alice):
    alice.emit("control", {"effect": "lens", "enabled": True, "params": {"zoom": 3.0}}, callback=True)
    saved = alice.emit("preset", {"action": "save", "name": "magnify", "shared": True}, callback=True)
    assert saved["ok"] and saved["preset"]["chain"][1]["params"]["zoom"] == 3.0
    assert alice.emit("preset", {"action": "save", "name": ""}, callback=True)["error"]["code"] == "too_short"
    alice.emit("control", {"effect": "lens", "enabled": False}, callback=True)
    other = app.test_client()
    register(other, "bob")
    bob = connect(app, other)
    assert bob.emit("preset", {"action": "list"}, callback=True)["shared"][0]["owner"] == "alice"
    loaded = bob.emit("preset", {"action": "load", "name": "magnify"}, callback=True)
    lens = next(e for e in loaded["state"]["effects"] if e["name"] == "lens")
    assert lens["enabled"] and lens["params"]["zoom"] == 3.0
    assert "lens" in [spec.name for spec, _ in app.extensions["gazecast"].get("main").effects.active()]
    assert bob.emit("preset", {"action": "delete", "id": saved["preset"]["id"]}, callback=True)["error"]["code"] \
        == "not_found"
    bob.disconnect()


def test_calibrations_are_kept_and_offered_to_any_browser(app, client, alice):
    saved = alice.emit("calibrations", {"action": "save", "calibration": GOOD_FIT, "report": GOOD_REPORT,
                                        "points": 9}, callback=True)
    assert saved["ok"] and saved["report"]["accuracy_deg"] == 1.25
    bad = alice.emit("calibrations", {"action": "save", "calibration": {"degree": 1}, "report": GOOD_REPORT,
                                      "points": 9}, callback=True)
    assert bad["error"]["code"] == "bad_calibration"
    another_browser = app.test_client()
    post_form(another_browser, "/login", {"username": "alice", "password": "correct horse battery"})
    latest = another_browser.get("/api/calibrations/latest").json
    assert latest["id"] == saved["id"] and latest["calibration"] == GOOD_FIT
    page = another_browser.get("/account").text
    assert "1.25°" in page and "0.20°" in page
    ack = alice.emit("record", {"action": "start", "calibration_id": saved["id"]}, callback=True)
    rec = alice.emit("record", {"action": "stop"}, callback=True)["id"]
    assert ack["ok"] and "1.25°" in client.get("/recordings").text and rec


def test_the_page_renders_a_replay_in_the_background_with_progress(client, alice, tmp_path):
    rec = record(alice, [(0.2 + i / 100, 0.5) for i in range(40)], pause=0.02)["id"]
    job = alice.emit("replay", {"id": rec}, callback=True)
    assert job["ok"] and job["job"]["state"] == "running"
    updates, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline and not (updates and updates[-1]["state"] != "running"):
        updates += [m["args"][0] for m in alice.get_received() if m["name"] == "replay"]
        time.sleep(0.2)
    assert updates[-1]["state"] == "done", updates[-1]
    assert any(u["state"] == "running" and u["done"] > 0 for u in updates)  # progress came before the end
    video = client.get(updates[-1]["url"])
    data = video.data
    video.close()  # send_file's file
    assert video.status_code == 200 and video.mimetype == "video/mp4" and data[4:8] == b"ftyp"
    assert 'id="replay-link" href' in client.get(f"/recordings/{rec}").text
