"""The CPU render path: twins of the stock effects (foveate, spotlight, lens, exposure, scotoma, heatmap)
done with OpenCV, for machines whose GL is software.

On llvmpipe a single full-frame GL pass (upload, one texture read per pixel, readback) costs 9-15 ms
of CPU at 1280x720, more than this whole foveation (see docs/benchmarks.md), so a 720p30 foveated
stream cannot be cheap through GL there. The channel uses this path when the GL renderer is software
(or `--render-path cpu`) and every effect on in the chain has a CPU twin; any other chain renders
through GL as before. Spotlight, lens, exposure, scotoma and heatmap follow their shaders' formulas
(CpuSpotlight, CpuLens, CpuExposure, CpuScotoma, CpuHeatmap); the foveate twin follows shaders/foveate.glsl and lib/blend.glsl pass by pass:

- level 2 is a 4x4 box of the frame (two exact 2x area halvings), levels 3..5 a 4x4 box per texel;
- out_k = mix(level_k, upsampled out_k+1, clamp(lod - k, 0, 1)) for k = 4, 3, 2, at level k's size
  (the upsampling of levels 4 and 3 averages four bilinear taps, like upsample());
- contrast preservation stretches level 2's luminance around the coarsest level, like preserve_contrast();
- the output is out_2 enlarged bilinearly, with the frame blended back in, over two units of lod,
  only inside the box of the shader's `@extent` (beyond it the weight of the frame is 0).

Weights depend only on the distance to the gaze: they are cut from templates made once per parameter
set and size. Every buffer is allocated once. A twin is used only while the effect's source (and the
lib files) are the ones it was written from (TWIN_SHA256): an edited shader renders through GL.
"""
from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

import cv2
import numpy as np

from .compositor import step

__all__ = ["CpuCompositor", "CpuExposure", "CpuFoveate", "CpuHeatmap", "CpuLens", "CpuScotoma", "CpuSpotlight", "LEVELS",
           "TWIN_SHA256", "twin_digest", "value_noise"]

LEVELS = 5  # like `// @pyramid 5` in shaders/foveate.glsl
_LUMA = np.array([0.2126, 0.7152, 0.0722, 0.0], np.float32)  # RGBA -> luma, as luma() in common.glsl
_TAPS = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], np.float32) / 4  # 4 taps 1 fine pixel off
# SHA-256 of each twin's shader with lib/common.glsl and lib/blend.glsl, as the twin copies them. An
# edit of any of them (live, or in the repository) makes the effect render through GL; after changing a
# shader on purpose, change its twin to match and update this (tests/render/test_cpu_twin.py checks).
TWIN_SHA256 = {
    "foveate": "28ec5ae6fb04b934d50bc1a1dfe01111cb185a9268365f472dc292140796d7c9",
    "spotlight": "ba89f7eadf76dabbef960785a889e2376376170eae4653b89eaa8eba2e134d91",
    "lens": "cc247a6c70de7e5ad0fc383e34181a0f5b1a656bab5c5a763fb7219332cfa385",
    "exposure": "c2049ed43e5fa5de0ac673570a21e9dd278ff15da25bddb6cd7f017d9668aab3",
    "scotoma": "b4207d6f4d223ab6c638e18d54a8044ea7211ea345fecd9dfcec6b22f7e55536",  # with lib/noise.glsl
    "heatmap": "235f3c2c8c8b46403c393586f83f61babcfbed503e9fa5331b850c0b074e3f57",
}
_LIBS = ("lib/common.glsl", "lib/blend.glsl")  # what any twin may copy from
_MORE_LIBS = {"scotoma": ("lib/noise.glsl",)}  # and what one twin also copies


def twin_digest(source: str, shaders_dir: Path, effect: str | None = None) -> str | None:
    """Return the SHA-256 of an effect's source and the lib files its twin depends on (None if missing)."""
    h = hashlib.sha256(source.encode())
    try:
        for name in _LIBS + _MORE_LIBS.get(effect, ()):
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


