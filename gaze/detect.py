"""Face and eye localisation with OpenCV's Haar cascades, tracked between detections.

A full face search runs on the first frame, every `redetect_every` frames (inside a region
around the last face) and whenever tracking is lost; in between, the eyes are followed by
template matching in a small window. Crops come out in the CNN's format: grey 36x60, the
28 mm eye spanning 42 px, roll removed, the image-right eye mirrored to look like the left.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import cv2
import numpy as np

from .synth.data import CROP_H, CROP_PX_PER_MM, CROP_W

EYE_W_PER_SEP = 28.0 / 63.0  # eye corner-to-corner width / distance between eye centres
GEOM_EYES = ((0.315, 0.385), (0.685, 0.385))  # eye centres in a Haar face box, when eyes are not found


@dataclass
class EyeCrops:
    """Where the eyes are and their normalised crops (image-left eye first)."""

    crops: np.ndarray  # (2, 36, 60) uint8 grey; crops[1] is mirrored
    face: tuple[int, int, int, int]  # x, y, w, h in the frame
    eyes: tuple[tuple[float, float], tuple[float, float]]  # eye centres, frame pixels
    eye_width: float  # corner-to-corner width in frame pixels
    roll: float  # degrees, eye line against horizontal
    method: str  # "haar_eyes", "geometric" or "tracked"
    searched: bool  # whether this frame paid for a face search


def _cascade(name: str) -> cv2.CascadeClassifier:
    """Load one of OpenCV's shipped Haar cascades."""
    c = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if c.empty():
        raise RuntimeError(f"cannot load OpenCV cascade {name}")
    return c


