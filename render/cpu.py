"""The CPU render path: the stock foveate effect done with OpenCV, for machines whose GL is software.

On llvmpipe a single full-frame GL pass (upload, one texture read per pixel, readback) costs 9-15 ms
of CPU at 1280x720, more than this whole foveation (see docs/benchmarks.md), so a 720p30 foveated
stream cannot be cheap through GL there. The channel uses this path when the GL renderer is software
(or `--render-path cpu`) and every effect on in the chain has a CPU twin; any other chain renders
through GL as before. The twin follows shaders/foveate.glsl and lib/blend.glsl pass by pass:

- level 2 is a 4x4 box of the frame (two exact 2x area halvings), levels 3..5 a 4x4 box per texel;
- out_k = mix(level_k, upsampled out_k+1, clamp(lod - k, 0, 1)) for k = 4, 3, 2, at level k's size
  (the upsampling of levels 4 and 3 averages four bilinear taps, like upsample());
- contrast preservation stretches level 2's luminance around the coarsest level, like preserve_contrast();
- the output is out_2 enlarged bilinearly, with the frame blended back in, over two units of lod,
  only inside the box of the shader's `@extent` (beyond it the weight of the frame is 0).

Weights depend only on the distance to the gaze: they are cut from templates made once per parameter
set and size. Every buffer is allocated once. The twin is used only while the effect's source (and
the lib files it includes) are the stock ones: an edited foveate.glsl renders through GL.
"""
from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

import cv2
import numpy as np

__all__ = ["CpuCompositor", "CpuFoveate", "FOVEATE_SHA256", "LEVELS", "PATHS", "twin_digest"]

PATHS = ("auto", "gl", "cpu")  # --render-path: auto = CPU twins when the GL renderer is software
LEVELS = 5  # like `// @pyramid 5` in shaders/foveate.glsl
_LUMA = np.array([0.2126, 0.7152, 0.0722, 0.0], np.float32)  # RGBA -> luma, as luma() in common.glsl
_TAPS = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], np.float32) / 4  # 4 taps 1 fine pixel off
# SHA-256 of foveate.glsl + lib/common.glsl + lib/blend.glsl as this twin copies them. An edit of any of
# them (live, or in the repository) makes the effect render through GL; after changing the shader on
# purpose, change the twin to match and update this (tests/render/test_cpu_twin.py checks both).
FOVEATE_SHA256 = "28ec5ae6fb04b934d50bc1a1dfe01111cb185a9268365f472dc292140796d7c9"
_LIBS = ("lib/common.glsl", "lib/blend.glsl")


def twin_digest(source: str, shaders_dir: Path) -> str | None:
    """Return the SHA-256 of an effect's source and the lib files its twin depends on (None if missing)."""
    h = hashlib.sha256(source.encode())
    try:
        for name in _LIBS:
            h.update((Path(shaders_dir) / name).read_bytes())
    except OSError:
        return None
    return h.hexdigest()


def _extent(radius: float, strength: float, falloff: float) -> float:
    """Where lod reaches 2, in frame heights from the gaze (the `@extent` of foveate.glsl)."""
    if strength < 2:
        return math.inf
    return radius + falloff * (0.5 - math.sin(math.asin(1 - 4 / strength) / 3))


