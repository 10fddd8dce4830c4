"""HTTP endpoints through Flask's test client."""
import simplejpeg


def test_effects_lists_parameters_with_ranges(client):
    effects = client.get("/api/effects").get_json()["effects"]
    foveate = next(e for e in effects if e["name"] == "foveate")
    assert {p["name"] for p in foveate["params"]} == {"radius", "strength", "falloff", "contrast"}
    assert all({"type", "min", "max", "default", "description"} <= p.keys() for p in foveate["params"])


def test_healthz_reports_devices_and_channels(client):
    h = client.get("/healthz").get_json()
    assert h["devices"]["torch"] in ("cpu", "cuda")
    assert "llvmpipe" in h["devices"]["gl"]["renderer"] or not h["devices"]["gl"]["software"]
    assert h["channels"]["main"]["viewers"] == 0
    assert "cluster" not in h  # one process, no message queue: nothing of web/cluster.py runs
    assert client.application.extensions.get("gazecast.cluster") is None


def test_snapshot_renders_a_frame_with_content(client):
    r = client.get("/snapshot/main.jpg")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    img = simplejpeg.decode_jpeg(r.data)
    assert img.shape == (180, 320, 3)
    assert img.std() > 20  # the demo, not a black frame


def test_unknown_channel_is_a_404_with_an_error_code(client):
    r = client.get("/stream/nowhere.mjpg")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_channel"
    assert client.get("/snapshot/nowhere.jpg").status_code == 404


def test_pages_load_with_the_socketio_client(client):
    for path in ("/", "/control"):
        html = client.get(path).get_data(as_text=True)
        assert "/vendor/socket.io.min.js" in html
    js = client.get("/vendor/socket.io.min.js")
    assert js.status_code == 200 and b"Socket.IO" in js.data[:400]
    js.close()
    assert client.get("/vendor/anything.js").status_code == 404


def test_metrics_are_prometheus_text_with_stage_timings(client):
    client.get("/snapshot/main.jpg")  # one frame rendered: stage timings exist
    text = client.get("/metrics").get_data(as_text=True)
    assert "# TYPE gazecast_fps gauge" in text
    assert 'gazecast_frames_total{channel="main"} 1' in text
    for stage in ("read", "upload", "render", "readback", "encode"):
        assert f'gazecast_stage_seconds{{channel="main",stage="{stage}"}}' in text
    h = client.get("/healthz").get_json()["channels"]["main"]
    path = h["render_path"]
    assert path == ("cpu" if h["gl"]["software"] else "gl")  # the default chain is foveate alone
    assert f'gazecast_render_path{{channel="main",path="{path}"}} 1' in text
    other = "gl" if path == "cpu" else "cpu"
    assert f'gazecast_render_path{{channel="main",path="{other}"}} 0' in text
