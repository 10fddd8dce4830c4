"""GazeEstimator: webcam frame (BGR array or JPEG bytes) -> GazeSample, with per-stage timings.

landmarks (face mesh, tracked) -> head pose (solvePnP) -> both eyes normalised -> two-eye CNN ->
each eye's gaze rotated back into the camera -> one gaze ray from between the eyes -> the point it
meets on the screen -> the user's calibration on top -> filters.
"""
from __future__ import annotations

import math
import time

import cv2
import numpy as np
import simplejpeg
import torch

from .calibration import Calibration
from .face_model import EYE_CORNERS, IRIS, IRIS_MM, LID_MID
from .filters import GazeFilter
from .geometry import DEFAULT_SCREEN, Screen, angles_to_vector, vector_to_angles
from .headpose import HeadPose, camera_matrix, head_pose
from .landmarks import FaceLandmarker
from .model import BLINK_OPENNESS, load_checkpoint, standardise, unscale
from .normalize import F_N, PATCH_H, PATCH_W, D_N, mirror_vector, normalise_eye, to_patch
from .sample import GazeSample

MIRROR = np.diag([-1.0, 1.0, 1.0])
BALL_DEPTH = 10.5  # mm from the eye corners' midpoint back to the eyeball's centre (geometric baseline)
EAR_OPEN = 0.27  # lid gap / eye width of a fully open eye in the face mesh


def pick_device() -> torch.device:
    """Return CUDA when available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def decode_jpeg(data: bytes) -> np.ndarray:
    """Decode JPEG bytes to a BGR array; raise ValueError on anything that is not a valid JPEG."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < 4:
        raise ValueError("malformed JPEG: expected JPEG bytes, got %s of length %s"
                         % (type(data).__name__, len(data) if hasattr(data, "__len__") else "?"))
    try:
        return simplejpeg.decode_jpeg(bytes(data), colorspace="BGR", fastdct=True, fastupsample=True)
    except Exception as e:  # simplejpeg raises ValueError or RuntimeError on broken data
        raise ValueError(f"malformed JPEG ({len(data)} bytes): {e}") from e


def lid_openness(landmarks: np.ndarray) -> np.ndarray:
    """Return each eye's openness from the face mesh's lids: lid gap / eye width, 1 = fully open."""
    out = []
    for (outer, inner), (up, lo) in zip(EYE_CORNERS, LID_MID):
        width = np.linalg.norm(landmarks[outer, :2] - landmarks[inner, :2])
        out.append(np.linalg.norm(landmarks[up, :2] - landmarks[lo, :2]) / max(width, 1e-3) / EAR_OPEN)
    return np.clip(out, 0.0, 1.0)


def geometric_gaze(iris_patch: np.ndarray, head_n: np.ndarray) -> np.ndarray:
    """The baseline: the ray from the eyeball's centre through the iris landmark, in the normalised camera."""
    depth = D_N - 1.0  # the iris lies about a millimetre in front of the eye corners
    iris = np.array([(iris_patch[0] - PATCH_W / 2) / F_N * depth, (iris_patch[1] - PATCH_H / 2) / F_N * depth, depth])
    ball = np.array([0.0, 0.0, D_N]) + head_n @ np.array([0.0, 0.0, BALL_DEPTH])
    g = iris - ball
    return g / np.linalg.norm(g)


