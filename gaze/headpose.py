"""Head pose from face landmarks: solvePnP of the generic 3-D face (gaze.face_model) in a pinhole camera."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .face_model import EYE_CENTRES_MM, POSE_IDS, POSE_POINTS
from .geometry import rotation_to_angles

FOCAL_PER_WIDTH = 0.8  # focal length / image width: a 64 degree horizontal field, a typical webcam


def camera_matrix(width: int, height: int, focal_per_width: float = FOCAL_PER_WIDTH) -> np.ndarray:
    """Return the intrinsic matrix of an ideal webcam of this size (principal point at the centre)."""
    f = focal_per_width * width
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


@dataclass
class HeadPose:
    """The head's rotation (columns: head x, y, z axes in the camera frame) and translation (mm)."""

    R: np.ndarray  # (3, 3)
    t: np.ndarray  # (3,), the head origin (midway between the eyes) in the camera frame
    rvec: np.ndarray  # Rodrigues vector

    def eye_centres(self) -> np.ndarray:
        """Return the (2, 3) camera-frame centres of the image-left and image-right eye."""
        return EYE_CENTRES_MM @ self.R.T + self.t

    def angles(self) -> tuple[float, float, float]:
        """Return the head's (yaw, pitch, roll) in degrees; the frontal face is (0, 0, 0)."""
        return rotation_to_angles(self.R)


def head_pose(landmarks: np.ndarray, K: np.ndarray) -> HeadPose | None:
    """Fit the generic face to the landmarks' image points (SQPnP: global, no start needed); None on failure."""
    image = np.ascontiguousarray(landmarks[list(POSE_IDS), :2], np.float64)
    ok, rvec, tvec = cv2.solvePnP(POSE_POINTS, image, K, None, flags=cv2.SOLVEPNP_SQPNP)
    tvec = np.asarray(tvec, np.float64).reshape(3)
    if not ok or tvec[2] <= 0:
        return None
    R, _ = cv2.Rodrigues(rvec)
    return HeadPose(R, tvec, rvec)
