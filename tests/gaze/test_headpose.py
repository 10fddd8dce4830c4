"""Head pose: exact on projected model points; sign and size of roll and turn on a real photograph."""
import numpy as np
import pytest

from gaze.face_model import EYE_CENTRES_MM, POSE_POINTS
from gaze.headpose import camera_matrix, head_pose
from gaze.landmarks import FaceLandmarker
from gaze.synth.pairs import head_rotation
from gaze.synth.photos import Placement, find_face, place

K = camera_matrix(640, 480)


def test_recovers_a_known_pose_from_projected_points():
    R, t = head_rotation(20, -10, 5), np.array([30.0, 60.0, 550.0])
    pts = np.zeros((478, 3))
    from gaze.face_model import POSE_IDS
    cam = POSE_POINTS @ R.T + t
    pts[list(POSE_IDS), :2] = (cam @ K.T)[:, :2] / cam[:, 2:]
    pose = head_pose(pts, K)
    assert pose.angles() == pytest.approx((20, -10, 5), abs=0.05)
    assert pose.t == pytest.approx(t, abs=0.5)
    assert pose.eye_centres() == pytest.approx(EYE_CENTRES_MM @ R.T + t, abs=0.5)


@pytest.fixture(scope="module")
def lm():
    m = FaceLandmarker(tracking=False)
    yield m
    m.close()


@pytest.mark.parametrize("photo", ["astronaut", "hopper"])
def test_roll_of_a_photograph(lm, photo):
    base = find_face(place(photo, Placement(ipd_px=90)), lm).pose.angles()
    for roll in (-12.0, 12.0):
        got = find_face(place(photo, Placement(ipd_px=90, roll=roll)), lm).pose.angles()
        assert got[2] - base[2] == pytest.approx(roll, abs=2.0)


def test_turn_and_distance_of_a_photograph(lm):
    base = find_face(place("astronaut", Placement(ipd_px=90)), lm).pose
    yaw0, pitch0, _ = base.angles()
    right = find_face(place("astronaut", Placement(ipd_px=90, turn=30), lm), lm).pose.angles()
    left = find_face(place("astronaut", Placement(ipd_px=90, turn=-30), lm), lm).pose.angles()
    up = find_face(place("astronaut", Placement(ipd_px=90, tilt=15), lm), lm).pose.angles()
    # the face mesh re-rendered turned by 30 degrees reads as a turn of about half that (its depth is shallow)
    assert 8 < right[0] - yaw0 < 35 and -35 < left[0] - yaw0 < -8  # positive: the subject's right
    assert 4 < up[1] - pitch0 < 25  # positive: up
    far = find_face(place("astronaut", Placement(ipd_px=60)), lm).pose
    assert far.t[2] / base.t[2] == pytest.approx(90 / 60, rel=0.1)