class GazeEstimator:
    """Estimate gaze, pupil size and openness from webcam frames."""

    def __init__(self, weights_path: str, device: torch.device | None = None,
                 calibration: Calibration | None = None, gaze_filter: GazeFilter | None = None,
                 screen: Screen = DEFAULT_SCREEN, tracking: bool = True):
        self.device = device or pick_device()
        self.model, self.meta = load_checkpoint(weights_path, self.device)
        self.landmarker = FaceLandmarker(tracking=tracking)
        self.calibration = calibration
        self.filter = gaze_filter
        self.screen = screen
        self.pose: HeadPose | None = None
        self.last_reason: str | None = None  # why the last frame gave no sample; None when it did
        self.last: dict = {}  # the last frame's intermediate results (landmarks, patches, outputs)
        self.events: list[dict] = []  # filter events of the last frame
        self.timings: dict[str, float] = {}  # milliseconds per stage of the last frame

    def close(self) -> None:
        """Release the landmark graph."""
        self.landmarker.close()

    def reset(self) -> None:
        """Forget the tracked face."""
        self.landmarker.reset()
        self.pose = None

    def estimate_jpeg(self, data: bytes, t: float | None = None) -> GazeSample | None:
        """Decode a JPEG webcam frame (ValueError if malformed) and estimate gaze on it."""
        t0 = time.perf_counter()
        frame = decode_jpeg(data)
        decode_ms = (time.perf_counter() - t0) * 1000
        sample = self.estimate(frame, t)
        self.timings["decode"] = decode_ms
        self.timings["total"] += decode_ms
        return sample

    @torch.inference_mode()
    def predict(self, patches: np.ndarray, head: np.ndarray) -> np.ndarray:
        """Return the (11,) outputs for one pair of patches (eye 1 mirrored) and head angles (2, 2)."""
        x = standardise(patches[None]).to(self.device)
        h = torch.from_numpy(np.asarray(head, np.float32)[None]).to(self.device)
        return unscale(self.model(x, h))[0]

    def estimate(self, frame_bgr: np.ndarray, t: float | None = None) -> GazeSample | None:
        """Return the GazeSample of one BGR frame, or None with `last_reason` set."""
        t0 = time.perf_counter()
        self.events = []
        self.timings = {"decode": 0.0, "landmarks": 0.0, "normalise": 0.0, "cnn": 0.0, "filter": 0.0}
        if frame_bgr is None or frame_bgr.ndim != 3 or min(frame_bgr.shape[:2]) < 48:
            return self._fail("bad_frame", t0)
        pts = self.landmarker.locate(frame_bgr)
        t1 = time.perf_counter()
        self.timings["landmarks"] = (t1 - t0) * 1000
        if pts is None:
            self.pose = None
            return self._fail("no_face", t0)
        h, w = frame_bgr.shape[:2]
        K = camera_matrix(w, h)
        pose = head_pose(pts, K)
        if pose is None:
            self.pose = None
            return self._fail("no_pose", t0)
        self.pose = pose
        grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        patches, heads, rots, geo = [], [], [], []
        for k, centre in enumerate(pose.eye_centres()):
            patch, R, W = normalise_eye(grey, K, centre, pose.R, mirror=k == 1)
            head_n = R @ pose.R
            iris = to_patch(W, pts[IRIS[k][0], :2][None])[0]
            geo.append(R.T @ geometric_gaze(iris, head_n))
            if k == 1:
                head_n = MIRROR @ head_n @ MIRROR
            patches.append(patch)
            heads.append(vector_to_angles(head_n @ np.array([0.0, 0.0, -1.0])))
            rots.append(R)
        t2 = time.perf_counter()
        out = self.predict(np.stack(patches), np.array(heads))
        t3 = time.perf_counter()
        sample = self._sample(out, pts, pose, rots, geo, frame_bgr.shape, t)
        self.last = {"landmarks": pts, "patches": np.stack(patches), "head_n": heads, "out": out, "K": K}
        if self.filter is not None:
            sample, self.events = self.filter.process(sample)
        t4 = time.perf_counter()
        self.timings.update(normalise=(t2 - t1) * 1000, cnn=(t3 - t2) * 1000, filter=(t4 - t3) * 1000,
                            total=(t4 - t0) * 1000)
        return sample

    def _fail(self, reason: str, t0: float) -> None:
        """Record why a frame gave no sample."""
        self.last_reason, self.last = reason, {}
        self.timings["total"] = (time.perf_counter() - t0) * 1000
        return None

    def _sample(self, out: np.ndarray, pts: np.ndarray, pose: HeadPose, rots, geo, shape, t) -> GazeSample:
        """Rotate each eye's answer back into the camera, fuse the eyes and map the gaze to the screen."""
        self.last_reason = None
        gazes = []
        for k in (0, 1):
            g_n = angles_to_vector(out[2 * k], out[2 * k + 1])
            gazes.append(rots[k].T @ (mirror_vector(g_n) if k == 1 else g_n))
        # closed if either the lids' landmarks or the eye's look says so: the mesh's lid landmarks follow
        # real blinks well but keep their prior on unusual lids; the network reads the eye itself
        openness = np.minimum(out[4:6], lid_openness(pts))
        weight = np.clip((openness - 0.1) / 0.3, 0.05, 1.0)
        g = weight[0] * gazes[0] + weight[1] * gazes[1]
        g /= np.linalg.norm(g)
        yaw, pitch = vector_to_angles(g)
        eye = pose.eye_centres().mean(0)
        x0, y0 = self.screen.point(eye, g)
        x, y = self.calibration.map(x0, y0) if self.calibration is not None else (x0, y0)
        geo_g = (geo[0] + geo[1]) / np.linalg.norm(geo[0] + geo[1])
        disagree = math.degrees(math.acos(float(np.clip(gazes[0] @ gazes[1], -1, 1))))
        x_min, y_min = pts[:, :2].min(0)
        x_max, y_max = pts[:, :2].max(0)
        now = time.time()
        opened = float(openness.mean())
        return GazeSample(
            t=now if t is None else float(t), x=min(1.0, max(0.0, x)), y=min(1.0, max(0.0, y)),
            source="cnn", yaw=yaw, pitch=pitch, pupil_mm=float(out[10] * IRIS_MM), openness=opened,
            blink=opened < BLINK_OPENNESS, confidence=float(math.exp(-disagree / 10.0)),
            face=(int(x_min), int(y_min), int(x_max - x_min), int(y_max - y_min)), t_server=now,
            extra={"screen": [round(x0, 4), round(y0, 4)], "eye_mm": [round(float(v), 1) for v in eye],
                   "head_pose": [round(v, 2) for v in pose.angles()],
                   "geometric": [round(v, 3) for v in vector_to_angles(geo_g)], "method": "mesh",
                   "eyes": [[round(float(v), 3) for v in (*vector_to_angles(gz), o)]
                            for gz, o in zip(gazes, openness)]},
        )
