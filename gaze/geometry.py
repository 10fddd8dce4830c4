"""Gaze directions in the camera frame, and the default screen the uncalibrated gaze lands on.

Camera frame (OpenCV's): x image right, y image down, z forward (away from the camera), millimetres.
Angles are the subject's own: positive yaw looks to the subject's right (image left, -x in an
unmirrored webcam frame), positive pitch looks up (-y); yaw = pitch = 0 looks straight into the camera.

    g = (-sin(yaw) cos(pitch), -sin(pitch), -cos(yaw) cos(pitch))

The default screen stands in the camera's z = 0 plane with the camera at the middle of its top edge,
as on a laptop or a monitor with a clip-on webcam. A gaze ray from the eye meets it at a point that
gives (x, y) in [0, 1] from the screen's top left as the subject sees it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def angles_to_vector(yaw: float, pitch: float) -> np.ndarray:
    """Return the unit gaze vector in the camera frame for angles in degrees."""
    y, p = math.radians(yaw), math.radians(pitch)
    return np.array([-math.sin(y) * math.cos(p), -math.sin(p), -math.cos(y) * math.cos(p)])


def vector_to_angles(g) -> tuple[float, float]:
    """Return (yaw, pitch) in degrees of a gaze vector in the camera frame (any length)."""
    x, y, z = (float(v) for v in g)
    n = math.sqrt(x * x + y * y + z * z) or 1.0
    return math.degrees(math.atan2(-x, -z)), math.degrees(math.asin(max(-1.0, min(1.0, -y / n))))


def vectors(yaw, pitch) -> np.ndarray:
    """Return (N, 3) unit gaze vectors for arrays of angles in degrees."""
    y, p = np.radians(np.asarray(yaw, float)), np.radians(np.asarray(pitch, float))
    return np.stack([-np.sin(y) * np.cos(p), -np.sin(p), -np.cos(y) * np.cos(p)], -1)


def angular_error(yaw_a, pitch_a, yaw_b, pitch_b) -> np.ndarray:
    """Return the angles in degrees between two arrays of gaze directions."""
    cos = np.sum(vectors(yaw_a, pitch_a) * vectors(yaw_b, pitch_b), -1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def rotation_from_angles(yaw: float, pitch: float, roll: float = 0.0) -> np.ndarray:
    """Return the rotation that rolls by `roll` about z, then turns (0, 0, -1) to (yaw, pitch); degrees."""
    y, p, r = (math.radians(v) for v in (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rp = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return ry @ rp @ rz


def rotation_to_angles(R: np.ndarray) -> tuple[float, float, float]:
    """Return (yaw, pitch, roll) in degrees of a rotation made by rotation_from_angles."""
    yaw, pitch = vector_to_angles(R @ np.array([0.0, 0.0, -1.0]))
    rz = rotation_from_angles(yaw, pitch).T @ R
    return yaw, pitch, math.degrees(math.atan2(rz[1, 0], rz[0, 0]))


@dataclass(frozen=True)
class Screen:
    """A screen in the camera's z = 0 plane, the camera centred above its top edge (millimetres)."""

    width_mm: float = 530.0  # a 24" 16:9 monitor
    height_mm: float = 300.0
    camera_above_mm: float = 10.0  # from the lens down to the top edge of the picture

    def point(self, eye, g) -> tuple[float, float]:
        """Return where the ray from `eye` (camera frame, mm) along `g` meets the screen, as (x, y)."""
        ex, ey, ez = (float(v) for v in eye)
        gz = float(g[2])
        if gz > -1e-6:  # looking away from the screen plane: no intersection; hold the edge
            gz = -1e-6
        t = -ez / gz
        px, py = ex + t * float(g[0]), ey + t * float(g[1])
        return 0.5 - px / self.width_mm, (py - self.camera_above_mm) / self.height_mm

    def target(self, x: float, y: float) -> np.ndarray:
        """Return the camera-frame position (mm) of screen point (x, y)."""
        return np.array([(0.5 - x) * self.width_mm, self.camera_above_mm + y * self.height_mm, 0.0])

    def gaze_to(self, eye, x: float, y: float) -> np.ndarray:
        """Return the unit gaze vector from `eye` to screen point (x, y)."""
        d = self.target(x, y) - np.asarray(eye, float)
        return d / np.linalg.norm(d)


DEFAULT_SCREEN = Screen()
