"""GazeEstimator: webcam frame (BGR array or JPEG bytes) -> GazeSample, with per-stage timings."""
from __future__ import annotations

import math
import time

import numpy as np
import simplejpeg
import torch

from .calibration import Calibration
from .detect import EyeCrops, EyeLocator
from .filters import GazeFilter
from .geometry import angles_to_screen
from .model import BLINK_OPENNESS, load_checkpoint, standardise, unscale
from .sample import GazeSample


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


class GazeEstimator:
    """Estimate gaze, pupil size and openness from webcam frames with the eye CNN."""

    def __init__(self, weights_path: str, device: torch.device | None = None,
                 calibration: Calibration | None = None, gaze_filter: GazeFilter | None = None,
                 redetect_every: int = 15):
        self.device = device or pick_device()
        self.model, self.meta = load_checkpoint(weights_path, self.device)
        self.locator = EyeLocator(redetect_every=redetect_every)
        self.calibration = calibration
        self.filter = gaze_filter
        self.last_reason: str | None = None  # why the last frame gave no sample; None when it did
        self.last_eyes: EyeCrops | None = None
        self.events: list[dict] = []  # filter events of the last frame
        self.timings: dict[str, float] = {}  # milliseconds per stage of the last frame

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
    def predict_eyes(self, crops: np.ndarray) -> np.ndarray:
        """Return (2, 4) outputs for the image-left and (mirrored) image-right eye crops."""
        out = unscale(self.model(standardise(crops).to(self.device)))
        out[1, 0] = -out[1, 0]  # the mirrored eye's yaw points the other way
        return out

    def estimate(self, frame_bgr: np.ndarray, t: float | None = None) -> GazeSample | None:
        """Return the GazeSample of one BGR frame, or None with `last_reason` set."""
        t0 = time.perf_counter()
        found = self.locator.locate(frame_bgr)
        t1 = time.perf_counter()
        self.timings = {"decode": 0.0, "detect": (t1 - t0) * 1000 - self.locator.crop_ms,
                        "crop": self.locator.crop_ms, "cnn": 0.0, "filter": 0.0}
        self.events = []
        if isinstance(found, str):
            self.last_reason, self.last_eyes = found, None
            self.timings["total"] = (t1 - t0) * 1000
            return None
        self.last_reason, self.last_eyes = None, found
        out = self.predict_eyes(found.crops)
        t2 = time.perf_counter()
        sample = self._sample(out, found, frame_bgr.shape, t)
        if self.filter is not None:
            sample, self.events = self.filter.process(sample)
        t3 = time.perf_counter()
        self.timings.update(cnn=(t2 - t1) * 1000, filter=(t3 - t2) * 1000, total=(t3 - t0) * 1000)
        return sample

    def _sample(self, out: np.ndarray, eyes: EyeCrops, shape, t: float | None) -> GazeSample:
        """Combine both eyes' outputs into one GazeSample mapped to the screen."""
        yaw, pitch, pupil, openness = (float(v) for v in out.mean(0))
        h, w = shape[:2]
        fx, fy, fw, fh = eyes.face
        head = [(fx + fw / 2) / w, (fy + fh / 2) / h, fw / w]
        if self.calibration is not None:
            x, y = self.calibration.map(yaw, pitch, head)
        else:
            x, y = angles_to_screen(yaw, pitch)
        disagree = math.hypot(out[0, 0] - out[1, 0], out[0, 1] - out[1, 1])
        now = time.time()
        return GazeSample(
            t=now if t is None else float(t), x=min(1.0, max(0.0, x)), y=min(1.0, max(0.0, y)),
            source="cnn", yaw=yaw, pitch=pitch, pupil_mm=pupil, openness=openness,
            blink=openness < BLINK_OPENNESS, confidence=float(math.exp(-disagree / 10.0)),
            face=(int(fx), int(fy), int(fw), int(fh)), t_server=now,
            extra={"head": head, "method": eyes.method,
                   "eyes": [[round(float(v), 3) for v in row] for row in out]},
        )
