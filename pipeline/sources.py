"""Content sources: each yields RGBA frames of the channel's size at its own frame rate."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


class SourceError(RuntimeError):
    """A source that cannot be opened or read; the message says which and why."""


class DemoSource:
    """Built-in demo: a panning landscape with fine text, gratings and a moving ball."""

    name = "demo"

    def __init__(self, size: tuple[int, int], fps: float = 30.0, seed: int = 7):
        self.size, self.fps = tuple(size), fps
        w, h = self.size
        self._pano = _panorama(2 * w, h, seed)
        self._frame = np.empty((h, w, 4), np.uint8)
        self._index = 0

    def read(self) -> np.ndarray:
        """Return the next frame (a reused RGBA buffer)."""
        w, h = self.size
        pano_w = self._pano.shape[1]
        x0 = int(self._index * 2) % pano_w
        first = min(w, pano_w - x0)
        self._frame[:, :first] = self._pano[:, x0:x0 + first]
        if first < w:
            self._frame[:, first:] = self._pano[:, :w - first]
        t = self._index / self.fps
        cx = int(w * (0.5 + 0.38 * np.sin(t * 0.9)))
        cy = int(h * (0.5 + 0.3 * np.sin(t * 1.7)))
        cv2.circle(self._frame, (cx, cy), max(6, h // 24), (250, 70, 40, 255), -1, cv2.LINE_AA)
        cv2.putText(self._frame, f"gazecast demo  {t:7.2f} s", (12, h - 14), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.4, h / 1200), (255, 255, 255, 255), 1, cv2.LINE_AA)
        self._index += 1
        return self._frame

    def seek(self, seconds: float) -> None:
        """Go to a time of the demo (replays and pictures of recordings start where they ask)."""
        self._index = max(0, int(round(seconds * self.fps)))

    def close(self) -> None:
        """Release nothing: the demo holds only memory."""


def _noise(w: int, h: int, rng: np.random.Generator, octaves: int = 6) -> np.ndarray:
    """Fractal value noise in [0, 1]."""
    acc = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 4 * 2 ** o
        grid = rng.random((cells * h // w + 2, cells + 2)).astype(np.float32)
        acc += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.55
    acc /= total
    return (acc - acc.min()) / (np.ptp(acc) + 1e-6)


def _panorama(w: int, h: int, seed: int) -> np.ndarray:
    """Render the demo's landscape once: terrain colours, a grid of labels and test patterns."""
    rng = np.random.default_rng(seed)
    height = _noise(w, h, rng)
    detail = _noise(w, h, rng, octaves=8)
    palette = np.array([[20, 60, 140], [40, 120, 200], [210, 200, 150], [70, 150, 60],
                        [40, 100, 40], [120, 110, 100], [245, 245, 250]], np.float32)
    idx = np.clip(height * (len(palette) - 1), 0, len(palette) - 1.001)
    lo = idx.astype(int)
    frac = (idx - lo)[..., None]
    rgb = palette[lo] * (1 - frac) + palette[lo + 1] * frac
    rgb *= (0.75 + 0.5 * detail)[..., None]
    grain = rng.random((h, w)).astype(np.float32)  # pixel-scale texture, like foliage and rock
    rgb *= (0.8 + 0.4 * cv2.GaussianBlur(grain, (0, 0), 0.7))[..., None]
    img = np.dstack([np.clip(rgb, 0, 255).astype(np.uint8), np.full((h, w), 255, np.uint8)])
    _draw_patterns(img, rng)
    return img


