"""End to end: a rendered face clip is Chromium's webcam; the page's gaze follows the clip's known track.

Each clip frame carries its index as a barcode, so the page knows which frame it sent. The page drives
the server's calibration with the clip's own calibration segment (as a user fixating the targets
would), then the gaze samples of the free segment are compared with the clip's labels.
"""
import json

import numpy as np
import pytest

from gaze.synth.clip import default_face, frame_for, make_test_track
from gaze.synth.face import render_face
from tests.browser.conftest import launch
from tests.support import Server

BITS, BLOCK, Y0 = 10, 16, 480 - 24  # barcode: guard white + guard black + 10 bits, 16 px blocks


def barcode(img, i):
    """Stamp frame index i into the bottom-left corner."""
    for k, bit in enumerate([1, 0] + [(i >> b) & 1 for b in range(BITS)]):
        img[Y0:Y0 + BLOCK, k * BLOCK:(k + 1) * BLOCK] = 255 if bit else 0


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    import cv2

    track = make_test_track()
    face, rng = default_face(), np.random.default_rng(0)
    path = tmp_path_factory.mktemp("clip") / "face.y4m"
    with path.open("wb") as fh:
        fh.write(b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n")
        for entry in track:
            img = render_face(frame_for(entry, face), rng)
            barcode(img, entry["i"])
            fh.write(b"FRAME\n" + cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path, track


HARNESS = """
async ([track, bits, block, y0]) => {
  const decode = (canvas) => {
    const px = canvas.getContext("2d").getImageData(0, y0, (bits + 2) * block, block).data;
    const bit = (k) => { const o = 4 * ((block >> 1) * (bits + 2) * block + k * block + (block >> 1)); return px[o + 1] > 128 ? 1 : 0; };
    if (bit(0) !== 1 || bit(1) !== 0) return -1;
    let i = 0; for (let b = 0; b < bits; b++) i |= bit(b + 2) << b; return i;
  };
  const frameAt = new Map(), results = [];
  let phase = "wait", last = -1, target = null, done, fitting = null;
  const finished = new Promise((r) => { done = r; });
  const call = (payload) => gazecast.request("calibration", payload);
  await call({ action: "start", points: 9 });
  const cam = new GazeCamera({ loadCalibration: false,
    onCapture: (canvas, t) => {
      const i = decode(canvas); frameAt.set(t, i);
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
    onAck: (ack, t) => { results.push({ i: frameAt.get(t), phase_free: phase === "free", ack }); },
  });
  await cam.start();
  await finished;
  cam.stop();
  const fit = await fitting;
  return { fit, results };
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
    free = [(track[r["i"]], r["ack"]["gaze"]) for r in out["results"]
            if r["i"] is not None and 0 <= r["i"] < len(track) and r["ack"]["ok"] and r["ack"]["gaze"]
            and track[r["i"]]["segment"] == "free"]
    calibrated = [(e, g) for e, g in free if g["extra"]["calibrated"]]
    assert len(free) > 60, f"only {len(free)} samples from the free segment"
    open_ = [(e, g) for e, g in calibrated if not e["blink"] and not g["blink"]]
    for axis in ("x", "y"):
        r = np.corrcoef([e[axis] for e, _ in open_], [g[axis] for _, g in open_])[0, 1]
        print(f"{axis}: correlation {r:.3f} over {len(open_)} samples")
        assert r >= 0.9, f"{axis} correlation {r:.3f}"
    blink_frames = {e["i"] for e, _ in free if e["blink"]}
    detected = {e["i"] for e, g in free if g["blink"]}
    assert blink_frames and len(blink_frames & detected) >= len(blink_frames) // 2
    small = [g["pupil_mm"] for e, g in open_ if e["pupil_mm"] < 3.5]
    large = [g["pupil_mm"] for e, g in open_ if e["pupil_mm"] > 5.5]
    assert np.median(large) - np.median(small) > 1.5, (np.median(small), np.median(large))


def test_calibration_page_reports_and_the_viewer_camera_moves_the_dot(clip, tmp_path):
    path, _ = clip
    server = Server("--size", "640x360", log_path=tmp_path / "server.log")
    try:
        with launch(f"--use-file-for-fake-video-capture={path}") as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server.url + "/calibrate?dwell=700")
            page.select_option("#points", "5")
            page.click("#start")
            page.wait_for_function("window.gazecastReport !== undefined", timeout=60000)
            report = page.evaluate("window.gazecastReport")
            page.screenshot(path=str(tmp_path / "calibrate.png"))
            assert "error" not in report, report
            assert report["n_targets"] == 5 and report["accuracy_deg"] >= 0 and report["precision_rms_px"] >= 0
            assert "accuracy" in page.locator("#report").inner_text()
            assert page.evaluate("localStorage.getItem('gazecast.calibration')") is not None

            page.goto(server.url + "/")
            page.click("#camera")
            page.wait_for_function("window.gazecastSamples.length > 20", timeout=30000)
            assert page.locator("#source").inner_text().startswith("camera")
            assert "pupil" in page.locator("#eye").inner_text()
            assert page.locator("#dot").is_visible()
            samples = page.evaluate("window.gazecastSamples")
            page.screenshot(path=str(tmp_path / "viewer-camera.png"))
            health = server.get_json("/healthz")["channels"]["main"]
    finally:
        server.stop()
    assert all(s["source"] == "cnn" and s["extra"]["calibrated"] for s in samples[-10:])
    assert health["rerenders"] > 0  # the camera's gaze re-rendered the stream
