"""Face and eye localisation on rendered frames, with tracking between searches."""
import math

import numpy as np
import pytest

from gaze.detect import EyeCrops, EyeLocator
from gaze.synth import default_face, eye_centres, render_face


@pytest.fixture(scope="module")
def face_frame():
    f = default_face(seed=1)
    return render_face(f), f


def test_finds_face_and_eyes(face_frame):
    img, f = face_frame
    loc = EyeLocator()
    r = loc.locate(img)
    assert isinstance(r, EyeCrops) and r.searched
    assert r.crops.shape == (2, 36, 60) and r.crops.dtype == np.uint8
    for found, true in zip(r.eyes, eye_centres(f)):
        assert math.dist(found, true) < 0.2 * r.eye_width
    fx, fy, fw, fh = r.face
    assert fx < true[0] < fx + fw and fy < true[1] < fy + fh
    assert abs(r.eye_width - 28 * f.px_per_mm) < 0.2 * r.eye_width


def test_tracks_between_searches(face_frame):
    img, _ = face_frame
    loc = EyeLocator(redetect_every=5)
    first = loc.locate(img)
    moved = np.roll(img, (4, 6), axis=(0, 1))
    second = loc.locate(moved)
    assert second.method == "tracked" and not second.searched
    dx = second.eyes[0][0] - first.eyes[0][0]
    dy = second.eyes[0][1] - first.eyes[0][1]
    assert abs(dx - 6) <= 1 and abs(dy - 4) <= 1
    methods = [loc.locate(moved).searched for _ in range(5)]
    assert methods.count(True) == 1  # re-detected once every 5 frames


def test_reasons_without_a_face():
    loc = EyeLocator()
    assert loc.locate(np.full((480, 640, 3), 128, np.uint8)) == "no_face"
    assert loc.locate(np.zeros((10, 10, 3), np.uint8)) == "bad_frame"
    assert loc.locate(np.zeros((480, 640), np.uint8)) == "bad_frame"


def test_lost_face_is_searched_again(face_frame):
    img, _ = face_frame
    loc = EyeLocator()
    loc.locate(img)
    assert loc.locate(np.full_like(img, 90)) == "no_face"
    assert loc.state is None
    assert isinstance(loc.locate(img), EyeCrops)
