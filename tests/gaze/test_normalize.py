"""Data normalisation: the patch sees the eye from a fixed distance without roll; gaze rotates back."""
import cv2
import numpy as np
import pytest

from gaze.geometry import angles_to_vector
from gaze.headpose import camera_matrix
from gaze.normalize import D_N, PATCH_H, PATCH_W, PX_PER_MM, mirror_vector, normalise_eye, rotation, to_patch, warp
from gaze.synth.pairs import head_rotation

K = camera_matrix(640, 480)


def project(p):
    q = K @ p
    return q[:2] / q[2]


def test_denormalising_undoes_normalising():
    centre, H = np.array([40.0, 60.0, 520.0]), head_rotation(15, -8, 6)
    R = rotation(centre, H)
    assert R @ R.T == pytest.approx(np.eye(3), abs=1e-12)
    for yaw, pitch in [(0, 0), (25, -10), (-30, 20)]:
        g = angles_to_vector(yaw, pitch)
        assert R.T @ (R @ g) == pytest.approx(g, abs=1e-12)
    assert R @ (centre / np.linalg.norm(centre)) == pytest.approx([0, 0, 1], abs=1e-12)  # looks at the eye


def test_the_eye_centre_maps_to_the_patch_centre_at_the_normalised_scale():
    centre, H = np.array([-60.0, 40.0, 700.0]), head_rotation(-10, 5, -12)
    W = warp(K, centre, rotation(centre, H))
    assert to_patch(W, project(centre)[None])[0] == pytest.approx((PATCH_W / 2, PATCH_H / 2), abs=1e-6)
    # 10 mm along the head's x axis spans 15 patch pixels whatever the distance
    for dist in (400.0, 900.0):
        c = centre / np.linalg.norm(centre) * dist
        Wd = warp(K, c, rotation(c, H))
        a, b = to_patch(Wd, np.array([project(c), project(c + H[:, 0] * 10)]))
        assert np.linalg.norm(b - a) == pytest.approx(10 * PX_PER_MM, rel=0.02)
        assert abs(b[1] - a[1]) < 0.05  # the head's x axis is horizontal: roll removed


def test_a_rolled_picture_gives_the_same_patch():
    img = np.zeros((480, 640), np.uint8)
    cv2.ellipse(img, (320, 240), (40, 14), 0, 0, 360, 255, -1)
    cv2.circle(img, (330, 240), 8, 60, -1)
    centre = np.array([0.0, 0.0, 600.0])  # on the optical axis: the picture's centre
    flat, _, _ = normalise_eye(img, K, centre, np.eye(3))
    rot = cv2.warpAffine(img, cv2.getRotationMatrix2D((320, 240), -20, 1.0), (640, 480))
    a = np.radians(20)
    H = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])  # the head rolled 20 degrees
    turned, _, _ = normalise_eye(rot, K, centre, H)
    assert np.abs(flat.astype(int) - turned.astype(int)).mean() < 6


def test_mirror_flips_x_only():
    assert mirror_vector(np.array([0.2, -0.3, -0.9])) == pytest.approx([-0.2, -0.3, -0.9])
    assert D_N == 600.0
