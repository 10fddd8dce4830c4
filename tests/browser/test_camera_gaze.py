"""End to end: a photograph the model never trained on, its eyes repainted to follow a known track, is
Chromium's webcam; the page's gaze follows the track.

Each clip frame carries its index as a barcode, so a page knows which frame it sent. The first test
drives the server's calibration with the clip's own calibration segment (as a user fixating the
targets would) and scores the pursuit that follows. The second uses the app's own /calibrate page
with a clip that looks where the page shows its dots, then the viewer's camera mode.
"""
import json

import numpy as np
import pytest

from gaze.synth.clip import make_page_track, make_test_track, render_photo_clip
from tests.browser.conftest import launch
from tests.support import Server

BITS, BLOCK, Y0 = 10, 16, 480 - 24  # barcode: guard white + guard black + 10 bits, 16 px blocks
DWELL_MS = 1500


def barcode(img, i):
    """Stamp frame index i into the bottom-left corner."""
    for k, bit in enumerate([1, 0] + [(i >> b) & 1 for b in range(BITS)]):
        img[Y0:Y0 + BLOCK, k * BLOCK:(k + 1) * BLOCK] = 255 if bit else 0


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    track = make_test_track()
    path = tmp_path_factory.mktemp("clip") / "face.y4m"
    render_photo_clip(path, track, stamp=barcode)
    return path, track


@pytest.fixture(scope="module")
def page_clip(tmp_path_factory):
    track = make_page_track(dwell_s=DWELL_MS / 1000)
    path = tmp_path_factory.mktemp("page-clip") / "face.y4m"
    render_photo_clip(path, track, stamp=barcode)
    return path, track


HARNESS = """
async ([track, bits, block, y0]) => {
  const decode = (canvas) => {
    const px = canvas.getContext("2d").getImageData(0, y0, (bits + 2) * block, block).data;
    const bit = (k) => { const o = 4 * ((block >> 1) * (bits + 2) * block + k * block + (block >> 1)); return px[o + 1] > 128 ? 1 : 0; };
    if (bit(0) !== 1 || bit(1) !== 0) return -1;
    let i = 0; for (let b = 0; b < bits; b++) i |= bit(b + 2) << b; return i;
  };
  const frameAt = new Map(), phaseAt = new Map(), results = [];
  let phase = "wait", last = -1, target = null, done, fitting = null;
  const finished = new Promise((r) => { done = r; });
  const call = (payload) => gazecast.request("calibration", payload);
  await call({ action: "start", points: 9 });
  const cam = new GazeCamera({ loadCalibration: false,
    onCapture: (canvas, t) => {
      const i = decode(canvas); frameAt.set(t, i); phaseAt.set(t, phase);
      if (i < 0 || i >= track.length) return;
      const e = track[i];
      if (phase === "wait" && i < last) phase = "calibrate";           // the clip looped: start at frame 0
      if (phase === "calibrate" && e.segment === "calibration" && (!target || target[0] !== e.target[0] || target[1] !== e.target[1])) {
        target = e.target; call({ action: "target", x: target[0], y: target[1], t });
      }
      if (phase === "calibrate" && e.segment === "free") { phase = "free"; fitting = call({ action: "fit" }); }
      if (phase === "free" && i < last) { phase = "end"; done(); }
      last = i;
    },
    onAck: (ack, t) => { results.push({ i: frameAt.get(t), phase: phaseAt.get(t), ack }); },
  });
  const t0 = performance.now();
  await cam.start();
  await finished;
  cam.stop();
  const fit = await fitting;
  return { fit, results, sent: cam.sent, skipped: cam.skipped, frames: cam.frames,
           seconds: (performance.now() - t0) / 1000 };
}
"""


