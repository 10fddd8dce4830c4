"""Face mesh landmarks on real photographs: found, in the right places, tracked, released."""
import numpy as np
import pytest

from gaze.face_model import EYE_CORNERS, IRIS
from gaze.landmarks import FaceLandmarker
from gaze.synth.photos import Placement, place


@pytest.mark.parametrize("photo", ["astronaut", "hopper"])
def test_landmarks_on_a_real_photograph(photo):
    lm = FaceLandmarker(tracking=False)
    frame = place(photo, Placement(ipd_px=90, cx=300, cy=210))
    pts = lm.locate(frame)
    lm.close()
    assert pts is not None and pts.shape == (478, 3)
    for k, (outer, inner) in enumerate(EYE_CORNERS):
        iris = pts[IRIS[k][0], :2]
        lo, hi = sorted((pts[outer, 0], pts[inner, 0]))
        assert lo < iris[0] < hi  # the iris sits between the eye's corners
    centres = [(pts[a, :2] + pts[b, :2]) / 2 for a, b in EYE_CORNERS]
    assert np.linalg.norm(centres[1] - centres[0]) == pytest.approx(90, rel=0.08)
    assert np.mean(centres, 0) == pytest.approx((300, 210), abs=6)
    assert centres[0][0] < centres[1][0]  # index 0 is the image-left eye


def test_no_face_and_tracking():
    lm = FaceLandmarker(tracking=True)
    assert lm.locate(np.full((480, 640, 3), 120, np.uint8)) is None and not lm.found_last
    frame = place("astronaut", Placement(ipd_px=85))
    first = lm.locate(frame)
    moved = lm.locate(np.roll(frame, 6, axis=1))
    assert lm.found_last
    assert (moved[:, 0] - first[:, 0]).mean() == pytest.approx(6, abs=1.5)
    lm.close()
    assert lm.mesh is None