class _BoxTwin:
    """A twin that works per pixel only in a box around the gaze: box-sized work buffers cut from flat
    ones made once (a prefix reshaped is contiguous), and the distance of each pixel to the gaze."""

    def __init__(self, size: tuple[int, int], buffers: tuple):
        self.size = w, h = tuple(int(v) for v in size)
        self.out = np.empty((h, w, 4), np.uint8)
        self._flat = {name: np.empty(w * h * n, dtype) for name, n, dtype in buffers}

    def _take(self, name: str, shape: tuple) -> np.ndarray:
        return self._flat[name][:int(np.prod(shape))].reshape(shape)

    def _box(self, gx: float, gy: float, reach: float):
        """Return (x0, x1, y0, y1) within reach pixels of the gaze, or None when empty."""
        w, h = self.size
        x0, x1 = max(0, int(gx - reach)), min(w, int(math.ceil(gx + reach)))
        y0, y1 = max(0, int(gy - reach)), min(h, int(math.ceil(gy + reach)))
        return (x0, x1, y0, y1) if x1 > x0 and y1 > y0 else None

    @staticmethod
    def _offsets(box, gx: float, gy: float) -> tuple[np.ndarray, np.ndarray]:
        """The offsets in pixels of the box's pixel centres from the point (gx, gy): (per column, per row)."""
        x0, x1, y0, y1 = box
        return (np.arange(x0, x1, dtype=np.float32) + np.float32(0.5 - gx),
                np.arange(y0, y1, dtype=np.float32) + np.float32(0.5 - gy))

    def _distance(self, out: np.ndarray, box, gx: float, gy: float) -> np.ndarray:
        """Fill out with gaze_distance() of each pixel centre of the box, in frame heights."""
        h = np.float32(self.size[1])
        dx, dy = (d / h for d in self._offsets(box, gx, gy))
        np.add((dy * dy)[:, None], (dx * dx)[None, :], out=out)
        return np.sqrt(out, out=out)


def _smoothstep(x: np.ndarray, edge0, width: float, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """GLSL smoothstep(edge0, edge0 + width, x) into out (x may be out; tmp: scratch like x). edge0 is a
    number or an array like x."""
    np.subtract(x, edge0, out=out)
    out *= 1.0 / width
    np.clip(out, 0.0, 1.0, out=out)
    np.multiply(out, -2.0, out=tmp)
    tmp += 3.0
    out *= out
    out *= tmp
    return out


class CpuSpotlight(_BoxTwin):
    """shaders/spotlight.glsl: e = smoothstep(radius, radius + softness, distance to the gaze);
    c = mix(c, luma(c), desaturate * e) * (1 - dim * e).

    Beyond the soft edge e = 1: one colour matrix over the whole frame (OpenCV's fast 3-channel
    transform). Inside the box around the gaze, e per pixel: mix with the luma, then with opaque black,
    each a blendLinear with per-pixel weights."""

    def __init__(self, size: tuple[int, int]):
        super().__init__(size, (("luma", 1, np.uint8), ("grey", 4, np.uint8), ("mixed", 4, np.uint8),
                                ("black", 4, np.uint8), ("e", 1, np.float32), ("w1", 1, np.float32),
                                ("w2", 1, np.float32)))
        w, h = self.size
        self._rgb = np.empty((h, w, 3), np.uint8)
        self._rgb_out = np.empty((h, w, 3), np.uint8)
        self._flat["black"].reshape(-1, 4)[:] = (0, 0, 0, 255)  # opaque black: a blend with it dims
        self._luma_row = _LUMA[None, :3].copy()

    def render(self, frame: np.ndarray, view, p: dict) -> np.ndarray:
        w, h = self.size
        radius, soft = float(p["radius"]), float(p["softness"])
        dim, desat = float(p["dim"]), float(p["desaturate"])
        outer = radius + soft + 1e-4
        # everywhere e = 1 first: (1 - dim) * ((1 - desat) I + desat * luma row); RGB -> RGBA sets alpha
        m = (1 - dim) * ((1 - desat) * np.eye(3, dtype=np.float32) + desat * self._luma_row)
        cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB, dst=self._rgb)
        cv2.transform(self._rgb, m, dst=self._rgb_out)
        cv2.cvtColor(self._rgb_out, cv2.COLOR_RGB2RGBA, dst=self.out)
        gx, gy = min(1.0, max(0.0, view.gaze[0])) * w, min(1.0, max(0.0, view.gaze[1])) * h
        box = self._box(gx, gy, outer * h + 1)
        if box is None:
            return self.out
        x0, x1, y0, y1 = box
        bh, bw = y1 - y0, x1 - x0
        e, w1, w2 = (self._take(n, (bh, bw)) for n in ("e", "w1", "w2"))
        _smoothstep(self._distance(e, box, gx, gy), radius, outer - radius, out=e, tmp=w1)
        luma = self._take("luma", (bh, bw))
        grey, mixed = self._take("grey", (bh, bw, 4)), self._take("mixed", (bh, bw, 4))
        cv2.transform(self._rgb[y0:y1, x0:x1], self._luma_row, dst=luma)
        cv2.cvtColor(luma, cv2.COLOR_GRAY2RGBA, dst=grey)
        np.multiply(e, desat, out=w2)
        np.subtract(1.0, w2, out=w1)
        cv2.blendLinear(frame[y0:y1, x0:x1], grey, w1, w2, dst=mixed)  # mix(c, luma, desaturate * e)
        np.multiply(e, dim, out=w2)
        np.subtract(1.0, w2, out=w1)
        target = self.out[y0:y1, x0:x1]
        cv2.blendLinear(mixed, self._take("black", (bh, bw, 4)), w1, w2, dst=target)  # * (1 - dim * e)
        return self.out


