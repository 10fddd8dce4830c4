"""Data normalisation for appearance-based gaze (Zhang, Sugano and Bulling, ETRA 2018).

Each eye is seen through a virtual camera that looks straight at the eye's centre from a fixed
distance, with the head's x axis horizontal (no roll). The patch's look then depends on the gaze and
the head's rotation relative to that camera only, not on where the face is in the frame or how far it
is. The network works in that normalised space; `denormalise` rotates its answer back into the camera.

    R  rows: x, y, z of the normalised camera (z towards the eye centre)
    W  = C_n S R K^-1  maps the frame into the patch (S scales the distance to D_N)
    g_n = R g,  g = R^T g_n
"""
from __future__ import annotations

import cv2
import numpy as np

PATCH_H, PATCH_W = 36, 60  # the network's input, grey
F_N = 900.0  # focal length of the normalised camera, pixels
D_N = 600.0  # its distance to the eye centre, mm
PX_PER_MM = F_N / D_N  # 1.5: the 28 mm eye spans 42 of the patch's 60 pixels


def rotation(centre: np.ndarray, head_R: np.ndarray) -> np.ndarray:
    """Return the normalising rotation for an eye centre (mm, camera frame) and the head rotation."""
    z = centre / np.linalg.norm(centre)
    y = np.cross(z, head_R[:, 0])
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    return np.stack([x, y, z])


def patch_camera(size=(PATCH_H, PATCH_W), focal: float = F_N) -> np.ndarray:
    """Return the normalised camera's intrinsic matrix for a patch of (h, w) pixels."""
    h, w = size
    return np.array([[focal, 0.0, w / 2.0], [0.0, focal, h / 2.0], [0.0, 0.0, 1.0]])


def warp(K: np.ndarray, centre: np.ndarray, R: np.ndarray, size=(PATCH_H, PATCH_W),
         focal: float = F_N) -> np.ndarray:
    """Return the homography W from frame pixels to normalised patch pixels."""
    S = np.diag([1.0, 1.0, D_N / np.linalg.norm(centre)])
    return patch_camera(size, focal) @ S @ R @ np.linalg.inv(K)


def normalise_eye(grey: np.ndarray, K: np.ndarray, centre: np.ndarray, head_R: np.ndarray,
                  size=(PATCH_H, PATCH_W), mirror: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut one eye's normalised patch; return (patch, R, W). A mirrored patch is flipped left-right."""
    R = rotation(centre, head_R)
    W = warp(K, centre, R, size)
    h, w = size
    scale = K[0, 0] / np.linalg.norm(centre) / PX_PER_MM  # frame pixels per patch pixel
    src = cv2.GaussianBlur(grey, (0, 0), 0.45 * scale) if scale > 1.6 else grey  # no aliasing when shrinking
    patch = cv2.warpPerspective(src, W, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return (cv2.flip(patch, 1) if mirror else patch), R, W


def mirror_vector(g: np.ndarray) -> np.ndarray:
    """Return a normalised-space vector as seen in the left-right flipped patch."""
    return np.array([-g[0], g[1], g[2]])


def to_patch(W: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map frame points (N, 2) through the homography W into patch pixels."""
    return cv2.perspectiveTransform(np.asarray(points, np.float64).reshape(-1, 1, 2), W).reshape(-1, 2)
