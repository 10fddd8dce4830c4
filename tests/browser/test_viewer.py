"""The viewer and the control panel in headless Chromium: stream, mouse gaze, live controls."""
import io
import time

import numpy as np
from PIL import Image

from tests.conftest import sharpness


def stream_pixels(page) -> np.ndarray:
    """Screenshot the stream element as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(page.locator("#stream").screenshot())).convert("RGB"))


def wait_for_stream(page):
    page.wait_for_function("document.getElementById('stream').naturalWidth > 0", timeout=30000)
    page.wait_for_function("document.getElementById('conn').textContent === 'connected'", timeout=30000)


def gaze_at(page, fx, fy, settle=1.0):
    box = page.locator("#stream").bounding_box()
    page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=4)
    time.sleep(settle)  # a few frames at the new gaze


def mean_sharpness(rgb, fx, fy):
    return np.mean([sharpness(rgb, fx + dx, fy + dy, half=20) for dx in (-0.04, 0, 0.04) for dy in (-0.05, 0.05)])


def test_viewer_streams_and_the_mouse_moves_the_fovea(page, server, tmp_path):
    page.goto(server.url + "/")
    wait_for_stream(page)
    first = stream_pixels(page)
    time.sleep(1.0)
    assert not np.array_equal(first, stream_pixels(page)), "the stream image does not update"

    gaze_at(page, 0.2, 0.5)
    page.mouse.move(0, 0)  # leave the gaze where it is, take the pointer dot out of the picture
    left = stream_pixels(page)
    page.screenshot(path=str(tmp_path / "viewer_left.png"), full_page=True)
    gaze_at(page, 0.8, 0.5)
    right = stream_pixels(page)
    page.screenshot(path=str(tmp_path / "viewer_right.png"), full_page=True)
    print("screenshots in", tmp_path)
    assert mean_sharpness(left, 0.2, 0.5) > 2 * mean_sharpness(right, 0.2, 0.5)
    assert mean_sharpness(right, 0.8, 0.5) > 2 * mean_sharpness(left, 0.8, 0.5)
    assert "round trip" in page.locator("#rtt").inner_text()


def test_control_panel_slider_changes_every_panel_and_the_stream(browser, page, server, tmp_path):
    page.goto(server.url + "/control")
    other = browser.new_page()
    other.goto(server.url + "/control")
    for pg in (page, other):
        pg.wait_for_selector("fieldset[data-effect=foveate] input[data-param=strength]", timeout=30000)
    slider = page.locator("fieldset[data-effect=foveate] input[data-param=strength]")
    slider.fill("0")  # fires input: strength 0 = no blur anywhere
    other_slider = other.locator("fieldset[data-effect=foveate] input[data-param=strength]")
    other.wait_for_function("el => Number(el.value) === 0", arg=other_slider.element_handle(), timeout=10000)
    time.sleep(1.0)
    sharp = np.asarray(Image.open(io.BytesIO(page.locator("#preview").screenshot())).convert("RGB"))
    slider.fill("5")
    other.wait_for_function("el => Number(el.value) === 5", arg=other_slider.element_handle(), timeout=10000)
    time.sleep(1.0)
    blurred = np.asarray(Image.open(io.BytesIO(page.locator("#preview").screenshot())).convert("RGB"))
    page.screenshot(path=str(tmp_path / "control.png"), full_page=True)
    # a boolean parameter is a checkbox, and the other panel follows it too
    page.check("fieldset[data-effect=scotoma] input[data-param=peripheral]")
    other.wait_for_function(
        "() => document.querySelector('fieldset[data-effect=scotoma] input[data-param=peripheral]').checked",
        timeout=10000)
    assert other.locator("fieldset[data-effect=scotoma] input[data-param=peripheral] + output").inner_text() == "on"
    other.close()
    assert mean_sharpness(sharp, 0.85, 0.85) > 2 * mean_sharpness(blurred, 0.85, 0.85)
    # the panel says how the channel renders: foveate alone takes the CPU twin on llvmpipe, and an
    # effect without a twin renders through GL after it
    gl = server.get_json("/healthz")["devices"]["gl"]
    alone, mixed = ("cpu", "mixed") if gl["software"] else ("gl", "gl")
    page.wait_for_function(f"() => document.getElementById('pipeline').dataset.path === '{alone}'", timeout=10000)
    assert ("rendered by CPU twin" if gl["software"] else "rendered by GL") in page.locator("#pipeline").inner_text()
    page.check("fieldset[data-effect=tint] input.enabled")  # a custom effect has no CPU twin
    page.wait_for_function(f"() => document.getElementById('pipeline').dataset.path === '{mixed}'", timeout=10000)
    assert (f"rendered by CPU twins (OpenCV) and GL ({gl['renderer']})" if gl["software"]
            else f"rendered by GL ({gl['renderer']})") in page.locator("#pipeline").inner_text()
    page.locator(".preview").screenshot(path=str(tmp_path / "control_pipeline.png"))
    page.uncheck("fieldset[data-effect=tint] input.enabled")  # the server is shared with later tests
    page.wait_for_function(f"() => document.getElementById('pipeline').dataset.path === '{alone}'", timeout=10000)


def test_the_viewer_reconnects_its_stream_when_the_server_comes_back(browser, tmp_path):
    """A multipart stream does not reconnect by itself: the page reloads it once Socket.IO is back."""
    from tests.support import Server, free_port

    port = free_port()
    first = Server("--size", "320x180", port=port, log_path=tmp_path / "first.log")
    context = browser.new_context(viewport={"width": 900, "height": 700})
    page = context.new_page()
    try:
        page.goto(first.url + "/")
        wait_for_stream(page)
        first.stop()
        page.wait_for_function("document.getElementById('conn').textContent === 'disconnected'", timeout=30000)
        second = Server("--size", "320x180", port=port, log_path=tmp_path / "second.log")
        try:
            deadline = time.monotonic() + 30
            while second.get_json("/healthz")["channels"]["main"]["viewers"] < 1:
                assert time.monotonic() < deadline, "the page never came back to the stream"
                time.sleep(0.5)
            before = stream_pixels(page)
            time.sleep(1.5)
            assert not np.array_equal(before, stream_pixels(page)), "the stream image does not update"
            assert "reload=" in page.evaluate("document.getElementById('stream').src")
        finally:
            second.stop()
    finally:
        context.close()
        first.stop()


def test_the_viewer_reloads_its_stream_when_the_tab_is_shown_again(page, server):
    page.goto(server.url + "/")
    wait_for_stream(page)
    assert "reload=" not in page.evaluate("document.getElementById('stream').src")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the tab is shown (it is visible)
    page.wait_for_function("document.getElementById('stream').src.includes('reload=1')", timeout=5000)
    page.wait_for_function("document.getElementById('stream').naturalWidth > 0", timeout=30000)
    before = stream_pixels(page)
    time.sleep(1.0)
    assert not np.array_equal(before, stream_pixels(page)), "the reloaded stream does not update"
