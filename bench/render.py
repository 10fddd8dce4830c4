"""Per-stage render timings of every effect, and GL foveation against the best OpenCV foveation.

The OpenCV foveation is render/cpu.py's CpuFoveate, the twin the server itself runs on software GL:
the best CPU foveation we know how to make, with the shader's parameters and look.

    python bench/render.py [--sizes 640x360,1280x720,1920x1080] [--frames 40] [--warmup 8] [--write]

Medians after a warm-up. GL and OpenCV foveation alternate frame by frame, so both see the same load
on a shared machine. The gaze drifts every frame, as it does live. Never a pass/fail on time.
"""
from __future__ import annotations

import argparse
import os
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
from render.cpu import CpuCompositor, CpuFoveate  # noqa: E402
from render.effects import load_effects  # noqa: E402
from render.jpeg import JpegEncoder  # noqa: E402

STAGES = ("upload", "render", "readback", "encode")
BAR = 2.0  # foveate at 1280x720: GL upload+render+readback at most this many times OpenCV's


def gaze_at(i: int) -> tuple[float, float]:
    """A slow drift round the frame centre."""
    return 0.5 + 0.2 * np.sin(i * 0.05), 0.5 + 0.15 * np.cos(i * 0.07)


def gl_frame(comp, encoder, frame, chain, i) -> dict:
    """Upload, render, read back and encode one frame; return seconds per stage."""
    t0 = time.perf_counter()
    comp.upload(frame)
    t1 = time.perf_counter()
    rgba = comp.render(chain, View(gaze=gaze_at(i), time=i / 30))
    t2 = time.perf_counter()
    encoder.encode(rgba)
    t3 = time.perf_counter()
    return {"upload": t1 - t0, **comp.timings, "encode": t3 - t2}


def measure(comp, encoder, frame, chain, cv, frames: int, warmup: int) -> tuple[dict, list]:
    """Median ms per stage over `frames` after `warmup`; with cv, OpenCV's ms per frame, interleaved."""
    rows, cv_times = [], []
    for i in range(warmup + frames):
        c0 = time.process_time()
        row = gl_frame(comp, encoder, frame, chain, i)
        row["gl_cpu"] = time.process_time() - c0 - row["encode"]  # every thread of the process: llvmpipe's too
        if cv is not None:
            t0, c0 = time.perf_counter(), time.process_time()
            cv.render(frame, gaze_at(i))  # no content version: the pyramid is rebuilt, as after an upload
            cv_times.append((time.perf_counter() - t0, time.process_time() - c0))
        if i >= warmup:
            rows.append(row)
    medians = {s: 1000 * statistics.median(r[s] for r in rows) for s in STAGES}
    medians["gl"] = 1000 * statistics.median(r["upload"] + r["render"] + r["readback"] for r in rows)
    medians["gl_cpu"] = 1000 * statistics.median(r["gl_cpu"] for r in rows)
    return medians, cv_times[warmup:]


def twin_ms(twins, frame, chain, frames: int, warmup: int) -> float:
    """Median ms of the CPU twins rendering the chain, a new upload each frame, the gaze drifting."""
    times = []
    for i in range(warmup + frames):
        t0 = time.perf_counter()
        twins.upload(frame)
        twins.render(chain, View(gaze=gaze_at(i), time=i / 30, pupil_mm=4.0 + 2.0 * np.sin(i * 0.1)))
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times[warmup:])


TINT = """// @effect tint
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float amount;  // @param min=0 max=1 default=0.5 | How much red
void main() { f_color = vec4(mix(src_pixel(), vec3(1, 0, 0), amount), 1.0); }
#endif
"""  # the README's custom effect: no CPU twin


def mixed_ms(ctx, specs, size, frame, frames: int, warmup: int) -> tuple[float, float]:
    """Median ms (upload to the last readback) of foveate, a custom effect and spotlight: all through
    GL, and in runs (the twins, GL, the twins) as the channel renders it on software GL."""
    import tempfile

    from pipeline.channel import _Renderers
    from render.effects import parse_effect

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tint.glsl").write_text(TINT)
        tint = parse_effect(Path(tmp) / "tint.glsl")
    chain = [(specs["foveate"], specs["foveate"].defaults()), (tint, {"amount": 0.3}),
             (specs["spotlight"], specs["spotlight"].defaults())]
    comp = Compositor(ctx, size, ROOT / "shaders")
    for spec in (specs["foveate"], tint, specs["spotlight"]):
        comp.load(spec)
    renderers = _Renderers(comp, CpuCompositor(size, ROOT / "shaders"))
    gl_times, mixed_times = [], []
    for i in range(warmup + frames):
        view = View(gaze=gaze_at(i), time=i / 30)
        t0 = time.perf_counter()
        comp.upload(frame)
        comp.render(chain, view)
        t1 = time.perf_counter()
        renderers.new_frame(frame)
        _, runs = renderers.plan(chain)
        out = None
        for compositor, effects in runs:
            renderers.upload(compositor, out)
            out = compositor.render(effects, view)
        t2 = time.perf_counter()
        gl_times.append(t1 - t0)
        mixed_times.append(t2 - t1)
    comp.release()
    return 1000 * statistics.median(gl_times[warmup:]), 1000 * statistics.median(mixed_times[warmup:])