class CpuLens(_BoxTwin):
    """shaders/lens.glsl: inside = 1 - smoothstep(radius - softness - 1 px, radius, r); the frame mixed
    with the view magnified about the gaze (a bilinear warp), then with dark grey by rim * a Gaussian
    ring at the radius. Outside the `@extent` box the frame is copied, as the compositor does."""

    def __init__(self, size: tuple[int, int]):
        super().__init__(size, (("magnified", 4, np.uint8), ("mixed", 4, np.uint8), ("dark", 4, np.uint8),
                                ("r", 1, np.float32), ("w1", 1, np.float32), ("w2", 1, np.float32)))
        self._flat["dark"].reshape(-1, 4)[:] = (10, 10, 10, 255)  # vec3(0.04), opaque

    def render(self, frame: np.ndarray, view, p: dict) -> np.ndarray:
        w, h = self.size
        radius, zoom = float(p["radius"]), float(p["zoom"])
        soft, rim = float(p["softness"]), float(p["rim"])
        np.copyto(self.out, frame)
        gx, gy = float(view.gaze[0]) * w, float(view.gaze[1]) * h
        box = self._box(gx, gy, (1.2 * radius + 0.05) * h + 2)  # the shader's @extent, in pixels
        if box is None:
            return self.out
        x0, x1, y0, y1 = box
        bh, bw = y1 - y0, x1 - x0
        # the magnified view: texture(u_src, gaze + (uv - gaze) / zoom) at each pixel centre of the box
        cx, cy = gx + (0.5 - gx) / zoom - 0.5, gy + (0.5 - gy) / zoom - 0.5
        m = np.array([[1 / zoom, 0, x0 / zoom + cx], [0, 1 / zoom, y0 / zoom + cy]], np.float64)
        magnified = self._take("magnified", (bh, bw, 4))
        cv2.warpAffine(frame, m, (bw, bh), dst=magnified, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_REPLICATE)
        r, w1, w2 = (self._take(n, (bh, bw)) for n in ("r", "w1", "w2"))
        self._distance(r, box, gx, gy)
        lo = radius - soft - 1.0 / h
        _smoothstep(r, lo, radius - lo, out=w1, tmp=w2)
        np.subtract(1.0, w1, out=w2)  # w2 = inside = 1 - smoothstep(lo, radius, r), w1 = 1 - inside
        mixed = self._take("mixed", (bh, bw, 4))
        cv2.blendLinear(frame[y0:y1, x0:x1], magnified, w1, w2, dst=mixed)
        width = max(2.0 / h, 0.04 * radius)
        np.subtract(r, radius, out=w2)  # the rim: rim * exp(-0.5 ((r - radius) / width)^2)
        w2 *= 1.0 / width
        np.square(w2, out=w2)
        w2 *= -0.5
        np.exp(w2, out=w2)
        w2 *= rim
        np.subtract(1.0, w2, out=w1)
        cv2.blendLinear(mixed, self._take("dark", (bh, bw, 4)), w1, w2, dst=self.out[y0:y1, x0:x1])
        return self.out


class CpuExposure:
    """shaders/exposure.glsl: a function of each channel value alone, so one 256-entry table per frame
    (it depends on the pupil) applied with cv2.LUT."""

    def __init__(self, size: tuple[int, int]):
        self.size = w, h = tuple(int(v) for v in size)
        self.out = np.empty((h, w, 4), np.uint8)
        self._lut = np.full((256, 1, 4), 255, np.uint8)
        self._key = None
        self._v = np.arange(256, dtype=np.float32) / np.float32(255)

    def render(self, frame: np.ndarray, view, p: dict) -> np.ndarray:
        d = max(float(view.pupil_mm), 0.5)
        drive = 2.0 * math.log2(d / float(p["baseline_mm"])) if p["relative"] else (d - 5.0) / 3.0
        s = float(p["gain"]) * drive
        k = float(p["contrast"]) * 2.0 ** (-float(p["contrast_gain"]) * s)
        if self._key != (s, k):
            c = np.sqrt(self._v * self._v * np.float32(2.0 ** s))  # to linear (gamma 2), expose, back
            c = (c - 0.5) * np.float32(k) + 0.5
            self._lut[:, 0, :3] = np.rint(np.clip(c, 0.0, 1.0) * 255)[:, None]
            self._key = (s, k)
        return cv2.LUT(frame, self._lut, dst=self.out)


