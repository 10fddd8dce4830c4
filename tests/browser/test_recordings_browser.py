"""End to end in Chromium with a fake-webcam face that looks where /calibrate shows its dots: register,
calibrate (kept in the account), record 10 s of camera gaze from the viewer, stop, open the recording and
see its heatmap load."""
import time

from tests.browser.conftest import launch
from tests.browser.test_camera_gaze import DWELL_MS, page_clip  # noqa: F401  a face that follows /calibrate's dots
from tests.support import Server


def test_register_calibrate_record_and_open_the_recording(page_clip, tmp_path):  # noqa: F811
    path, _ = page_clip
    server = Server("--size", "640x360", log_path=tmp_path / "server.log")
    try:
        with launch(f"--use-file-for-fake-video-capture={path}") as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/register")
            page.fill("input[name=username]", "ada")
            page.fill("input[name=password]", "correct horse battery")
            page.click("#submit")
            page.wait_for_url("**/recordings")
            assert page.locator("#who").inner_text() == "ada"

            page.goto(server.url + f"/calibrate?dwell={DWELL_MS}")
            page.select_option("#points", "9")
            page.click("#start")
            page.wait_for_function("window.gazecastSaved !== undefined", timeout=90000)
            assert page.evaluate("window.gazecastSaved.ok"), page.evaluate("window.gazecastSaved")
            assert "Kept in your account" in page.locator("#report").inner_text()

            page.goto(server.url + "/")
            page.wait_for_function("document.getElementById('conn').textContent === 'connected'", timeout=30000)
            page.click("#camera")
            page.wait_for_function("window.gazecastSamples.length > 10", timeout=30000)
            page.click("#record")
            page.wait_for_function("window.gazecastRecord && window.gazecastRecord.ok", timeout=15000)
            time.sleep(10)
            indicator = page.locator("#rec-indicator").inner_text()
            page.screenshot(path=str(tmp_path / "viewer-recording.png"))
            page.click("#record")
            page.wait_for_selector("#rec-samples", timeout=20000)
            stored = int(page.locator("#rec-samples").inner_text())

            page.click("#rec-link")
            page.wait_for_function("document.getElementById('heatmap').complete && "
                                   "document.getElementById('heatmap').naturalWidth > 0", timeout=60000)
            for picture in ("timeline", "scanpath"):
                page.wait_for_function(f"document.getElementById('{picture}').naturalWidth > 0", timeout=60000)
            heatmap_width = page.evaluate("document.getElementById('heatmap').naturalWidth")
            page.screenshot(path=str(tmp_path / "recording.png"), full_page=True)
            page.goto(server.url + "/recordings")
            listing = page.locator("#recordings").inner_text()
            page.screenshot(path=str(tmp_path / "recordings.png"), full_page=True)
            assert not errors, errors
    finally:
        server.stop()
    print("screenshots in", tmp_path)
    assert indicator.startswith("recording 0:1") and "samples" in indicator, indicator
    assert stored > 50, f"only {stored} camera samples in 10 s"
    assert heatmap_width == 960
    assert f"{stored:,}" in listing and "°" in listing  # the count, and the calibration's accuracy


def test_mouse_gaze_recorded_from_the_viewer_shows_on_the_recording_page(page, server, tmp_path):
    page.goto(server.url + "/register")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#submit")
    page.goto(server.url + "/")
    page.wait_for_function("document.getElementById('conn').textContent === 'connected'", timeout=30000)
    box = page.locator("#stream").bounding_box()
    page.click("#record")
    page.wait_for_function("window.gazecastRecord && window.gazecastRecord.ok", timeout=15000)
    moves = 0
    for fx, fy, seconds in ((0.3, 0.35, 2.5), (0.72, 0.3, 1.5), (0.55, 0.75, 1.0), (0.3, 0.36, 1.0)):
        end = time.monotonic() + seconds
        while time.monotonic() < end:  # a resting hand: a pixel or two of jitter
            page.mouse.move(box["x"] + fx * box["width"] + moves % 3, box["y"] + fy * box["height"] + moves % 2)
            moves += 1
            time.sleep(0.03)
    page.click("#record")
    page.wait_for_selector("#rec-samples", timeout=20000)
    stored = int(page.locator("#rec-samples").inner_text())
    page.click("#rec-link")
    for picture in ("heatmap", "scanpath", "timeline"):
        page.wait_for_function(f"document.getElementById('{picture}').naturalWidth > 0", timeout=60000)
    fixations = int(page.locator("#stats tr:first-child td:nth-of-type(1)").inner_text())
    page.screenshot(path=str(tmp_path / "recording-mouse.png"), full_page=True)
    page.goto(server.url + "/recordings")
    page.screenshot(path=str(tmp_path / "recordings-mouse.png"))
    print("screenshots in", tmp_path)
    assert stored >= moves * 0.9  # at most one gaze in flight: a few moves may merge, none is lost
    assert fixations >= 4
