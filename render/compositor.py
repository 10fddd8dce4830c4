"""The compositor: upload a frame, run the effect chain with the gaze, read the result back."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from . import gl, glsl
from .effects import EffectSpec
from .glsl import ShaderError
from .passes import Passes
from .pyramid import Pyramid

__all__ = ["Compositor", "ShaderError", "View"]


@dataclass(frozen=True)
class View:
    """What every effect sees besides its own parameters."""

    gaze: tuple[float, float] = (0.5, 0.5)
    pupil_mm: float = 4.0
    blink: bool = False
    time: float = 0.0  # seconds on the channel's clock; its steps give u_dt


class Compositor:
    """Run effect programs over RGBA frames of one size, on the context of the calling thread.

    Besides the common uniforms of shaders/lib/common.glsl, effects get:
    - u_gaze_held: the gaze of the last render without a blink (a blink freezes it);
    - u_dt: seconds of View.time since the previous frame (0 on the first; a render that repeats the
      View.time, a later run of the same frame in a mixed chain, gets the same step);
    - with `// @pyramid N`: the blur pyramid (u_fine, u_coarse, u_mean, u_level; see lib/blend.glsl); the
      finest reduced pass runs the program compiled with BLEND_ONE_TAP, the full-resolution pass with
      BLEND_FINAL too, so effects can keep work out of them (llvmpipe pays for both sides of a branch);
    - with `// @feedback [D]`: a persistent RGBA32F state at 1/D resolution. Each render first runs the
      program compiled with FEEDBACK_PASS into the state (reading the previous state as u_prev), then
      the program itself with the new state as u_state;
    - with `// @extent EXPR`: the effect runs only in the box around the gaze (and held gaze) that EXPR
      bounds, over a plain copy (see EffectSpec.extent_at).
    """

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], shaders_dir: str | Path):
        self.ctx, self.size = ctx, tuple(size)
        self.lib = Path(shaders_dir) / "lib"
        self.passes = Passes(ctx)
        self.programs: dict[str, moderngl.Program] = {}
        self._variants: dict[str, dict[str, moderngl.Program]] = {}  # effect -> {"update"|"near"|"final": program}
        self._states: dict[str, list] = {}  # effect -> [(tex, fbo) previous, (tex, fbo) next]
        self._copy = self._lib_program("copy.glsl")  # 1:1, texelFetch
        self._upsample = self._lib_program("copy.glsl", ["UPSAMPLE"])  # a smaller texture, bilinear
        self._pyramid = Pyramid(self.passes, self.size, self._lib_program("downsample.glsl", ["DOWNSAMPLE_BOX"]),
                                self._lib_program("downsample.glsl"))
        self.src = self.passes.texture(self.size)
        self.uploads = 0  # the content version of src: the blur pyramid is reused until it changes
        self._targets = [self.passes.target(self.size) for _ in range(2)]
        self.out = np.empty((self.size[1], self.size[0], 4), np.uint8)
        self.gaze_held = (0.5, 0.5)
        self._last_time: float | None = None
        self._dt = 0.0  # the step of the frame being rendered
        self.timings = {"render": 0.0, "readback": 0.0}  # seconds spent in the last render()

    def _lib_program(self, name: str, defines=()) -> moderngl.Program:
        path = self.lib / name
        return self.compile_source(path.read_text(), defines, path=str(path))

    def compile_source(self, source: str, defines=(), path: str = "<source>",
                       effect: str | None = None) -> moderngl.Program:
        """Compile one program file (both stages); raise ShaderError located in the file."""
        return glsl.build(self.ctx, source, path, self.lib, defines, effect)

    def load(self, spec: EffectSpec) -> None:
        """Compile an effect and its variants; on error keep the previous programs and raise ShaderError."""
        wanted = {"main": ()}
        if spec.feedback:
            wanted["update"] = ("FEEDBACK_PASS",)
        if spec.pyramid:
            wanted["near"] = ("BLEND_ONE_TAP",)
            wanted["final"] = ("BLEND_FINAL", "BLEND_ONE_TAP")
        built: dict[str, moderngl.Program] = {}
        try:
            for key, defines in wanted.items():
                built[key] = self.compile_source(spec.source, defines, path=spec.path, effect=spec.name)
        except ShaderError:
            for program in built.values():
                program.release()
            raise
        self.unload(spec.name, keep_state=True)
        self.programs[spec.name] = built.pop("main")
        self._variants[spec.name] = built
        if spec.feedback:
            self._ensure_state(spec.name, spec.feedback)
        else:
            self._drop_state(spec.name)

    def unload(self, name: str, keep_state: bool = False) -> None:
        """Release an effect's programs (and its state unless kept for a reload)."""
        olds = [self.programs.pop(name, None), *self._variants.pop(name, {}).values()]
        for old in olds:
            if old is not None:
                self.passes.forget(old)
                old.release()
        if not keep_state:
            self._drop_state(name)

    def _ensure_state(self, name: str, divisor: int) -> None:
        """Make the two state textures of a feedback effect at 1/divisor resolution, cleared."""
        size = (max(1, self.size[0] // divisor), max(1, self.size[1] // divisor))
        if name in self._states and self._states[name][0][0].size == size:
            return
        self._drop_state(name)
        self._states[name] = [self.passes.target(size, "f4") for _ in range(2)]
        self.reset_state(name)

    def _drop_state(self, name: str) -> None:
        for tex, fbo in self._states.pop(name, []):
            fbo.release()
            tex.release()

    def reset_state(self, name: str | None = None) -> None:
        """Clear the persistent state of one feedback effect, or of all."""
        for key in ([name] if name else list(self._states)):
            for _, fbo in self._states.get(key, []):
                fbo.clear(0.0, 0.0, 0.0, 0.0)

    def read_state(self, name: str) -> np.ndarray:
        """Return the current state of a feedback effect as float32 rows (row 0 = top), for tests and tools."""
        tex = self._states[name][0][0]  # after a render the newest state sits first
        return np.frombuffer(tex.read(), np.float32).reshape(tex.height, tex.width, 4)

    def export_state(self, effects=None) -> dict:
        """What the next render carries over from this one: the clock, the held gaze and the state of
        each feedback effect (or of those named in `effects`): channel r, float32 rows at its resolution."""
        return {"time": self._last_time, "gaze_held": self.gaze_held,
                "feedback": {name: self.read_state(name)[..., 0].copy() for name in self._states
                             if effects is None or name in effects}}

    def import_state(self, state: dict, clock: bool = True) -> None:
        """Carry on from another compositor's export_state() (the CPU twins'): the chain moved here.
        The clock and the held gaze too unless clock=False."""
        if clock:
            self._last_time, self.gaze_held = state["time"], tuple(state["gaze_held"])
        for name, values in state["feedback"].items():
            if name not in self._states:
                continue
            tex = self._states[name][0][0]  # the newest state: the next render reads it as u_prev
            if values.shape != (tex.height, tex.width):
                continue
            rgba = np.zeros((tex.height, tex.width, 4), np.float32)
            rgba[..., 0], rgba[..., 3] = values, 1.0
            tex.write(rgba)

    def release(self) -> None:
        """Free every GL object this compositor made."""
        # moderngl rebinds the last used framebuffer when it makes another: park it on framebuffer 0
        self.ctx.detect_framebuffer(0).use()
        for name in list(self.programs):
            self.unload(name)
        for program in (self._copy, self._upsample, *self._pyramid.programs()):
            self.passes.forget(program)
            program.release()
        self._pyramid.release()
        for tex, fbo in self._targets:
            fbo.release()
            tex.release()
        self.src.release()

    def upload(self, frame: np.ndarray) -> None:
        """Upload an RGBA frame of the compositor's size (row 0 = top)."""
        if frame.shape != (self.size[1], self.size[0], 4) or frame.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 {self.size[1]}x{self.size[0]}x4, got {frame.dtype} {frame.shape}")
        self.src.write(frame)
        self.uploads += 1

    def _common(self, view: View) -> dict:
        """Return the uniforms every effect gets, advancing the held gaze and the clock."""
        if not view.blink:
            self.gaze_held = tuple(view.gaze)
        self._dt = step(self._last_time, self._dt, view.time)
        self._last_time = view.time
        dt = self._dt
        return {"u_gaze": tuple(view.gaze), "u_gaze_held": self.gaze_held, "u_pupil": float(view.pupil_mm),
                "u_blink": float(view.blink), "u_time": float(view.time), "u_dt": float(dt),
                "u_resolution": (float(self.size[0]), float(self.size[1]))}

    def _box(self, reach: float, common: dict):
        """Return the pixel box within `reach` frame heights of the gaze and the held gaze, or None
        when splitting the pass would not pay (the box is most of the frame)."""
        w, h = self.size
        if not math.isfinite(reach):
            return None
        r = reach * h + 2  # + 2 px: soft edges and rounding
        xs = [g[0] * w for g in (common["u_gaze"], common["u_gaze_held"])]
        ys = [g[1] * h for g in (common["u_gaze"], common["u_gaze_held"])]
        x0, y0 = max(0, int(min(xs) - r)), max(0, int(min(ys) - r))
        x1, y1 = min(w, int(max(xs) + r) + 1), min(h, int(max(ys) + r) + 1)
        if (x1 - x0) * (y1 - y0) > 0.6 * w * h:
            return None
        return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def _step(self, spec: EffectSpec | None, program, fbo, current, uniforms: dict) -> None:
        """Run one effect of the chain from `current` into fbo."""
        variants = self._variants.get(spec.name, {}) if spec is not None else {}
        inputs = {"u_src": current}
        if "update" in variants:
            states = self._states[spec.name]
            (prev, _), (nxt, nxt_fbo) = states
            self.passes.draw(variants["update"], nxt_fbo, {"u_src": current, "u_prev": prev}, uniforms)
            states.reverse()  # ping-pong: this frame's state is next frame's u_prev
            inputs["u_state"] = nxt
        # an effect that acts near the gaze only runs there, over a plain copy: on llvmpipe every
        # full-frame texture read costs milliseconds, and a branch in the shader saves nothing
        box = self._box(spec.extent_at(uniforms), uniforms) if spec is not None and spec.extent else None
        if spec is not None and spec.pyramid:
            programs = (program, variants["near"], variants["final"])
            # the pyramid of the uploaded frame is reusable until the next upload; of any other
            # input (an earlier effect's output, which follows the gaze) it is not
            version = self.uploads if current is self.src else None
            self._pyramid.blend(programs, fbo, current, spec.pyramid, uniforms, box, self._upsample, version)
            return
        if box is not None:
            self.passes.draw_around(self._copy, fbo, {"u_src": current}, {}, box)
        self.passes.draw(program, fbo, inputs, uniforms, box)

    def render(self, chain: list[tuple[EffectSpec, dict]], view: View) -> np.ndarray:
        """Run the chain over the uploaded frame and return the RGBA result (a reused buffer)."""
        t0 = time.perf_counter()
        common = self._common(view)
        steps = [(s, self.programs[s.name], p) for s, p in chain if s.name in self.programs]
        if not steps:
            steps = [(None, self._copy, {})]
        current = self.src
        for i, (spec, program, params) in enumerate(steps):
            tex, fbo = self._targets[i % 2]
            self._step(spec, program, fbo, current, {**common, **_typed(spec, params)})
            current = tex
        gl.finish(self.ctx)  # the GPU work, with the GIL released
        t1 = time.perf_counter()
        fbo.read_into(self.out, components=4, alignment=1)
        self.timings = {"render": t1 - t0, "readback": time.perf_counter() - t1}
        return self.out


def step(last: float | None, last_step: float, now: float) -> float:
    """u_dt of a render at View.time `now` after one at `last` whose step was `last_step`: the same time
    again is the same frame (rendered in runs), so it keeps its step rather than getting 0."""
    if last is None:
        return 0.0
    return last_step if now == last else max(0.0, now - last)


def _typed(spec: EffectSpec | None, params: dict) -> dict:
    """Return params with int and bool values as ints: GL int/bool uniforms refuse Python floats."""
    if spec is None:
        return params
    out = dict(params)
    for p in spec.params:
        if p.type != "float" and p.name in out:
            out[p.name] = int(out[p.name])
    return out
