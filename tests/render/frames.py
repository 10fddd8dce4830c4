"""Helpers for reading rendered frames: patches, their statistics, the input they came from."""
import numpy as np

from tests.conftest import detail_frame

W, H = 320, 180


def source() -> np.ndarray:
    """The frame every effect test renders, as float RGB."""
    return detail_frame(W, H)[..., :3].astype(np.float32)


def patch(rgb: np.ndarray, cx: float, cy: float, half: int = 8) -> np.ndarray:
    """The pixels around (cx, cy) in [0, 1] frame units."""
    x, y = int(cx * W), int(cy * H)
    return rgb[y - half:y + half, x - half:x + half]


def luma(rgb: np.ndarray) -> float:
    """Mean luminance of a patch."""
    return float((rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)).mean())


def saturation(rgb: np.ndarray) -> float:
    """Mean chroma (max - min channel) of a patch."""
    return float((rgb.max(-1) - rgb.min(-1)).mean())


def detail(rgb: np.ndarray) -> float:
    """Standard deviation of a patch's luminance: how much of the texture shows."""
    return float((rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)).std())