def test_page_gaze_follows_the_clip(clip, tmp_path):
    path, track = clip
    server = Server("--size", "640x360", log_path=tmp_path / "server.log")
    try:
        with launch(f"--use-file-for-fake-video-capture={path}") as browser:
            page = browser.new_page()
            page.goto(server.url + "/")
            page.wait_for_function("document.getElementById('conn').textContent === 'connected'", timeout=30000)
            out = page.evaluate(HARNESS, [track, BITS, BLOCK, Y0])
            page.screenshot(path=str(tmp_path / "camera.png"))
    finally:
        server.stop()
    (tmp_path / "results.json").write_text(json.dumps(out))
    assert out["fit"]["ok"], out["fit"]
    # each camera frame is sent once (or skipped while two are unanswered), at the clip's 15 fps
    assert out["sent"] + out["skipped"] == out["frames"]
    assert out["sent"] / out["seconds"] < 16.5, out
    free = [(track[r["i"]], r["ack"]["gaze"]) for r in out["results"]
            if r["i"] is not None and 0 <= r["i"] < len(track) and r["ack"]["ok"] and r["ack"]["gaze"]
            and track[r["i"]]["segment"] == "free" and r["phase"] == "free"]  # the pass after the fit
    uncalibrated = sum(not g["extra"]["calibrated"] for _, g in free)
    assert uncalibrated <= 4, uncalibrated  # only frames sent before the fit's ack came back
    free = [(e, g) for e, g in free if g["extra"]["calibrated"]]
    assert len(free) > 100, f"only {len(free)} samples from the free segment"
    open_ = [(e, g) for e, g in free if not e["blink"]]
    for axis in ("x", "y"):
        truth, got = np.array([e[axis] for e, _ in open_]), np.array([g[axis] for _, g in open_])
        r, err = np.corrcoef(truth, got)[0, 1], np.abs(truth - got).mean()
        print(f"{axis}: r {r:.3f}, mean error {err:.3f} of the screen over {len(open_)} samples")
        assert r >= 0.95 and err <= 0.05, (axis, r, err)
    # every blink is caught, and open eyes are not taken for blinks
    blinks = [[e["i"] for e in track if e["blink"] and abs(e["t"] - t0) < 0.5] for t0 in
              sorted({round(e["t"]) for e in track if e["blink"]})]
    caught = {e["i"] for e, g in free if g["blink"]}
    assert all(set(b) & caught for b in blinks), (blinks, sorted(caught))
    false = sum(g["blink"] for e, g in open_ if e["openness"] == 1.0)
    assert false <= 0.02 * len(open_), false
    pupil = [abs(g["pupil_mm"] - e["pupil_mm"]) for e, g in open_ if e["openness"] == 1.0]
    assert np.median(pupil) <= 0.3, np.median(pupil)


def test_calibration_page_then_the_viewer_camera(page_clip, tmp_path):
    path, track = page_clip
    server = Server("--size", "640x360", log_path=tmp_path / "server.log")
    errors = []
    try:
        with launch(f"--use-file-for-fake-video-capture={path}") as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + f"/calibrate?dwell={DWELL_MS}")
            page.select_option("#points", "9")
            page.click("#start")
            page.wait_for_function("window.gazecastReport !== undefined", timeout=90000)
            report = page.evaluate("window.gazecastReport")
            page.screenshot(path=str(tmp_path / "calibrate.png"))
            assert "error" not in report, report
            assert report["n_targets"] == 5 and report["quality"] in ("good", "fair"), report
            assert 0 <= report["accuracy_deg"] <= 3.5 and report["precision_rms_deg"] < 3.0
            assert "accuracy" in page.locator("#report").inner_text()
            saved = json.loads(page.evaluate("localStorage.getItem('gazecast.calibration')"))
            assert saved["version"] == 2 and len(saved["screen_mm"]) == 2

            page.goto(server.url + "/")
            page.click("#camera")
            page.wait_for_function("window.gazecastSamples.length > 30", timeout=40000)
            assert page.locator("#source").inner_text() == "camera"
            assert "pupil" in page.locator("#eye").inner_text()
            assert page.locator("#rtt").inner_text().startswith("round trip ") and "–" not in page.locator("#rtt").inner_text()
            assert page.locator("#dot").is_visible()
            samples = page.evaluate("window.gazecastSamples")
            rect = page.evaluate("viewRect(document.getElementById('stream'))")
            page.screenshot(path=str(tmp_path / "viewer-camera.png"))
            page.click("#camera")  # stop: acks of frames still in flight must not throw
            page.wait_for_timeout(800)
            assert page.locator("#source").inner_text() == "mouse"
            health = server.get_json("/healthz")["channels"]["main"]
            icon = page.request.get(server.url + "/favicon.ico")
            assert icon.ok and icon.headers["content-type"].startswith("image/")
    finally:
        server.stop()
    assert not errors, errors
    assert all(s["source"] == "cnn" and s["extra"]["calibrated"] for s in samples[-10:])
    # the window point is mapped into the video's rectangle on the page
    left, top, w, h = rect
    for s in samples[-10:]:
        wx, wy = s["extra"]["window"]
        assert s["x"] == pytest.approx(min(1, max(0, (wx - left) / w)), abs=1e-6)
        assert s["y"] == pytest.approx(min(1, max(0, (wy - top) / h)), abs=1e-6)
    assert health["rerenders"] > 0  # the camera's gaze re-rendered the stream
