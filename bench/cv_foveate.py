"""The CPU baseline: the foveate effect done with OpenCV, as fast as we could make it.

Same parameters and the same look as shaders/foveate.glsl (sharp fovea, blur doubling per unit of
lod up to `strength` levels), built the way a CPU likes it: every blur level at 1/4 resolution or
less, per-level weights cut from templates made once per parameter set (the weight depends only on
the distance to the gaze), one full-resolution resize for the periphery, and a blend of the sharp
frame only inside the box where the fovea can show through. All buffers are allocated once.
"""
from __future__ import annotations

import cv2
import numpy as np

LEVELS = 5  # like `// @pyramid 5`


class CvFoveate:
    """Foveate RGBA frames of one size on the CPU."""

    def __init__(self, size: tuple[int, int]):
        self.size = w, h = tuple(size)
        dims = [(max(1, w >> k), max(1, h >> k)) for k in range(LEVELS + 1)]
        self.dims = dims
        self.levels = {k: np.empty((dims[k][1], dims[k][0], 4), np.uint8) for k in range(2, LEVELS + 1)}
        self.blended = {k: np.empty_like(self.levels[k]) for k in range(2, LEVELS + 1)}
        self.up = {k: np.empty_like(self.levels[k]) for k in range(2, LEVELS)}
        self.out = np.empty((h, w, 4), np.uint8)
        self._templates: dict = {}

    def _template(self, k: int, params: tuple) -> np.ndarray:
        """Weights around a gaze at the centre of a 2x-frame canvas at level k: w = clip(lod - k, 0, 1)."""
        key = (k, params)
        if key not in self._templates:
            radius, strength, falloff = params
            w, h = self.dims[k]
            yy, xx = np.mgrid[-h:h, -w:w].astype(np.float32)
            dist = np.hypot((xx + 0.5) / h, (yy + 0.5) / h)  # frame-height units, as gaze_distance()
            e = np.clip((dist - radius) / falloff, 0, 1)
            lod = strength * e * e * (3 - 2 * e)
            step = 2.0 if k == 0 else 1.0  # the full-resolution blend spans two levels, like the GL pass
            wts = np.clip((lod - k) / step, 0, 1).astype(np.float32)
            self._templates[key] = (wts, 1.0 - wts)
        return self._templates[key]

    def _weights(self, k: int, gaze, params, rows=slice(None), cols=slice(None)):
        """Cut (coarse weight, fine weight) of level k, optionally a box of it, for this gaze."""
        w, h = self.dims[k]
        gx, gy = int(gaze[0] * w), int(gaze[1] * h)
        return tuple(t[h - gy:2 * h - gy, w - gx:2 * w - gx][rows, cols] for t in self._template(k, params))

    def render(self, frame: np.ndarray, gaze, radius=0.1, strength=4.0, falloff=0.35) -> np.ndarray:
        """Return the foveated frame (a reused buffer)."""
        params = (radius, strength, falloff)
        cv2.resize(frame, self.dims[2], dst=self.levels[2], interpolation=cv2.INTER_AREA)
        for k in range(3, LEVELS + 1):
            cv2.pyrDown(self.levels[k - 1], dst=self.levels[k], dstsize=self.dims[k])
        coarse = self.levels[LEVELS]
        for k in range(LEVELS - 1, 1, -1):  # coarse to fine at reduced resolution
            cv2.resize(coarse, self.dims[k], dst=self.up[k], interpolation=cv2.INTER_LINEAR)
            wc, wf = self._weights(k, gaze, params)
            cv2.blendLinear(self.levels[k], self.up[k], wf, wc, dst=self.blended[k])
            coarse = self.blended[k]
        cv2.resize(coarse, self.size, dst=self.out, interpolation=cv2.INTER_LINEAR)
        self._fovea(frame, gaze, params)
        return self.out

    def _fovea(self, frame, gaze, params) -> None:
        """Blend the sharp frame back in, only inside the box beyond which lod >= 2."""
        radius, strength, falloff = params
        w, h = self.size
        extent = radius + falloff if strength >= 2 else 10.0
        r = int(np.ceil(extent * h)) + 2
        gx, gy = int(gaze[0] * w), int(gaze[1] * h)
        rows, cols = slice(max(0, gy - r), min(h, gy + r)), slice(max(0, gx - r), min(w, gx + r))
        wc, wf = self._weights(0, gaze, params, rows, cols)
        box = self.out[rows, cols]
        cv2.blendLinear(frame[rows, cols], box, np.ascontiguousarray(wf), np.ascontiguousarray(wc), dst=box)
