"""The renderer's images agree with its labels and geometry."""
import json

import cv2
import numpy as np
import pytest

from gaze.geometry import DEFAULT_SCREEN, angles_to_vector, vector_to_angles
from gaze.synth import EyeParams, make_batch, make_test_track, render_clip, render_eye_patch
from gaze.synth.clip import HEAD_MM, track_angles

BRIGHT = dict(skin=(200, 215, 240), iris=(150, 110, 60), level=1.0, lash=0.0)


def _pupil(yaw=0.0, pitch=0.0, pupil_mm=4.0, openness=1.0):
    """Return (dark pixel count, centroid x, centroid y) of a large clean render."""
    img = render_eye_patch(EyeParams(yaw=yaw, pitch=pitch, pupil_mm=pupil_mm, openness=openness, **BRIGHT),
                           (144, 240), 6.0)
    dark = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) < 25
    ys, xs = np.nonzero(dark)
    return dark.sum(), (xs.mean() if len(xs) else None), (ys.mean() if len(ys) else None)


def test_pupil_moves_with_yaw_to_image_left():
    _, x_right, _ = _pupil(yaw=20)
    _, x_centre, _ = _pupil(yaw=0)
    _, x_left, _ = _pupil(yaw=-20)
    assert x_right < x_centre - 20 < x_left - 40  # subject's right is image left


def test_pupil_moves_up_with_pitch():
    _, _, y_up = _pupil(pitch=15)
    _, _, y_down = _pupil(pitch=-15)
    assert y_up < y_down - 20


def test_pupil_area_grows_with_diameter():
    a3, _, _ = _pupil(pupil_mm=3.0)
    a6, _, _ = _pupil(pupil_mm=6.0)
    assert 3.0 < a6 / a3 < 5.0  # area ~ diameter squared


def test_closed_eye_shows_no_pupil():
    area, _, _ = _pupil(openness=0.0)
    assert area == 0


def test_batches_are_seeded():
    a, b, c = make_batch(8, seed=3), make_batch(8, seed=3), make_batch(8, seed=4)
    assert a.images.shape == (8, 36, 60) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and np.array_equal(a.yaw, b.yaw)
    assert not np.array_equal(a.yaw, c.yaw)


def test_standard_track_has_targets_blinks_and_pupil_change():
    tr = make_test_track(fps=15)
    calib = [e for e in tr if e["segment"] == "calibration"]
    assert len(calib) == 9 * 15 and len({tuple(e["target"]) for e in calib}) == 9
    for e in tr[::20]:  # the 2-D renderer's eye angles look from the head at the target on the screen
        assert DEFAULT_SCREEN.point(HEAD_MM, angles_to_vector(*track_angles(e))) == pytest.approx((e["x"], e["y"]))
    starts = sum(1 for a, b in zip(tr, tr[1:]) if b["blink"] and not a["blink"])
    assert starts == 3
    free = [e for e in tr if e["segment"] == "free"]
    assert free[0]["pupil_mm"] == 3.0 and free[-1]["pupil_mm"] == 6.0


def test_render_clip_writes_mjpeg_and_track(tmp_path):
    tr = make_test_track()[:4]
    json_path = render_clip(tmp_path / "clip.mjpeg", tr)
    data = (tmp_path / "clip.mjpeg").read_bytes()
    assert data.count(b"\xff\xd8\xff") == 4
    first = cv2.imdecode(np.frombuffer(data[:data.index(b"\xff\xd9") + 2], np.uint8), cv2.IMREAD_COLOR)
    assert first.shape == (480, 640, 3)
    meta = json.loads(json_path.read_text())
    assert len(meta["frames"]) == 4 and len(meta["frames"][0]["face"]) == 4


def test_render_clip_writes_y4m(tmp_path):
    render_clip(tmp_path / "clip.y4m", make_test_track()[:2])
    data = (tmp_path / "clip.y4m").read_bytes()
    assert data.startswith(b"YUV4MPEG2 W640 H480") and data.count(b"FRAME\n") == 2
    assert len(data) > 2 * 640 * 480 * 3 // 2
