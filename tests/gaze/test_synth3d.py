"""The ray-cast eye, the normalised pairs and the photograph composites agree with their labels."""
import cv2
import numpy as np
import pytest

from gaze.geometry import angles_to_vector, vector_to_angles
from gaze.normalize import PATCH_H, PATCH_W
from gaze.synth.eye3d import Eye3D, render
from gaze.synth.pairs import FAMILIES, make_pairs
from gaze.synth.photos import Placement, composite_frame, find_face, place
from gaze.synth.pairs import person_ray


def _dark_centroid(img):
    grey = img.mean(-1)
    ys, xs = np.nonzero(grey < 0.08)
    return np.array([xs.mean(), ys.mean()]), len(xs)


def test_the_ray_cast_pupil_follows_the_gaze_and_its_label():
    big = dict(size=(144, 240), focal=3600.0, ss=1)
    # yaw to the subject's right: image left; pitch up: image up
    centres = {}
    for yaw, pitch in ((0, 0), (20, 0), (-20, 0), (0, 15), (0, -15)):
        img, lab = render(Eye3D(gaze=angles_to_vector(yaw, pitch), lash_n=0, pupil_r=2.0), **big)
        c, n = _dark_centroid(img)
        assert n > 50
        centres[(yaw, pitch)] = c
        label = np.array(lab["iris_px"]) + (120, 72)
        assert np.linalg.norm(c - label) < 4  # the label is where the pupil shows
    assert centres[(20, 0)][0] < centres[(0, 0)][0] - 20 < centres[(-20, 0)][0] - 40
    assert centres[(0, 15)][1] < centres[(0, 0)][1] - 10 < centres[(0, -15)][1] - 20


def test_the_ray_cast_pupil_grows_and_closed_lids_hide_it():
    big = dict(size=(144, 240), focal=3600.0, ss=1)
    _, small = _dark_centroid(render(Eye3D(pupil_r=1.2, lash_n=0), **big)[0])
    _, large = _dark_centroid(render(Eye3D(pupil_r=2.6, lash_n=0), **big)[0])
    assert 3.0 < large / small < 6.5  # area ~ diameter squared (4.7), refraction aside
    closed = render(Eye3D(openness=0.0, lash_n=0), **big)[0]
    assert (closed.mean(-1) < 0.08).sum() < 10


@pytest.mark.parametrize("family", FAMILIES)
def test_pairs_are_seeded_and_labelled(family):
    a, b = make_pairs(6, family, 3), make_pairs(6, family, 3)
    assert a.images.shape == (6, 2, PATCH_H, PATCH_W) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and np.array_equal(a.gaze, b.gaze)
    assert np.all(np.abs(a.gaze) < 70) and np.all((a.openness >= 0) & (a.openness <= 1))
    assert np.all((a.pupil > 0.15) & (a.pupil < 0.75))
    assert a.images.std() > 10  # not blank


def test_a_composite_photograph_shows_its_gaze():
    face = find_face(place("astronaut", Placement(ipd_px=100)))
    rng = np.random.default_rng(0)
    person = person_ray(rng)
    xs = {}
    for yaw in (-25, 25):
        g = angles_to_vector(yaw, 0)
        frame = composite_frame(face, [g, g], 0.4, (1.0, 1.0), person, rng)
        found = find_face(frame)
        assert found is not None
        xs[yaw] = found.landmarks[468, 0] - (found.landmarks[33, 0] + found.landmarks[133, 0]) / 2
    # the face mesh's own iris landmark sees the painted iris move: subject's right is image left
    assert xs[-25] - xs[25] > 3