class CpuFoveate:
    """Foveate RGBA frames of one size on the CPU, with the parameters of shaders/foveate.glsl."""

    def __init__(self, size: tuple[int, int]):
        self.size = w, h = tuple(int(v) for v in size)
        self.dims = [(max(1, w >> k), max(1, h >> k)) for k in range(LEVELS + 1)]
        self.half = np.empty((self.dims[1][1], self.dims[1][0], 4), np.uint8)
        self.levels = {k: self._buffer(k) for k in range(2, LEVELS + 1)}
        self.blended = {k: self._buffer(k) for k in range(2, LEVELS)}
        self.up = {k: self._buffer(k) for k in range(2, LEVELS)}
        self.mean_up = np.empty((self.dims[2][1], self.dims[2][0], 4), np.uint8)
        self._luma = np.empty((self.dims[2][1], self.dims[2][0]), np.float32)
        self._lift = np.empty_like(self._luma)
        self._float = np.empty((self.dims[2][1], self.dims[2][0], 4), np.float32)
        self._mean = np.empty_like(self._float)
        self.out = np.empty((h, w, 4), np.uint8)
        self._templates: dict = {}
        self._scratch: dict = {}  # shape -> a filtered copy of a level, before it is sampled
        self._params = None
        self._built = None  # the content version the pyramid levels hold

    def _buffer(self, k: int) -> np.ndarray:
        return np.empty((self.dims[k][1], self.dims[k][0], 4), np.uint8)

    def _template(self, k: int, params: tuple):
        """Return (lod, coarse weight, fine weight) around a gaze at the centre of a canvas at level k:
        2x the level's size, or for the full-resolution blend just twice the extent."""
        if params != self._params:  # sliders move: keep one parameter set
            self._templates, self._params = {}, params
        if k not in self._templates:
            radius, strength, falloff = params
            w, h = self.dims[k]
            scale = self.size[1] / h  # full-resolution pixels per level pixel
            reach = _extent(radius, strength, falloff)
            hw, hh = w, h
            if k == 0 and math.isfinite(reach):
                hw = hh = min(max(w, h), int(math.ceil(reach * h)) + 2)
            yy, xx = np.mgrid[-hh:hh, -hw:hw].astype(np.float32)
            # distance of the level pixel's centre from the gaze, in frame heights (gaze_distance())
            dist = np.hypot(xx + 0.5, yy + 0.5) * np.float32(scale / self.size[1])
            e = np.clip((dist - radius) / falloff, 0, 1)
            lod = (strength * e * e * (3 - 2 * e)).astype(np.float32)
            step = 2.0 if k == 0 else 1.0  # the last pass spans two levels: level 1 is skipped
            wc = np.clip((lod - k) / step, 0, 1).astype(np.float32)
            self._templates[k] = (hw, hh, lod, wc, np.float32(1) - wc)
        return self._templates[k]

    def _cut(self, k: int, gaze, params, rows=None, cols=None):
        """Cut the templates of level k for this gaze: (lod, coarse weight, fine weight) views."""
        w, h = self.dims[k]
        hw, hh, *maps = self._template(k, params)
        gx, gy = int(gaze[0] * w), int(gaze[1] * h)
        r0, c0 = hh - gy, hw - gx
        rows = rows or (0, h)
        cols = cols or (0, w)
        return [m[r0 + rows[0]:r0 + rows[1], c0 + cols[0]:c0 + cols[1]] for m in maps]

    def _scratch_for(self, like: np.ndarray) -> np.ndarray:
        """A buffer the shape of `like`, made once (a level is filtered, then sampled)."""
        if like.shape not in self._scratch:
            self._scratch[like.shape] = np.empty_like(like)
        return self._scratch[like.shape]

    def _taps_down(self, src: np.ndarray, dst: np.ndarray) -> None:
        """downsample.glsl at any ratio (an odd size: 720 / 16 = 45 rows): the mean of bilinear taps one
        source texel either side is the bilinear sample of the source averaged with its +-1 neighbours."""
        spread = self._scratch_for(src)
        cv2.filter2D(src, -1, _TAPS, dst=spread, borderType=cv2.BORDER_REPLICATE)
        cv2.resize(spread, (dst.shape[1], dst.shape[0]), dst=dst, interpolation=cv2.INTER_LINEAR)

    def build(self, frame: np.ndarray, version=None) -> None:
        """Make the pyramid of a frame; with the same content version it is kept (gaze-only re-renders)."""
        if version is not None and version == self._built:
            return
        level2 = self.levels[2]
        if frame.shape[0] == 4 * level2.shape[0] and frame.shape[1] == 4 * level2.shape[1]:
            cv2.resize(frame, self.dims[1], dst=self.half, interpolation=cv2.INTER_AREA)  # exact 2x2 means
            cv2.resize(self.half, self.dims[2], dst=level2, interpolation=cv2.INTER_AREA)
        else:
            self._taps_down(frame, level2)
        for k in range(3, LEVELS + 1):  # downsample.glsl: four bilinear taps = a 4x4 box around each texel
            finer, level = self.levels[k - 1], self.levels[k]
            if finer.shape[0] == 2 * level.shape[0] and finer.shape[1] == 2 * level.shape[1]:
                boxed = self._scratch_for(finer)
                cv2.blur(finer, (4, 4), dst=boxed, borderType=cv2.BORDER_REPLICATE)
                np.copyto(level, boxed[1::2, 1::2])
            else:
                self._taps_down(finer, level)
        self._built = version

    def render(self, frame: np.ndarray, gaze, radius=0.1, strength=4.0, falloff=0.35, contrast=0.0,
               version=None) -> np.ndarray:
        """Return the foveated frame (a reused buffer)."""
        params = (float(radius), float(strength), float(falloff))
        gaze = tuple(min(1.0, max(0.0, float(g))) for g in gaze)  # the templates reach one frame either side
        self.build(frame, version)
        coarse = self.levels[LEVELS]
        for k in range(LEVELS - 1, 1, -1):  # coarse to fine at reduced resolution
            cv2.resize(coarse, self.dims[k], dst=self.up[k], interpolation=cv2.INTER_LINEAR)
            if k > 2:  # upsample() without BLEND_ONE_TAP: bilinear taps half a coarse texel apart
                cv2.filter2D(self.up[k], -1, _TAPS, dst=self.up[k], borderType=cv2.BORDER_REPLICATE)
            _, wc, wf = self._cut(k, gaze, params)
            cv2.blendLinear(self.levels[k], self.up[k], wf, wc, dst=self.blended[k])
            coarse = self.blended[k]
        if contrast > 0:
            self._preserve_contrast(gaze, params, float(contrast))
        cv2.resize(coarse, self.size, dst=self.out, interpolation=cv2.INTER_LINEAR)
        self._fovea(frame, gaze, params)
        return self.out

    def _preserve_contrast(self, gaze, params, contrast: float) -> None:
        """Stretch level 2's luminance around the local mean (the coarsest level), more where the blur
        removed more: c + (luma(c) - luma(mean)) * contrast * 0.4 * min(lod, 2.5)."""
        level = self.blended[2]
        w, h = self.dims[2]
        cv2.resize(self.levels[LEVELS], (w, h), dst=self.mean_up, interpolation=cv2.INTER_LINEAR)
        lod = self._cut(2, gaze, params)[0]
        self._mean[...] = self.mean_up
        cv2.transform(self._mean, _LUMA[None, :], dst=self._lift)  # float in, float out
        self._float[...] = level
        cv2.transform(self._float, _LUMA[None, :], dst=self._luma)
        np.subtract(self._luma, self._lift, out=self._lift)
        np.minimum(lod, 2.5, out=self._luma)
        self._lift *= self._luma
        self._lift *= contrast * 0.4
        self._float += self._lift[..., None]
        self._float[..., 3] = 255.0
        np.clip(self._float, 0, 255, out=self._float)
        np.rint(self._float, out=self._float)
        level[...] = self._float

    def _fovea(self, frame: np.ndarray, gaze, params) -> None:
        """Blend the frame back in where lod < 2: inside the extent's box around the gaze."""
        w, h = self.size
        reach = _extent(*params)
        r = int(math.ceil(reach * h)) + 2 if math.isfinite(reach) else max(w, h)
        gx, gy = int(gaze[0] * w), int(gaze[1] * h)
        rows, cols = (max(0, gy - r), min(h, gy + r)), (max(0, gx - r), min(w, gx + r))
        if rows[1] <= rows[0] or cols[1] <= cols[0]:
            return
        _, wc, wf = self._cut(0, gaze, params, rows, cols)
        box = self.out[rows[0]:rows[1], cols[0]:cols[1]]
        cv2.blendLinear(frame[rows[0]:rows[1], cols[0]:cols[1]], box, wf, wc, dst=box)