def bench_size(ctx, specs, size, frames, warmup) -> tuple[list, dict]:
    """Return (rows of the per-effect table, the foveate-vs-OpenCV figures) for one frame size."""
    comp = Compositor(ctx, size, ROOT / "shaders")
    for spec in specs.values():
        comp.load(spec)
    frame = np.ascontiguousarray(DemoSource(size).read())
    encoder = JpegEncoder(80)
    rows = []
    twins = CpuCompositor(size, ROOT / "shaders")
    chains = {name: [] if name == "(none)" else [(specs[name], specs[name].defaults())] for name in ["(none)", *specs]}
    for name, chain in chains.items():
        medians, _ = measure(comp, encoder, frame, chain, None, frames, warmup)
        rows.append((f"{size[0]}x{size[1]}", name, medians))
    for _, name, medians in rows:  # after every GL row: OpenCV's idle workers spin a while after a job
        chain = chains[name]
        medians["twin"] = twin_ms(twins, frame, chain, frames, warmup) if twins.supports(chain) else None
    fov = specs["foveate"]
    medians, cv_times = measure(comp, encoder, frame, [(fov, fov.defaults())], CpuFoveate(size), frames, warmup)
    cv_median = 1000 * statistics.median(t for t, _ in cv_times)
    cv_cpu = 1000 * statistics.median(c for _, c in cv_times)
    comp.release()
    all_gl, mixed = mixed_ms(ctx, specs, size, frame, frames, warmup)
    return rows, {"size": size, "gl": medians["gl"], "cv": cv_median, "ratio": medians["gl"] / cv_median,
                  "gl_cpu": medians["gl_cpu"], "cv_cpu": cv_cpu, "chain_gl": all_gl, "chain_mixed": mixed}


def tables(rows, versus) -> str:
    """Format both tables as markdown."""
    out = ["| size | effect | upload | render | readback | encode | upload+render+readback | CPU twin |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {s} | {n} | " + " | ".join(f"{m[k]:.2f}" for k in (*STAGES, "gl"))
            + (f" | {m['twin']:.2f} |" if m["twin"] is not None else " | - |") for s, n, m in rows]
    out += ["", "Foveate (defaults), GL upload+render+readback against the OpenCV foveation "
            "(render/cpu.py's CpuFoveate), medians of interleaved frames, ms; wall time, then the CPU time "
            "of all the process's threads (llvmpipe's and OpenCV's workers included):", "",
            "| size | GL | OpenCV | GL / OpenCV | GL CPU | OpenCV CPU |", "|---|---:|---:|---:|---:|---:|"]
    out += [f"| {v['size'][0]}x{v['size'][1]} | {v['gl']:.2f} | {v['cv']:.2f} | {v['ratio']:.2f}x "
            f"| {v['gl_cpu']:.2f} | {v['cv_cpu']:.2f} |" for v in versus]
    out += ["", "A chain with a custom effect (foveate, the README's tint, spotlight), upload to the last "
            "readback, ms: all through GL, and in runs as the channel renders it on software GL (foveate "
            "twin, tint on GL, spotlight twin):", "",
            "| size | all GL | in runs | all GL / in runs |", "|---|---:|---:|---:|"]
    out += [f"| {v['size'][0]}x{v['size'][1]} | {v['chain_gl']:.2f} | {v['chain_mixed']:.2f} "
            f"| {v['chain_gl'] / v['chain_mixed']:.2f}x |" for v in versus]
    return "\n".join(out)


def verdict(rows, versus, info) -> str:
    """Say whether the 1280x720 bar is met, and how much of GL's time a bare copy pass already takes."""
    hd = next((v for v in versus if v["size"] == (1280, 720)), None)
    if hd is None:
        return ""
    bare = next(m["gl"] for s, n, m in rows if s == "1280x720" and n == "(none)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    word = "met" if hd["ratio"] <= BAR else "NOT met"
    return (f"\n\nBar: foveate at 1280x720 within {BAR:.0f}x of OpenCV: **{word}** ({hd['ratio']:.2f}x). "
            f"With no effect at all (upload, one full-frame copy pass, readback) GL takes {bare:.2f} ms, "
            f"{bare / hd['cv']:.2f}x OpenCV's whole foveation, on {info['renderer']}. "
            f"Load average during the run: {load}.")


def main() -> None:
    """Run every size, print the tables, optionally write docs/benchmarks.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="640x360,1280x720,1920x1080")
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--write", action="store_true", help="write the section into docs/benchmarks.md")
    args = ap.parse_args()
    ctx = gl.create_context()
    info = gl.describe(ctx)
    specs = load_effects(ROOT / "shaders")
    rows, versus = [], []
    for text in args.sizes.split(","):
        size = tuple(int(v) for v in text.split("x"))
        r, v = bench_size(ctx, specs, size, args.frames, args.warmup)
        rows += r
        versus.append(v)
        print(tables(r, [v]), flush=True)
    body = (f"GL: {info['renderer']}. Per-stage medians in ms after {args.warmup} warm-up frames, {args.frames} "
            "frames. CPU twin: the same effect through render/cpu.py (its whole render; no upload or "
            "readback there), where the effect has one.\n\n")
    body += tables(rows, versus)
    body += verdict(rows, versus, info)
    print(body.split("\n\n")[-1])
    if args.write:
        write_section("render", "python bench/render.py " + " ".join(sys.argv[1:]), body)


if __name__ == "__main__":
    main()
