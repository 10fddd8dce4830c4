"""What one full-frame GL pass costs on this machine's renderer, and where GL foveation spends its time.

Why the GL foveation cannot come within 2x of the OpenCV one on llvmpipe: every pass that writes the
whole frame pays a per-pixel price before it does any work, and foveation needs one. This prints

- the draw time of a single full-frame pass (glFinish included, no upload or readback) for fragment
  shaders of growing cost: a constant colour, one texelFetch, one nearest and one bilinear texture()
  read, each over one big triangle and over a two-triangle strip;
- upload and readback of one RGBA frame;
- the foveate effect's passes one by one (each followed by glFinish, so their sum is above the
  pipelined total that bench/render.py reports).

    python bench/gl_floor.py [--size 1280x720] [--frames 40] [--write]

Medians after a warm-up; never a pass/fail on time. On a GPU every figure is far below a millisecond.
"""
from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import write_section  # noqa: E402
from config import ROOT  # noqa: E402
from pipeline.sources import DemoSource  # noqa: E402
from render import gl  # noqa: E402
from render.compositor import Compositor, View  # noqa: E402
from render.effects import load_effects  # noqa: E402

VERTEX = """#version 330
in vec2 in_pos;
out vec2 v_uv;
void main() { v_uv = in_pos; gl_Position = vec4(in_pos * 2.0 - 1.0, 0.0, 1.0); }
"""
SHADERS = {
    "constant colour": "f_color = vec4(0.5, 0.2, 0.1, 1.0);",
    "one texelFetch": "f_color = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);",
    "one texture() read, nearest": "f_color = texture(u_src, v_uv);",
    "one texture() read, bilinear": "f_color = texture(u_src, v_uv);",
}


def _median_ms(fn, frames: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def passes(ctx, size, frames: int) -> list[tuple[str, float, float]]:
    """(shader, ms over one triangle, ms over a two-triangle strip) per fragment shader."""
    import moderngl

    w, h = size
    src = ctx.texture(size, 4)
    src.write(np.random.default_rng(1).integers(0, 255, (h, w, 4), np.uint8))
    target = ctx.texture(size, 4)
    fbo = ctx.framebuffer([target])
    triangle = ctx.buffer(np.array([0, 0, 2, 0, 0, 2], "f4").tobytes())
    strip = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], "f4").tobytes())
    rows = []
    for name, body in SHADERS.items():
        program = ctx.program(vertex_shader=VERTEX, fragment_shader=(
            "#version 330\nin vec2 v_uv;\nout vec4 f_color;\nuniform sampler2D u_src;\n"
            f"void main() {{ {body} }}\n"))
        flt = moderngl.NEAREST if "nearest" in name else moderngl.LINEAR
        src.filter = (flt, flt)
        src.use(0)
        fbo.use()
        row = [name]
        for buf, mode, count in ((triangle, moderngl.TRIANGLES, 3), (strip, moderngl.TRIANGLE_STRIP, 4)):
            vao = ctx.vertex_array(program, [(buf, "2f", "in_pos")])

            def draw(vao=vao, mode=mode, count=count):
                vao.render(mode, vertices=count)
                gl.finish(ctx)
            row.append(_median_ms(draw, frames))
            vao.release()
        program.release()
        rows.append(tuple(row))
    frame = np.random.default_rng(2).integers(0, 255, (h, w, 4), np.uint8)
    out = np.empty_like(frame)

    def upload():
        src.write(frame)
        gl.finish(ctx)
    rows.append(("upload of one RGBA frame", _median_ms(upload, frames), None))
    rows.append(("readback of one RGBA frame", _median_ms(lambda: fbo.read_into(out, components=4, alignment=1),
                                                          frames), None))
    for obj in (fbo, target, src, triangle, strip):
        obj.release()
    return rows


def foveate_passes(ctx, size, frames: int) -> list[tuple[str, float]]:
    """ms per frame of each pass of the foveate effect (defaults, the gaze drifting), in drawing order."""
    comp = Compositor(ctx, size, ROOT / "shaders")
    spec = load_effects(ROOT / "shaders")["foveate"]
    comp.load(spec)
    frame = DemoSource(size).read().copy()
    names = {id(p): n for n, p in (("downsample", comp._pyramid.programs()[1]), ("upsample copy", comp._upsample),
                                   ("blend, coarse levels", comp.programs["foveate"]),
                                   ("blend, finest reduced level", comp._variants["foveate"]["near"]),
                                   ("blend, full resolution", comp._variants["foveate"]["final"]))}
    spent: dict = collections.defaultdict(float)
    draw = comp.passes.draw

    def timed(program, fbo, inputs, uniforms, box=None):
        gl.finish(ctx)
        t0 = time.perf_counter()
        draw(program, fbo, inputs, uniforms, box)
        gl.finish(ctx)
        key = (names.get(id(program), "?"), "x".join(map(str, fbo.size)) if box is None else "box" if
               program is not comp._upsample else "around the box")
        spent[key] += time.perf_counter() - t0
    comp.passes.draw = timed
    chain = [(spec, spec.defaults())]
    for i in range(8 + frames):
        if i == 8:
            spent.clear()
        comp.upload(frame)
        comp.render(chain, View(gaze=(0.5 + 0.2 * np.sin(i * 0.05), 0.5 + 0.15 * np.cos(i * 0.07))))
    comp.release()
    return [(f"{name} ({where})", 1000 * s / frames) for (name, where), s in spent.items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    ctx = gl.create_context()
    info = gl.describe(ctx)
    lines = [f"GL: {info['renderer']}. {size[0]}x{size[1]}, medians of {a.frames} frames, ms.", "",
             "One full-frame pass (draw and glFinish only):", "",
             "| fragment shader | one triangle | two-triangle strip |", "|---|---:|---:|"]
    for name, one, two in passes(ctx, size, a.frames):
        lines.append(f"| {name} | {one:.2f} | {'-' if two is None else f'{two:.2f}'} |")
    lines += ["", "The foveate effect pass by pass (each with its own glFinish), ms per frame:", "",
              "| pass (target) | ms |", "|---|---:|"]
    fov = foveate_passes(ctx, size, a.frames)
    lines += [f"| {name} | {ms:.2f} |" for name, ms in fov]
    lines.append(f"| sum | {sum(ms for _, ms in fov):.2f} |")
    body = "\n".join(lines)
    print(body)
    if a.write:
        write_section("gl_floor", "python bench/gl_floor.py --write", body)


if __name__ == "__main__":
    main()