def _draw_patterns(img: np.ndarray, rng: np.random.Generator) -> None:
    """Draw labels, Siemens stars and line gratings: fine detail that shows any blur."""
    h, w = img.shape[:2]
    step = max(80, h // 6)
    scale = max(0.35, h / 1800)
    for y in range(step // 2, h, step):
        for x in range(step // 3, w, int(step * 1.5)):
            label = f"{chr(65 + (x // step) % 26)}{y // step}-{rng.integers(100, 999)}"
            cv2.putText(img, label, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0, 255), 3, cv2.LINE_AA)
            cv2.putText(img, label, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255, 255), 1, cv2.LINE_AA)
    r = max(20, h // 10)
    for cx in range(w // 8, w, w // 4):
        cy = h // 3 if (cx // (w // 4)) % 2 else 2 * h // 3
        for k in range(0, 36, 2):
            a0, a1 = np.deg2rad(k * 10), np.deg2rad(k * 10 + 10)
            pts = np.array([[cx, cy], [cx + r * np.cos(a0), cy + r * np.sin(a0)],
                            [cx + r * np.cos(a1), cy + r * np.sin(a1)]], np.int32)
            cv2.fillConvexPoly(img, pts, (15, 15, 15, 255), cv2.LINE_AA)
        cv2.circle(img, (cx, cy), r, (240, 240, 240, 255), 1, cv2.LINE_AA)
        gx, gy = cx + r + 10, cy - r
        img[gy:gy + 2 * r, gx:gx + r:2, :3] = 250
        img[gy:gy + 2 * r, gx + 1:gx + r:2, :3] = 10


class VideoSource:
    """A video file read with OpenCV, looped and paced at its own frame rate."""

    def __init__(self, path: str, size: tuple[int, int], fps: float = 30.0):
        self.name, self.size = path, tuple(size)
        if not Path(path).is_file():
            raise SourceError(f"video file not found: {path}")
        self._cap, self.fps = _capture(path, fps, f"cannot open video {path}: not a format OpenCV reads")
        self._frame = np.empty((size[1], size[0], 4), np.uint8)
        self._bgr = None  # the decoder writes into this buffer once it has the video's size
        self._frames_read = 0

    def read(self) -> np.ndarray:
        """Return the next frame, rewinding at the end (a reused RGBA buffer)."""
        ok, bgr = self._cap.read(self._bgr)
        if not ok:
            if self._frames_read == 0:
                raise SourceError(f"video {self.name} has no readable frame")
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self._cap.read()
            if not ok:
                raise SourceError(f"video {self.name} cannot be rewound")
        self._frames_read += 1
        self._bgr = bgr
        return _to_rgba(bgr, self.size, self._frame)

    def seek(self, seconds: float) -> None:
        """Go to a time of the video (from the start when past its end)."""
        frames = self._cap.get(cv2.CAP_PROP_FRAME_COUNT)
        index = int(round(seconds * self.fps))
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index % frames if frames > 0 else 0)

    def close(self) -> None:
        """Release the decoder."""
        self._cap.release()


class ImageSource:
    """A still image shown as a constant frame."""

    def __init__(self, path: str, size: tuple[int, int], fps: float = 30.0):
        self.name, self.size, self.fps = path, tuple(size), fps
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            raise SourceError(f"cannot read image {path}: missing or not an image")
        self._frame = _to_rgba(bgr, self.size, np.empty((size[1], size[0], 4), np.uint8))

    def read(self) -> np.ndarray:
        """Return the image."""
        return self._frame

    def close(self) -> None:
        """Release nothing."""


class CameraSource:
    """A camera attached to the server (camera:N), read with OpenCV at the camera's rate."""

    def __init__(self, index: int, size: tuple[int, int], fps: float = 30.0):
        self.name, self.size = f"camera:{index}", tuple(size)
        self._cap, self.fps = _capture(index, fps, f"cannot open camera {index}: no such device or it is busy")
        self._frame = np.empty((size[1], size[0], 4), np.uint8)

    def read(self) -> np.ndarray:
        """Return the camera's next frame (a reused RGBA buffer)."""
        ok, bgr = self._cap.read()
        if not ok:
            raise SourceError(f"{self.name} stopped delivering frames (unplugged?)")
        return _to_rgba(bgr, self.size, self._frame)

    def close(self) -> None:
        """Release the camera."""
        self._cap.release()


class MirrorSource:
    """The viewer's own webcam as content: JPEGs pushed from `frame` events, shown mirrored."""

    name = "mirror"

    def __init__(self, size: tuple[int, int], fps: float = 30.0):
        self.size, self.fps = tuple(size), fps
        self.latest: bytes | None = None  # the newest webcam JPEG, set from the server's loop
        self._decoded: bytes | None = None
        self._frame = np.full((size[1], size[0], 4), 40, np.uint8)
        cv2.putText(self._frame, "waiting for a webcam (turn the camera on in the viewer)", (20, size[1] // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, max(0.4, size[1] / 1000), (230, 230, 230, 255), 1, cv2.LINE_AA)

    def push(self, jpeg: bytes) -> None:
        """Offer a new webcam frame (only the newest is kept)."""
        self.latest = jpeg

    def read(self) -> np.ndarray:
        """Decode the newest webcam frame, mirrored, into the RGBA buffer; keep the last one otherwise."""
        jpeg = self.latest
        if jpeg is not None and jpeg is not self._decoded:
            bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            if bgr is not None:
                _to_rgba(cv2.flip(bgr, 1), self.size, self._frame)
            self._decoded = jpeg
        return self._frame

    def close(self) -> None:
        """Release nothing."""


def _capture(target, fps: float, failure: str):
    """Open an OpenCV capture (a file or a camera index); return it and its own frame rate when it
    reports a plausible one, else fps."""
    cap = cv2.VideoCapture(target)
    if not cap.isOpened():
        raise SourceError(failure)
    own = cap.get(cv2.CAP_PROP_FPS)
    return cap, (own if 1 <= own <= 240 else fps)


def _to_rgba(bgr: np.ndarray, size: tuple[int, int], out: np.ndarray) -> np.ndarray:
    """Resize a BGR frame to size and convert it into the RGBA buffer out."""
    if (bgr.shape[1], bgr.shape[0]) != tuple(size):
        bgr = cv2.resize(bgr, tuple(size), interpolation=cv2.INTER_AREA)
    cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA, dst=out)
    return out


def open_source(spec: str, size: tuple[int, int], fps: float = 30.0):
    """Open "demo", "mirror", "camera:N", an image file or a video file as a source."""
    if spec == "demo":
        return DemoSource(size, fps)
    if spec == "mirror":
        return MirrorSource(size, fps)
    if spec.startswith("camera:"):
        return CameraSource(int(spec.split(":", 1)[1]), size, fps)
    if Path(spec).suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(spec, size, fps)
    return VideoSource(spec, size, fps)
