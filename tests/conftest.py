"""Fixtures shared by every test: the repository on sys.path, detail-rich frames, sharpness."""
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def detail_frame(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An RGBA frame full of fine detail everywhere (1-2 px noise plus a 4 px checkerboard)."""
    rng = np.random.default_rng(seed)
    grey = (rng.random((height, width)) > 0.5).astype(np.uint8) * 200 + 25
    yy, xx = np.mgrid[:height, :width]
    grey[((xx // 4 + yy // 4) % 2 == 0) & (rng.random((height, width)) > 0.7)] = 128
    return np.dstack([grey, np.roll(grey, 1, 1), np.roll(grey, 1, 0), np.full_like(grey, 255)])


def sharpness(rgb: np.ndarray, cx: float, cy: float, half: int = 12) -> float:
    """High-frequency energy (variance of the Laplacian) of the patch around (cx, cy) in [0, 1] units."""
    h, w = rgb.shape[:2]
    x, y = int(cx * w), int(cy * h)
    patch = rgb[max(0, y - half):y + half, max(0, x - half):x + half, :3]
    grey = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


@pytest.fixture
def frame_factory():
    return detail_frame


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole session (Debian's binaries, a throw-away cluster)."""
    from tests.pg import PostgresServer

    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database: a SQLite file, then a fresh database on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres").create_database()
