"""Camera-frame gaze conventions and the default screen."""
import numpy as np
import pytest

from gaze.geometry import (DEFAULT_SCREEN, Screen, angles_to_vector, angular_error, rotation_from_angles,
                           rotation_to_angles, vector_to_angles)


def test_angles_round_trip_and_signs():
    for yaw, pitch in [(0, 0), (20, -10), (-35, 25), (10, 30)]:
        assert vector_to_angles(angles_to_vector(yaw, pitch)) == pytest.approx((yaw, pitch), abs=1e-9)
    right, up = angles_to_vector(20, 0), angles_to_vector(0, 15)
    assert right[0] < 0  # the subject's right is the image's left
    assert up[1] < 0  # up is -y in the camera frame
    assert angles_to_vector(0, 0) == pytest.approx([0, 0, -1])  # into the camera


def test_rotation_angles_round_trip():
    for angles in [(0, 0, 0), (20, -10, 5), (-30, 15, -12)]:
        R = rotation_from_angles(*angles)
        assert R @ R.T == pytest.approx(np.eye(3), abs=1e-12)
        assert rotation_to_angles(R) == pytest.approx(angles, abs=1e-9)
        assert R @ np.array([0, 0, -1.0]) == pytest.approx(angles_to_vector(*angles[:2]))


def test_angular_error_is_the_angle_between_directions():
    err = angular_error(np.array([0.0, 10.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]), np.array([5.0, 5.0]))
    assert err == pytest.approx([5.0, np.degrees(np.arccos(np.cos(np.radians(10)) * np.cos(np.radians(5))))])


@pytest.mark.parametrize("x, y", [(0.5, 0.5), (0.1, 0.1), (0.9, 0.2), (0.3, 0.95)])
def test_a_ray_to_a_screen_point_lands_on_it(x, y):
    eye = np.array([30.0, 80.0, 600.0])
    g = DEFAULT_SCREEN.gaze_to(eye, x, y)
    assert DEFAULT_SCREEN.point(eye, g) == pytest.approx((x, y), abs=1e-9)


def test_the_screen_is_below_the_camera_and_the_subjects_right_is_screen_right():
    eye = np.array([0.0, 150.0, 550.0])  # level with the screen's middle
    assert DEFAULT_SCREEN.point(eye, -eye / np.linalg.norm(eye)) == pytest.approx((0.5, -10 / 300))  # the camera
    x_right, _ = DEFAULT_SCREEN.point(eye, angles_to_vector(15, -15))
    x_left, _ = DEFAULT_SCREEN.point(eye, angles_to_vector(-15, -15))
    assert x_right > 0.6 > 0.4 > x_left
    _, y_down = DEFAULT_SCREEN.point(eye, angles_to_vector(0, -25))
    _, y_up = DEFAULT_SCREEN.point(eye, angles_to_vector(0, -5))
    assert y_down > y_up


def test_screen_size_scales_the_point():
    eye, g = np.array([0.0, 100.0, 600.0]), angles_to_vector(10, -12)
    small, big = Screen(265.0, 150.0), Screen(530.0, 300.0)
    xs, _ = small.point(eye, g)
    xb, _ = big.point(eye, g)
    assert xs - 0.5 == pytest.approx(2 * (xb - 0.5))
