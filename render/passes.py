"""Full-screen passes on one context: render targets, cached vertex arrays, texture binding."""
from __future__ import annotations

import moderngl


class Passes:
    """Draw 3-vertex full-screen triangles into framebuffers; every resource is made once and reused."""

    def __init__(self, ctx: moderngl.Context):
        self.ctx = ctx
        self._vaos: dict[int, moderngl.VertexArray] = {}

    def texture(self, size, dtype: str = "f1") -> moderngl.Texture:
        """Return an RGBA texture, clamped at the edges and filtered bilinearly."""
        tex = self.ctx.texture(tuple(size), 4, dtype=dtype)
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return tex

    def target(self, size, dtype: str = "f1") -> tuple[moderngl.Texture, moderngl.Framebuffer]:
        """Return a texture and the framebuffer that draws into it."""
        tex = self.texture(size, dtype)
        return tex, self.ctx.framebuffer(color_attachments=[tex])

    def forget(self, program: moderngl.Program) -> None:
        """Drop the vertex array of a program about to be released."""
        vao = self._vaos.pop(id(program), None)
        if vao is not None:
            vao.release()

    def draw(self, program: moderngl.Program, fbo: moderngl.Framebuffer, inputs: dict, uniforms: dict,
             box: tuple[int, int, int, int] | None = None) -> None:
        """Draw one full-screen pass into fbo with textures bound to the named samplers, or only
        inside box (x, y, width, height in pixels from row 0)."""
        for unit, (name, tex) in enumerate(inputs.items()):
            if name in program:
                tex.use(unit)
                program[name].value = unit
        for name, value in uniforms.items():
            if name in program:
                program[name].value = value
        fbo.scissor = box
        fbo.use()
        vao = self._vaos.get(id(program))
        if vao is None:
            vao = self._vaos[id(program)] = self.ctx.vertex_array(program, [])
        vao.render(moderngl.TRIANGLES, vertices=3)
        if box is not None:
            fbo.scissor = None

    def draw_around(self, program, fbo, inputs: dict, uniforms: dict, box: tuple[int, int, int, int]) -> None:
        """Draw a pass everywhere except inside box, as up to four bands (no pixel is drawn twice)."""
        w, h = fbo.size
        x, y, bw, bh = box
        bands = [(0, 0, w, y), (0, y + bh, w, h - y - bh), (0, y, x, bh), (x + bw, y, w - x - bw, bh)]
        for band in bands:
            if band[2] > 0 and band[3] > 0:
                self.draw(program, fbo, inputs, uniforms, band)
