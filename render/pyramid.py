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

    def programs(self) -> tuple:
        """Return the downsampling programs (the owner releases them)."""
        return self._down_box, self._down_tent

    def release(self) -> None:
        """Free the level targets."""
        for tex, fbo in self._levels + self._blends:
            fbo.release()
            tex.release()
        self._levels, self._blends = [], []

    def _targets(self, store: list, levels: int) -> list:
        """Grow a list of half, quarter, ... resolution targets to `levels` entries."""
        w, h = self.size
        while len(store) < levels:
            k = len(store) + 1
            store.append(self.passes.target((max(1, w >> k), max(1, h >> k))))
        return store[:levels]

    def build(self, src: moderngl.Texture, levels: int) -> list[moderngl.Texture]:
        """Downsample src: level k at 1/2^k resolution (the first by a 2x2 box, the rest by a tent)."""
        out, prev = [], src
        for k, (tex, fbo) in enumerate(self._targets(self._levels, levels)):
            self.passes.draw(self._down_box if k == 0 else self._down_tent, fbo, {"u_src": prev}, {})
            out.append(tex)
            prev = tex
        return out

    def blend(self, program, fbo, src: moderngl.Texture, levels: int, uniforms: dict) -> None:
        """Run a pyramid-blend effect: blend levels coarse to fine, the last pass into fbo.

        Every pass also sees u_mean, the coarsest level: a local mean for contrast-aware effects."""
        pyramid = self.build(src, levels)
        blends = self._targets(self._blends, levels)
        mean = coarse = pyramid[-1]
        for k in range(levels - 1, 0, -1):
            tex, level_fbo = blends[k - 1]
            self.passes.draw(program, level_fbo, {"u_fine": pyramid[k - 1], "u_coarse": coarse, "u_mean": mean},
                             {**uniforms, "u_level": float(k)})
            coarse = tex
        self.passes.draw(program, fbo, {"u_src": src, "u_fine": src, "u_coarse": coarse, "u_mean": mean},
                         {**uniforms, "u_level": 0.0})