def _hash21(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """hash21() of lib/noise.glsl in float32, elementwise."""
    px = px * np.float32(123.34)
    px -= np.floor(px)
    py = py * np.float32(456.21)
    py -= np.floor(py)
    d = px * (px + np.float32(45.32)) + py * (py + np.float32(45.32))
    px += d
    py += d
    q = px * py
    return q - np.floor(q)


def fbm(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """fbm() of lib/noise.glsl in float32, elementwise."""
    f = np.float32
    return (f(0.5) * value_noise(px, py) + f(0.3) * value_noise(f(2.03) * px + f(17), f(2.03) * py + f(17))
            + f(0.2) * value_noise(f(4.01) * px + f(31), f(4.01) * py + f(31)))


def value_noise(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """value_noise() of lib/noise.glsl in float32, elementwise."""
    ix, iy = np.floor(px), np.floor(py)
    fx, fy = px - ix, py - iy
    ux, uy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
    one = np.float32(1)
    a, b = _hash21(ix, iy), _hash21(ix + one, iy)
    c, d = _hash21(ix, iy + one), _hash21(ix + one, iy + one)
    top, bottom = a + (b - a) * ux, c + (d - c) * ux
    return top + (bottom - top) * uy


class CpuScotoma(_BoxTwin):
    """shaders/scotoma.glsl: loss = disc(r, size) for the circle, disc(r, size) * (1 - disc(r, size / 2))
    for the ring, disc(r, R(direction)) * (1 - island) for the irregular shape; 1 - loss for a
    peripheral loss; about the gaze or, during a blink with freeze_on_blink, the gaze held before it;
    the frame mixed with the mottled grey fill by opacity * loss.

    Outside the `@extent` box the loss is 0 (central) or 1 (peripheral: one addWeighted over the frame).
    The noise is lib/noise.glsl's in float32, worked out where it is cheap:
    - the fill's mottle, value_noise(d * 9), is the same picture wherever the gaze is, shifted with it:
      it is made once per size for every whole-pixel offset (at quarter resolution, enlarged bilinearly:
      the noise's cells are 1/9 of the frame height) and cut at the gaze, half a pixel at most from the
      shader's, a fraction of a level;
    - the irregular outline, fbm(direction * 1.7 + 3), depends on the direction only: a table of 8192
      directions, read through the diamond angle (see _outline);
    - the islands, value_noise(d / size * 3 + 11), are hashed once per lattice point the box covers and
      blended per pixel from per-column and per-row weights (its x part depends on the column only)."""

    def __init__(self, size: tuple[int, int]):
        super().__init__(size, (("fill", 4, np.uint8), ("r", 1, np.float32), ("loss", 1, np.float32),
                                ("w1", 1, np.float32), ("w2", 1, np.float32)))
        w, h = self.size
        self._fill_full = np.empty((h, w, 4), np.uint8)
        self._mottle: np.ndarray | None = None  # grey fill, (2h + 1) x (2w + 1), offset (w, h) = the gaze
        self._flat.update({name: np.empty(w * h, np.float32) for name in ("theta", "zeros", "lower", "island")})
        self._outline_row: np.ndarray | None = None  # fbm(dir * 1.7 + 3) by diamond angle

    _OUTLINE_STEPS = 8192  # table entries over the 4 units of the diamond angle (under 1e-3 rad apart)

    def _outline_table(self) -> np.ndarray:
        """fbm(dir * 1.7 + 3) by diamond angle a in [0, 4] (see _outline), one row for cv2.remap."""
        if self._outline_row is None:
            a = np.linspace(0.0, 4.0, self._OUTLINE_STEPS + 1)
            u = np.where(a <= 2, a - 1, 3 - a)  # dy / (|dx| + |dy|)
            vx, vy = np.where(a <= 2, 1 - np.abs(u), np.abs(u) - 1), u
            norm = np.hypot(vx, vy)
            px = (vx / norm).astype(np.float32) * np.float32(1.7) + np.float32(3)
            py = (vy / norm).astype(np.float32) * np.float32(1.7) + np.float32(3)
            self._outline_row = fbm(px, py)[None, :].astype(np.float32)
        return self._outline_row

    def _outline(self, out: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Fill out with fbm(direction * 1.7 + 3) per pixel of the box, from the table.

        The direction is parametrised by the diamond angle a = 1 + u (dx >= 0) or 3 - u (dx < 0) with
        u = dy / (|dx| + |dy|): monotone in the angle, exact float arithmetic, no atan2 per pixel."""
        col = self._take("theta", out.shape)
        np.add(np.abs(dy)[:, None], np.abs(dx)[None, :], out=col)
        np.maximum(col, np.float32(1e-12), out=col)
        np.divide(dy[:, None], col, out=col)  # u
        scale = np.float32(self._OUTLINE_STEPS / 4.0)
        col *= np.where(dx >= 0, scale, -scale).astype(np.float32)[None, :]
        col += np.where(dx >= 0, scale, 3 * scale).astype(np.float32)[None, :]  # the table column
        rows = self._take("zeros", out.shape)
        rows.fill(0.0)
        return cv2.remap(self._outline_table(), col, rows, cv2.INTER_LINEAR, dst=out,
                         borderMode=cv2.BORDER_REPLICATE)

    def _islands(self, out: np.ndarray, box, cx: float, cy: float, size: float) -> np.ndarray:
        """Fill out with value_noise(d / max(size, 1e-3) * 3 + 11) over the box."""
        h = np.float32(self.size[1])
        k = np.float32(3.0 / max(size, 1e-3))
        px, py = (d / h * k + np.float32(11) for d in self._offsets(box, cx, cy))
        ix, iy = np.floor(px), np.floor(py)
        fx, fy = px - ix, py - iy
        ux, uy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
        lx = np.arange(ix[0], ix[-1] + 2, dtype=np.float32)  # the lattice points the box touches
        ly = np.arange(iy[0], iy[-1] + 2, dtype=np.float32)
        lattice = _hash21(*np.meshgrid(lx, ly))
        cols, rows = (ix - ix[0]).astype(np.intp), (iy - iy[0]).astype(np.intp)
        across = lattice[:, cols] + (lattice[:, cols + 1] - lattice[:, cols]) * ux  # per lattice row, per column
        top = self._take("theta", out.shape)
        np.take(across, rows, axis=0, out=top)
        np.take(across, rows + 1, axis=0, out=out)
        out -= top
        out *= uy[:, None]
        out += top
        return out

    def _mottle_table(self) -> np.ndarray:
        if self._mottle is None:
            w, h = self.size
            qw, qh = w // 2 + 1, h // 2 + 1  # every 4th offset of -w..w, -h..h (and one past the ends)
            ox = (np.arange(qw, dtype=np.float32) * 4 - w) / np.float32(h)
            oy = (np.arange(qh, dtype=np.float32) * 4 - h) / np.float32(h)
            px, py = np.meshgrid(ox * np.float32(9), oy * np.float32(9))
            fill = np.float32(0.42) + np.float32(0.08) * (value_noise(px, py) - np.float32(0.5))
            # enlarged so that table point 4k is quarter-table point k (cv2.resize would align centres)
            gx = np.linspace(0, qw - 1, (qw - 1) * 4 + 1, dtype=np.float32)
            gy = np.linspace(0, qh - 1, (qh - 1) * 4 + 1, dtype=np.float32)
            mx, my = np.meshgrid(gx, gy)
            big = cv2.remap(fill, mx, my, cv2.INTER_LINEAR)
            self._mottle = np.rint(big[:2 * h + 1, :2 * w + 1] * 255).astype(np.uint8)
        return self._mottle

    def _fill(self, cx: float, cy: float, box) -> np.ndarray:
        """The grey fill (RGBA) over the box (x0, x1, y0, y1), for the scotoma centred at pixel (cx, cy)."""
        w, h = self.size
        ix = min(w, max(0, round(cx - 0.5)))
        iy = min(h, max(0, round(cy - 0.5)))
        x0, x1, y0, y1 = box
        grey = self._mottle_table()[h - iy + y0:h - iy + y1, w - ix + x0:w - ix + x1]
        out = self._fill_full[y0:y1, x0:x1] if (x1 - x0, y1 - y0) == (w, h) else self._take("fill", grey.shape + (4,))
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGBA, dst=out)

    def render(self, frame: np.ndarray, view, p: dict, held=None) -> np.ndarray:
        w, h = self.size
        size, soft, opacity = float(p["size"]), float(p["softness"]), float(p["opacity"])
        shape, peripheral = int(p["shape"]), bool(p["peripheral"])
        centre = held if (p["freeze_on_blink"] and view.blink and held is not None) else view.gaze
        cx, cy = float(centre[0]) * w, float(centre[1]) * h
        s = max(soft, 1.5 / h)
        if peripheral:  # loss 1 outside the box: the whole frame mixed with the fill by opacity
            fill = self._fill(cx, cy, (0, w, 0, h))
            cv2.addWeighted(frame, 1.0 - opacity, fill, opacity, 0.0, dst=self.out)
        else:
            np.copyto(self.out, frame)
        box = self._box(cx, cy, (1.3 * size + soft + 0.01) * h + 2)  # the shader's @extent, in pixels
        if box is None:
            return self.out
        x0, x1, y0, y1 = box
        bh, bw = y1 - y0, x1 - x0
        r, loss, w1, w2 = (self._take(n, (bh, bw)) for n in ("r", "loss", "w1", "w2"))
        self._distance(r, box, cx, cy)
        if shape == 2:  # irregular: the outline's radius by direction, then the spared islands
            lower, island = self._take("lower", (bh, bw)), self._take("island", (bh, bw))
            self._outline(lower, *self._offsets(box, cx, cy))  # fbm of the direction
            lower *= 0.6 * size
            lower += 0.7 * size - 0.5 * s  # R - s / 2
            self._disc(r, lower, s, out=loss, tmp=w1)
            self._islands(island, box, cx, cy, size)
            loss *= self._disc(island, 0.62, 0.06, out=w1, tmp=island)  # 1 - smoothstep(0.62, 0.68, noise)
        else:
            self._disc(r, size - 0.5 * s, s, out=loss, tmp=w1)
        if shape == 1:  # the spared centre
            self._disc(r, 0.5 * size - 0.5 * s, s, out=w2, tmp=w1)
            np.subtract(1.0, w2, out=w2)
            loss *= w2
        if peripheral:
            np.subtract(1.0, loss, out=loss)
        np.multiply(loss, opacity, out=w2)
        np.subtract(1.0, w2, out=w1)
        cv2.blendLinear(frame[y0:y1, x0:x1], self._fill(cx, cy, box), w1, w2, dst=self.out[y0:y1, x0:x1])
        return self.out

    @staticmethod
    def _disc(r: np.ndarray, lower, s: float, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        """disc(r, R) = 1 - smoothstep(R - s / 2, R + s / 2, r), given lower = R - s / 2 (a number or
        an array like r)."""
        _smoothstep(r, lower, s, out=out, tmp=tmp)
        return np.subtract(1.0, out, out=out)


class CpuHeatmap:
    """shaders/heatmap.glsl: the heat state at 1/4 resolution (like `// @feedback 4`) stepped by the
    shader's exact solution, heat = prev * exp(-k dt) + rate * (1 - exp(-k min(dt, 0.5))) / k with
    rate = (1 - blink) exp(-(distance / radius)^2 / 2) / dwell at each state texel's centre, capped at 4;
    then the frame mixed with palette(0.25 + 0.75 heat) by opacity * smoothstep(0.02, 0.35, heat), the
    heat enlarged bilinearly (cv2.resize of float32 weighs like GL's bilinear). Palette and opacity come
    from 4096-entry tables of the heat; only the box of texels warmer than 0.02 (and one texel round)
    is blended, the rest is the frame."""

    STEPS = 4095

    def __init__(self, size: tuple[int, int]):
        self.size = w, h = tuple(int(v) for v in size)
        self.state_size = sw, sh = max(1, w // 4), max(1, h // 4)
        self.state = np.zeros((sh, sw), np.float32)
        self.out = np.empty((h, w, 4), np.uint8)
        self._heat = np.empty((h, w), np.float32)
        self._idx = np.empty(w * h, np.int32)
        self._alpha = np.empty(w * h, np.float32)
        self._beta = np.empty(w * h, np.float32)
        self._colour = np.empty(w * h * 4, np.uint8)
        self._ux = (np.arange(sw, dtype=np.float32) + np.float32(0.5)) / np.float32(sw)
        self._uy = (np.arange(sh, dtype=np.float32) + np.float32(0.5)) / np.float32(sh)
        self._rate = np.empty((sh, sw), np.float32)
        self._warm = np.empty((sh, sw), bool)
        self._tables: dict = {}

    def _table(self, colormap: int, opacity: float):
        key = (colormap, opacity)
        if key not in self._tables:
            t = np.linspace(0.0, 1.0, self.STEPS + 1, dtype=np.float32)
            colour = np.full((len(t), 4), 255, np.uint8)
            colour[:, :3] = np.rint(_palette(np.float32(0.25) + np.float32(0.75) * t, colormap) * 255)
            e = np.clip((t - np.float32(0.02)) / np.float32(0.33), 0, 1)
            alpha = (np.float32(opacity) * e * e * (3 - 2 * e)).astype(np.float32)
            self._tables = {key: (colour, alpha)}  # one parameter set at a time
        return self._tables[key]

    def step(self, view, p: dict, dt: float) -> None:
        """Advance the heat state by one render."""
        w, h = self.size
        k = 0.693147 / float(p["half_life"])
        dx = (self._ux - np.float32(view.gaze[0])) * np.float32(w / h)
        dy = self._uy - np.float32(view.gaze[1])
        rate = np.add((dy * dy)[:, None], (dx * dx)[None, :], out=self._rate)
        rate *= np.float32(-0.5 / float(p["radius"]) ** 2)
        np.exp(rate, out=rate)
        rate *= np.float32((1.0 - float(view.blink)) / float(p["dwell"]))
        gain = (1.0 - math.exp(-k * min(dt, 0.5))) / k
        self.state *= np.float32(math.exp(-k * dt))
        rate *= np.float32(gain)
        self.state += rate
        np.minimum(self.state, np.float32(4.0), out=self.state)

    def render(self, frame: np.ndarray, view, p: dict, dt: float = 0.0) -> np.ndarray:
        self.step(view, p, dt)
        w, h = self.size
        sw, sh = self.state_size
        np.copyto(self.out, frame)
        warm = np.greater(self.state, np.float32(0.02), out=self._warm)
        warm_rows = np.flatnonzero(warm.any(axis=1))
        if not len(warm_rows):
            return self.out
        warm_cols = np.flatnonzero(warm.any(axis=0))
        # a pixel's heat is a bilinear mix of the texels round it: one texel of margin each way
        x0, x1 = max(0, int((warm_cols[0] - 1) * w / sw)), min(w, int(math.ceil((warm_cols[-1] + 2) * w / sw)))
        y0, y1 = max(0, int((warm_rows[0] - 1) * h / sh)), min(h, int(math.ceil((warm_rows[-1] + 2) * h / sh)))
        cv2.resize(self.state, (w, h), dst=self._heat, interpolation=cv2.INTER_LINEAR)
        bh, bw = y1 - y0, x1 - x0
        heat = self._heat[y0:y1, x0:x1]
        idx = self._idx[:bh * bw].reshape(bh, bw)
        np.clip(heat, 0.0, 1.0, out=heat)
        heat *= np.float32(self.STEPS)
        np.rint(heat, out=heat)
        idx[...] = heat
        colour_table, alpha_table = self._table(int(p["colormap"]), float(p["opacity"]))
        alpha = self._alpha[:bh * bw].reshape(bh, bw)
        np.take(alpha_table, idx, out=alpha)
        beta = self._beta[:bh * bw].reshape(bh, bw)
        np.subtract(1.0, alpha, out=beta)
        colour = self._colour[:bh * bw * 4].reshape(bh, bw, 4)
        np.take(colour_table, idx, axis=0, out=colour)
        cv2.blendLinear(frame[y0:y1, x0:x1], colour, beta, alpha, dst=self.out[y0:y1, x0:x1])
        return self.out


def _palette(t: np.ndarray, colormap: int) -> np.ndarray:
    """palette() of shaders/heatmap.glsl, for a column of t in float32: (n, 3) in [0, 1]."""
    f = np.float32
    t = t.astype(np.float32)[:, None]
    if colormap == 1:  # jet
        c = np.concatenate([f(1.5) - np.abs(f(4) * t - f(3)), f(1.5) - np.abs(f(4) * t - f(2)),
                            f(1.5) - np.abs(f(4) * t - f(1))], axis=1)
    elif colormap == 2:
        c = np.repeat(np.array([[1.0, 0.1, 0.05]], np.float32), len(t), axis=0)
    else:  # inferno
        cs = [np.array(v, np.float32) for v in ((0.0002, 0.0016, -0.0194), (0.1065, 0.5640, 3.9327),
                                                (11.6025, -3.9729, -15.9424), (-41.7040, 17.4364, 44.3541),
                                                (77.1629, -33.4024, -81.8073), (-71.3194, 32.6261, 73.2095),
                                                (25.1311, -12.2427, -23.0703))]
        c = cs[6] * t
        for coeff in reversed(cs[1:6]):
            c = (c + coeff) * t
        c = c + cs[0]
    return np.clip(c, 0.0, 1.0)


class _FoveateTwin:
    """CpuFoveate behind the twin interface: the pyramid is reused while the input is the same upload."""

    def __init__(self, size):
        self.fov = CpuFoveate(size)

    def render(self, frame, view, p, version=None):
        return self.fov.render(frame, view.gaze, p["radius"], p["strength"], p["falloff"], p["contrast"],
                               version=version)


_TWINS = {"foveate": _FoveateTwin, "spotlight": CpuSpotlight, "exposure": CpuExposure, "lens": CpuLens,
          "scotoma": CpuScotoma, "heatmap": CpuHeatmap}


class CpuCompositor:
    """The Compositor's interface (upload, render, timings) for chains whose effects all have CPU twins.

    An empty chain returns the uploaded frame itself: nothing to do is free."""

    twins = tuple(_TWINS)

    def __init__(self, size: tuple[int, int], shaders_dir: str | Path):
        self.size = tuple(size)
        self.shaders_dir = Path(shaders_dir)
        self.frame: np.ndarray | None = None
        self.uploads = 0
        self.timings = {"render": 0.0, "readback": 0.0}
        self._made: dict = {}  # effect -> its twin, made on first use
        self._checked: dict[str, tuple] = {}  # effect -> (the spec last checked, stock?)
        self.gaze_held = (0.5, 0.5)  # the gaze of the last render without a blink, as the Compositor keeps it
        self.last_time: float | None = None  # View.time of the last render (u_dt is the step from it)
        self._dt = 0.0  # the step of the frame being rendered

    def supports(self, chain: list) -> bool:
        """Whether every (spec, params) of the chain has a CPU twin for the stock shader source."""
        return all(self._is_stock(spec) for spec, _ in chain)

    def _is_stock(self, spec) -> bool:
        if spec.name not in _TWINS:
            return False
        hit = self._checked.get(spec.name)
        if hit is None or hit[0] is not spec:  # a reload makes a new spec: check it once
            stock = twin_digest(spec.source, self.shaders_dir, spec.name) == TWIN_SHA256[spec.name]
            hit = self._checked[spec.name] = (spec, stock)
        return hit[1]

    def export_state(self, effects=None) -> dict:
        """What the next render carries over from this one: the clock, the held gaze and the state of
        each feedback effect (or of those named in `effects`): heat, float32 rows at its own resolution."""
        feedback = {name: twin.state.copy() for name, twin in self._made.items()
                    if isinstance(twin, CpuHeatmap) and (effects is None or name in effects)}
        return {"time": self.last_time, "gaze_held": self.gaze_held, "feedback": feedback}

    def import_state(self, state: dict, clock: bool = True) -> None:
        """Carry on from another compositor's export_state() (the clock and held gaze too unless
        clock=False), so a chain moving between the render paths keeps its heat, blink freeze and clock."""
        if clock:
            self.last_time, self.gaze_held = state["time"], tuple(state["gaze_held"])
        for name, heat in state["feedback"].items():
            if name not in _TWINS or _TWINS[name] is not CpuHeatmap:
                continue
            twin = self._made.get(name)
            if twin is None:
                twin = self._made[name] = CpuHeatmap(self.size)
            if heat.shape == twin.state.shape:
                twin.state[...] = heat

    def upload(self, frame: np.ndarray) -> None:
        """Take an RGBA frame of the compositor's size (kept by reference until the next upload)."""
        if frame.shape != (self.size[1], self.size[0], 4) or frame.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 {self.size[1]}x{self.size[0]}x4, got {frame.dtype} {frame.shape}")
        self.frame = frame
        self.uploads += 1

    def render(self, chain: list, view) -> np.ndarray:
        """Run a supported chain over the uploaded frame and return the RGBA result."""
        t0 = time.perf_counter()
        if not view.blink:
            self.gaze_held = tuple(view.gaze)
        self._dt = step(self.last_time, self._dt, view.time)
        self.last_time = view.time
        dt = self._dt
        out = self.frame
        for spec, params in chain:
            if spec.name not in _TWINS:
                raise ValueError(f"no CPU twin for effect {spec.name!r}")
            twin = self._made.get(spec.name)
            if twin is None:
                twin = self._made[spec.name] = _TWINS[spec.name](self.size)
            p = {**spec.defaults(), **params}
            if spec.name == "foveate":
                # the pyramid of the uploaded frame is reusable until the next upload (gaze-only renders)
                out = twin.render(out, view, p, version=self.uploads if out is self.frame else None)
            elif spec.name == "scotoma":
                out = twin.render(out, view, p, held=self.gaze_held)
            elif spec.name == "heatmap":
                out = twin.render(out, view, p, dt=dt)
            else:
                out = twin.render(out, view, p)
        self.timings = {"render": time.perf_counter() - t0, "readback": 0.0}
        return out