class CpuCompositor:
    """The Compositor's interface (upload, render, timings) for chains whose effects all have CPU twins.

    An empty chain returns the uploaded frame itself: nothing to do is free."""

    twins = ("foveate",)

    def __init__(self, size: tuple[int, int], shaders_dir: str | Path):
        self.size = tuple(size)
        self.shaders_dir = Path(shaders_dir)
        self.frame: np.ndarray | None = None
        self.uploads = 0
        self.timings = {"render": 0.0, "readback": 0.0}
        self._foveate: CpuFoveate | None = None
        self._checked: dict[int, tuple] = {}  # id(spec) -> (spec, stock?)

    def supports(self, chain: list) -> bool:
        """Whether every (spec, params) of the chain has a CPU twin for the stock shader source."""
        return all(self._is_stock(spec) for spec, _ in chain)

    def _is_stock(self, spec) -> bool:
        if spec.name not in self.twins:
            return False
        hit = self._checked.get(id(spec))
        if hit is None or hit[0] is not spec:
            hit = self._checked[id(spec)] = (spec, twin_digest(spec.source, self.shaders_dir) == FOVEATE_SHA256)
        return hit[1]

    def upload(self, frame: np.ndarray) -> None:
        """Take an RGBA frame of the compositor's size (kept by reference until the next upload)."""
        if frame.shape != (self.size[1], self.size[0], 4) or frame.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 {self.size[1]}x{self.size[0]}x4, got {frame.dtype} {frame.shape}")
        self.frame = frame
        self.uploads += 1

    def render(self, chain: list, view) -> np.ndarray:
        """Run a supported chain over the uploaded frame and return the RGBA result."""
        t0 = time.perf_counter()
        out = self.frame
        for spec, params in chain:
            if spec.name == "foveate":
                if self._foveate is None:
                    self._foveate = CpuFoveate(self.size)
                p = {**spec.defaults(), **params}
                version = self.uploads if out is self.frame else None
                out = self._foveate.render(out, view.gaze, p["radius"], p["strength"], p["falloff"],
                                           p["contrast"], version=version)
            else:
                raise ValueError(f"no CPU twin for effect {spec.name!r}")
        self.timings = {"render": time.perf_counter() - t0, "readback": 0.0}
        return out
