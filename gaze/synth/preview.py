"""Write preview images of the renderer: `python -m gaze.synth.preview docs/`."""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from .clip import default_face
from .data import render_sample
from .face import render_face


def eye_grid(seed: int = 1, rows: int = 6, cols: int = 8, zoom: int = 3) -> np.ndarray:
    """Return a grid of random colour eye crops; the last row is the hard split."""
    rng = np.random.default_rng(seed)
    tiles = [render_sample(rng, hard=(i >= (rows - 1) * cols), colour=True)[0] for i in range(rows * cols)]
    grid = np.vstack([np.hstack(tiles[r * cols:(r + 1) * cols]) for r in range(rows)])
    return cv2.resize(grid, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)


def main(argv=None) -> None:
    """Write synth_eyes.png and synth_face.png into a folder."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", nargs="?", default="docs")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out / "synth_eyes.png"), eye_grid())
    f = default_face(seed=0)
    f = replace(f, eye=replace(f.eye, yaw=10.0, pitch=5.0, pupil_mm=4.0), head_roll=4.0)
    cv2.imwrite(str(out / "synth_face.png"), render_face(f))


if __name__ == "__main__":
    main()
