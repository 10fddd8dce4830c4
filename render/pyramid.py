"""The blur pyramid: the input at 1/2, 1/4, ... resolution, and the coarse-to-fine blend over it."""
from __future__ import annotations

import moderngl

from .passes import Passes


class Pyramid:
    """Level targets made once per size and reused every frame (see shaders/lib/blend.glsl)."""

    def __init__(self, passes: Passes, size: tuple[int, int], down_box, down_tent):
        self.passes, self.size = passes, tuple(size)
        self._down_box, self._down_tent = down_box, down_tent
        self._levels: list = []  # pyramid of the input
        self._blends: list = []  # blended levels
        self._built = None  # (input texture, levels, content version) the levels now hold

    def programs(self) -> tuple:
        """Return the downsampling programs (the owner releases them)."""
        return self._down_box, self._down_tent

    def release(self) -> None:
        """Free the level targets."""
        for tex, fbo in self._levels + self._blends:
            fbo.release()
            tex.release()
        self._levels, self._blends = [], []

    def _targets(self, store: list, first: int, levels: int) -> list:
        """Grow a list of targets for levels first..levels (level k at 1/2^k resolution)."""
        w, h = self.size
        while len(store) < levels - first + 1:
            k = first + len(store)
            store.append(self.passes.target((max(1, w >> k), max(1, h >> k))))
        return store

    def build(self, src: moderngl.Texture, levels: int, version=None) -> list[moderngl.Texture]:
        """Downsample src to levels first..levels; return (first, textures).

        With a `version` of src's content, a rebuild for the same content is skipped: a gaze-only
        re-render of the same video frame reuses the pyramid (the blend passes depend on the gaze,
        the pyramid does not).

        Level 1 is skipped when there are more: one pass of four bilinear taps reads a 4x4 box of the
        full-resolution frame straight into level 2, saving a half-resolution pass and its sync, the
        costliest of the pyramid on a software rasteriser."""
        first = 2 if levels >= 2 else 1
        key = (src, levels, version)
        if version is not None and self._built == key:
            return first, [tex for tex, _ in self._levels[:levels - first + 1]]
        self._built = key if version is not None else None
        out, prev = [], src
        for k, (tex, fbo) in enumerate(self._targets(self._levels, first, levels)):
            program = self._down_box if first == 1 and k == 0 else self._down_tent
            self.passes.draw(program, fbo, {"u_src": prev}, {})
            out.append(tex)
            prev = tex
        return first, out

    def blend(self, programs: tuple, fbo, src: moderngl.Texture, levels: int, uniforms: dict,
              box=None, copy=None, version=None) -> None:
        """Run a pyramid-blend effect: blend levels coarse to fine, the last pass into fbo.

        programs: the effect compiled for the coarse levels, the finest reduced level and the last pass.
        Every pass also sees u_mean, the coarsest level: a local mean for contrast-aware effects.
        With a box, the full-resolution pass runs only there, over a plain upsampling `copy` (bilinear) of the
        coarse result: the effect's extent promises that outside the box that is all it would show."""
        coarse_program, near, final = programs
        first, pyramid = self.build(src, levels, version)
        blends = self._targets(self._blends, first, levels)
        mean = coarse = pyramid[-1]
        for k in range(levels - 1, first - 1, -1):
            tex, level_fbo = blends[k - first]
            inputs = {"u_fine": pyramid[k - first], "u_coarse": coarse, "u_mean": mean}
            level = {"u_level": float(k), "u_step": 1.0, "u_next": float(k - 1 if k > first else 0)}
            self.passes.draw(coarse_program if k > first else near, level_fbo, inputs, {**uniforms, **level})
            coarse = tex
        if box is not None:
            self.passes.draw_around(copy, fbo, {"u_src": coarse}, {}, box)
        self.passes.draw(final, fbo, {"u_src": src, "u_fine": src, "u_coarse": coarse, "u_mean": mean},
                         {**uniforms, "u_level": 0.0, "u_step": float(first), "u_next": -1.0}, box)
