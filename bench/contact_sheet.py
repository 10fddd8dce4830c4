"""Render the demo frame through every effect with the gaze at one point; write a labelled contact sheet.

    python bench/contact_sheet.py [--size 640x360] [--gaze 0.4,0.45] [--out docs/effects.png]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import ROOT  # noqa: E402
from pipeline.sources import DemoSource  # noqa: E402
from render import gl  # noqa: E402
from render.compositor import Compositor, View  # noqa: E402
from render.effects import load_effects  # noqa: E402

# (label, effect, parameter overrides); None renders the frame as it is
TILES = [
    ("original", None, {}),
    ("foveate", "foveate", {}),
    ("foveate contrast=1", "foveate", {"contrast": 1.0}),
    ("lens", "lens", {}),
    ("lens zoom=4 radius=0.25", "lens", {"zoom": 4.0, "radius": 0.25}),
    ("scotoma circle", "scotoma", {}),
    ("scotoma ring", "scotoma", {"shape": 1, "size": 0.2}),
    ("scotoma irregular", "scotoma", {"shape": 2, "size": 0.2}),
    ("scotoma peripheral", "scotoma", {"peripheral": True, "size": 0.25, "softness": 0.1}),
    ("spotlight", "spotlight", {}),
    ("exposure pupil 2.5 mm", "exposure", {}),
    ("exposure pupil 7 mm", "exposure", {}),
    ("heatmap (3 s path)", "heatmap", {}),
    ("heatmap jet, half-life 1 s", "heatmap", {"colormap": 1, "half_life": 1.0}),
    ("foveate + spotlight", ("foveate", "spotlight"), {}),
]
PUPIL = {"exposure pupil 2.5 mm": 2.5, "exposure pupil 7 mm": 7.0}


def heat_path(comp, spec, params, gaze) -> float:
    """Feed the heatmap 3 s of gaze (two dwells elsewhere, then one at the gaze point); return the clock."""
    comp.reset_state(spec.name)
    stops = [((0.8, 0.3), 1.0), ((0.15, 0.75), 0.6), (gaze, 1.4)]
    t = 0.0
    for point, seconds in stops:
        for _ in range(int(seconds * 30)):
            t += 1 / 30
            comp.render([(spec, params)], View(gaze=point, time=t))
    return t


def render_tile(comp, specs, label, name, overrides, gaze) -> np.ndarray:
    """Render one tile as RGB."""
    if name is None:
        return comp.render([], View(gaze=gaze))[..., :3].copy()
    if isinstance(name, tuple):  # a chain, each effect with its defaults
        return comp.render([(specs[n], specs[n].defaults()) for n in name], View(gaze=gaze))[..., :3].copy()
    spec = specs[name]
    params = {**spec.defaults(), **overrides}
    t = heat_path(comp, spec, params, gaze) if spec.feedback else 0.0
    view = View(gaze=gaze, pupil_mm=PUPIL.get(label, 4.0), time=t)
    return comp.render([(spec, params)], view)[..., :3].copy()


def label_tile(rgb: np.ndarray, text: str, gaze) -> np.ndarray:
    """Add a caption bar and a small cross at the gaze point."""
    h, w = rgb.shape[:2]
    x, y = int(gaze[0] * w), int(gaze[1] * h)
    cv2.drawMarker(rgb, (x, y), (0, 255, 255), cv2.MARKER_CROSS, 10, 1)
    bar = np.full((24, w, 3), 30, np.uint8)
    cv2.putText(bar, text, (8, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.vstack([bar, rgb])


def sheet(size, gaze, columns: int = 4) -> np.ndarray:
    """Return the contact sheet as an RGB array."""
    ctx = gl.create_context()
    specs = load_effects(ROOT / "shaders")
    comp = Compositor(ctx, size, ROOT / "shaders")
    for spec in specs.values():
        comp.load(spec)
    comp.upload(np.ascontiguousarray(DemoSource(size).read()))
    tiles = [label_tile(render_tile(comp, specs, *t, gaze), t[0], gaze) for t in TILES]
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    ctx.release()
    return np.vstack(rows)


def main() -> None:
    """Parse flags, render, write the PNG."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="416x234")
    ap.add_argument("--gaze", default="0.42,0.45")
    ap.add_argument("--out", default=str(ROOT / "docs" / "effects.png"))
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    gaze = tuple(float(v) for v in args.gaze.split(","))
    rgb = sheet(size, gaze)
    cv2.imwrite(args.out, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out}: {rgb.shape[1]}x{rgb.shape[0]}, {Path(args.out).stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
