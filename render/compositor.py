"""The compositor: upload a frame, run the effect chain with the gaze, read the result back."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from . import gl
from .effects import EffectSpec

HEADER = "#version 330 core\n#define {stage}\n{defines}"


@dataclass(frozen=True)
class View:
    """What every effect sees besides its own parameters."""

    gaze: tuple[float, float] = (0.5, 0.5)
    pupil_mm: float = 4.0
    blink: bool = False
    time: float = 0.0


class ShaderError(RuntimeError):
    """A program that does not compile or link; the message carries the driver's log."""


class Compositor:
    """Run effect programs over RGBA frames of one size, on the context of the calling thread."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], shaders_dir: str | Path):
        self.ctx, self.size = ctx, tuple(size)
        lib = Path(shaders_dir) / "lib"
        for p in lib.glob("*.glsl"):
            ctx.includes[p.name] = p.read_text()
        self.vao_cache: dict[int, moderngl.VertexArray] = {}
        self.programs: dict[str, moderngl.Program] = {}
        self._copy = self.compile_source((lib / "copy.glsl").read_text())
        down = (lib / "downsample.glsl").read_text()
        self._down_box = self.compile_source(down, ["DOWNSAMPLE_BOX"])
        self._down_tent = self.compile_source(down)
        self.src = self._texture(self.size)
        self._targets = [self._target(self.size) for _ in range(2)]
        self._levels: list[tuple[moderngl.Texture, moderngl.Framebuffer]] = []  # pyramid of the input
        self._blends: list[tuple[moderngl.Texture, moderngl.Framebuffer]] = []  # blended levels
        self.out = np.empty((self.size[1], self.size[0], 4), np.uint8)
        self.timings = {"render": 0.0, "readback": 0.0}  # seconds spent in the last render()

    def _texture(self, size) -> moderngl.Texture:
        tex = self.ctx.texture(size, 4)
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return tex

    def _target(self, size) -> tuple[moderngl.Texture, moderngl.Framebuffer]:
        tex = self._texture(size)
        return tex, self.ctx.framebuffer(color_attachments=[tex])

    def compile_source(self, source: str, defines=()) -> moderngl.Program:
        """Compile one program file (both stages); raise ShaderError with the driver's log."""
        extra = "".join(f"#define {d}\n" for d in defines)
        try:
            return self.ctx.program(
                vertex_shader=HEADER.format(stage="VERTEX_SHADER", defines=extra) + source,
                fragment_shader=HEADER.format(stage="FRAGMENT_SHADER", defines=extra) + source)
        except moderngl.Error as exc:
            raise ShaderError(str(exc)) from None

    def load(self, spec: EffectSpec) -> None:
        """Compile an effect; on error keep the previous program and raise ShaderError."""
        program = self.compile_source(spec.source)
        old = self.programs.get(spec.name)
        self.programs[spec.name] = program
        if old is not None:
            self.vao_cache.pop(id(old), None)
            old.release()

    def _vao(self, program: moderngl.Program) -> moderngl.VertexArray:
        vao = self.vao_cache.get(id(program))
        if vao is None:
            vao = self.vao_cache[id(program)] = self.ctx.vertex_array(program, [])
        return vao

    def _pass(self, program, fbo, inputs: dict, uniforms: dict) -> None:
        """Draw one full-screen pass into fbo."""
        for unit, (name, tex) in enumerate(inputs.items()):
            if name in program:
                tex.use(unit)
                program[name].value = unit
        for name, value in uniforms.items():
            if name in program:
                program[name].value = value
        fbo.use()
        self._vao(program).render(moderngl.TRIANGLES, vertices=3)

    def _level_targets(self, store: list, levels: int) -> list:
        """Grow a list of half, quarter, ... resolution targets to `levels` entries."""
        w, h = self.size
        while len(store) < levels:
            k = len(store) + 1
            store.append(self._target((max(1, w >> k), max(1, h >> k))))
        return store

    def _pyramid(self, src: moderngl.Texture, levels: int) -> list[moderngl.Texture]:
        """Build the blur pyramid of src: level k at 1/2^k resolution."""
        out, prev = [], src
        for k, (tex, fbo) in enumerate(self._level_targets(self._levels, levels)[:levels]):
            self._pass(self._down_box if k == 0 else self._down_tent, fbo, {"u_src": prev}, {})
            out.append(tex)
            prev = tex
        return out

    def _blur_pass(self, program, fbo, src, levels: int, uniforms: dict) -> None:
        """Run a pyramid-blend effect: blend levels coarse to fine, the last pass into fbo."""
        pyramid = self._pyramid(src, levels)
        blends = self._level_targets(self._blends, levels)
        coarse = pyramid[-1]
        for k in range(levels - 1, 0, -1):
            tex, level_fbo = blends[k - 1]
            self._pass(program, level_fbo, {"u_fine": pyramid[k - 1], "u_coarse": coarse},
                       {**uniforms, "u_level": float(k)})
            coarse = tex
        self._pass(program, fbo, {"u_src": src, "u_fine": src, "u_coarse": coarse},
                   {**uniforms, "u_level": 0.0})

    def upload(self, frame: np.ndarray) -> None:
        """Upload an RGBA frame of the compositor's size (row 0 = top)."""
        if frame.shape != (self.size[1], self.size[0], 4) or frame.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 {self.size[1]}x{self.size[0]}x4, got {frame.dtype} {frame.shape}")
        self.src.write(frame)

    def render(self, chain: list[tuple[EffectSpec, dict]], view: View) -> np.ndarray:
        """Run the chain over the uploaded frame and return the RGBA result (a reused buffer)."""
        t0 = time.perf_counter()
        common = {"u_gaze": tuple(view.gaze), "u_pupil": float(view.pupil_mm),
                  "u_blink": float(view.blink), "u_time": float(view.time),
                  "u_resolution": tuple(float(v) for v in self.size)}
        steps = [(self.programs[s.name], s, p) for s, p in chain if s.name in self.programs]
        if not steps:
            steps = [(self._copy, None, {})]
        current = self.src
        for i, (program, spec, params) in enumerate(steps):
            tex, fbo = self._targets[i % 2]
            if spec is not None and spec.pyramid:
                self._blur_pass(program, fbo, current, spec.pyramid, {**common, **params})
            else:
                self._pass(program, fbo, {"u_src": current}, {**common, **params})
            current = tex
        gl.finish(self.ctx)  # the GPU work, with the GIL released
        t1 = time.perf_counter()
        fbo.read_into(self.out, components=4, alignment=1)
        self.timings = {"render": t1 - t0, "readback": time.perf_counter() - t1}
        return self.out