def eye_crop(grey: np.ndarray, centre, eye_width: float, roll: float, mirror: bool) -> np.ndarray:
    """Cut one eye out of a grey frame into the CNN's 36x60 format."""
    s = (CROP_PX_PER_MM * 28.0) / max(eye_width, 1.0)
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), roll, s)
    m[:, 2] += (CROP_W / 2 - centre[0], CROP_H / 2 - centre[1])
    if s < 0.7:  # shrink big eyes without aliasing
        grey = cv2.GaussianBlur(grey, (0, 0), 0.5 / s)
    crop = cv2.warpAffine(grey, m, (CROP_W, CROP_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.flip(crop, 1) if mirror else crop


class EyeLocator:
    """Find a face and its eyes in BGR frames; cheap tracking between full searches."""

    def __init__(self, redetect_every: int = 15, det_width: int = 320, track_min_score: float = 0.5):
        self.redetect_every, self.det_width, self.track_min_score = redetect_every, det_width, track_min_score
        self.face_cascade = _cascade("haarcascade_frontalface_default.xml")
        self.eye_cascade = _cascade("haarcascade_eye.xml")
        self.state: EyeCrops | None = None
        self.template, self.anchor, self.anchor_eyes = None, (0, 0), []
        self.since_search = 0
        self.crop_ms = 0.0  # time the last locate() spent cutting crops

    def reset(self) -> None:
        """Forget the tracked face."""
        self.state, self.template, self.since_search = None, None, 0

    def _find_face(self, grey: np.ndarray):
        """Return the biggest face box in the frame (or around the last face), or None."""
        x0, y0, roi = 0, 0, grey
        if self.state is not None:
            fx, fy, fw, fh = self.state.face
            x0, y0 = max(0, fx - fw // 2), max(0, fy - fh // 2)
            roi = grey[y0:fy + fh + fh // 2, x0:fx + fw + fw // 2]
        k = min(1.0, self.det_width / max(roi.shape[1], 1))
        if self.state is not None:
            k = min(1.0, 100.0 / max(self.state.face[2], 1))  # a tracked face is searched at ~100 px
        small = cv2.resize(roi, None, fx=k, fy=k, interpolation=cv2.INTER_AREA) if k < 1 else roi
        faces = self.face_cascade.detectMultiScale(small, 1.2, 3, minSize=(40, 40))
        if len(faces) == 0:
            return None
        x, y, w, h = max(faces, key=lambda f: f[2] * f[3]) / k
        return int(x0 + x), int(y0 + y), int(w), int(h)

    def _find_eyes(self, grey: np.ndarray, face, tracked=None) -> tuple[list, str]:
        """Return the two eye centres in a face box, by cascade (averaged with tracking) or geometry."""
        fx, fy, fw, fh = face
        top = grey[fy + fh // 5:fy + fh * 3 // 5, fx:fx + fw]
        k = min(1.0, 150.0 / max(fw, 1))  # search the eyes in a face about 150 px wide
        top = cv2.resize(top, None, fx=k, fy=k, interpolation=cv2.INTER_AREA) if k < 1 else top
        sw = top.shape[1]
        eyes = self.eye_cascade.detectMultiScale(top, 1.1, 3, minSize=(sw // 8, sw // 8), maxSize=(sw // 3, sw // 3))
        left = [e for e in eyes if e[0] + e[2] / 2 < sw / 2]
        right = [e for e in eyes if e[0] + e[2] / 2 >= sw / 2]
        if left and right:
            pts = [max(side, key=lambda e: e[2]) for side in (left, right)]
            found = [(fx + (e[0] + e[2] / 2) / k, fy + fh // 5 + (e[1] + e[3] / 2) / k) for e in pts]
            if tracked is not None and all(math.dist(a, b) < 0.2 * fw for a, b in zip(found, tracked)):
                found = [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(found, tracked)]  # less jitter
            return found, "haar_eyes"
        if tracked is not None:  # e.g. a blink hides the eyes from the cascade: keep tracking
            return tracked, "tracked"
        return [(fx + ex * fw, fy + ey * fh) for ex, ey in GEOM_EYES], "geometric"

    def _box(self, eyes, ew: float) -> tuple[int, int, int, int]:
        """Return the tracking template box (x, y, w, h): brows and lid creases, not the eyes themselves."""
        (lx, ly), (rx, ry) = eyes
        x0, y0 = int(min(lx, rx) - 0.8 * ew), int(min(ly, ry) - 1.2 * ew)
        return x0, y0, int(abs(rx - lx) + 1.6 * ew), int(abs(ry - ly) + 0.75 * ew)

    def _track(self, grey: np.ndarray):
        """Follow the eye-region template in a small window; return new eye centres or None when lost."""
        st = self.state
        x, y, w, h = self._box(st.eyes, st.eye_width)
        r = int(st.eye_width * 0.5) + 2
        if x - r < 0 or y - r < 0 or x + w + r > grey.shape[1] or y + h + r > grey.shape[0]:
            return None
        res = cv2.matchTemplate(grey[y - r:y + h + r, x - r:x + w + r], self.template, cv2.TM_CCOEFF_NORMED)
        _, score, _, (bx, by) = cv2.minMaxLoc(res)
        if score < self.track_min_score:
            return None
        dx, dy = bx - r + (x - self.anchor[0]), by - r + (y - self.anchor[1])
        return [(ex + dx, ey + dy) for ex, ey in self.anchor_eyes]

    def locate(self, frame_bgr: np.ndarray) -> EyeCrops | str:
        """Return the eye crops of the face in a BGR frame, or a reason string ("no_face", ...)."""
        if frame_bgr is None or frame_bgr.ndim != 3 or frame_bgr.shape[0] < 48 or frame_bgr.shape[1] < 48:
            return "bad_frame"
        self.crop_ms = 0.0
        grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        eyes = tracked = self._track(grey) if self.state is not None else None
        method, searched, face = "tracked", False, self.state.face if self.state else None
        if self.since_search >= self.redetect_every:
            eyes = None
        if eyes is None:
            face = self._find_face(grey)
            if face is None and self.state is not None:
                self.state = None
                face = self._find_face(grey)  # the face moved out of the region: search everything
            if face is None:
                self.reset()
                return "no_face"
            eyes, method = self._find_eyes(grey, face, tracked)
            searched, self.since_search = True, 0
        self.since_search += 1
        return self._finish(grey, face, eyes, method, searched)

    def _finish(self, grey, face, eyes, method, searched) -> EyeCrops | str:
        """Cut the crops, update the tracking state and return the result."""
        (lx, ly), (rx, ry) = eyes
        ew = math.hypot(rx - lx, ry - ly) * EYE_W_PER_SEP
        roll = math.degrees(math.atan2(ry - ly, rx - lx))
        h, w = grey.shape
        if min(lx, rx) - ew < 0 or max(lx, rx) + ew > w or min(ly, ry) - ew < 0 or max(ly, ry) + ew > h:
            self.reset()
            return "eyes_out_of_frame"
        if not searched:  # the face box follows the eyes
            fx, fy, fw, fh = self.state.face
            (plx, ply), (prx, pry) = self.state.eyes
            face = (int(fx + (lx + rx - plx - prx) / 2), int(fy + (ly + ry - ply - pry) / 2), fw, fh)
        t0 = time.perf_counter()
        crops = np.stack([eye_crop(grey, eyes[0], ew, roll, False), eye_crop(grey, eyes[1], ew, roll, True)])
        self.crop_ms = (time.perf_counter() - t0) * 1000
        self.state = EyeCrops(crops, face, (tuple(eyes[0]), tuple(eyes[1])), ew, roll, method, searched)
        if searched:
            x, y, w, h = self._box(eyes, ew)
            self.template, self.anchor, self.anchor_eyes = grey[y:y + h, x:x + w].copy(), (x, y), eyes
        return self.state
