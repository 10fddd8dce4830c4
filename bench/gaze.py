"""Time webcam JPEG -> GazeSample: `python -m bench.gaze [--frames N] [--loops K] [--device cpu|cuda]`.

Renders the standard track as a photograph clip (640x480, the astronaut's face with repainted eyes),
JPEG-encodes it once (quality 85, like a browser), then in the same run:
  - mesh, tracking: GazeEstimator as the server runs it (face mesh tracked between frames, a GazeFilter);
  - mesh, new face: the frame on which a face appears after frames without one (detector + mesh);
  - haar: the previous localisation (gaze.detect's Haar cascades + template tracking) on the same JPEGs,
    decode and locate only, as the baseline.
Prints the median, mean and p90 milliseconds of each stage after a warm-up.
"""
from __future__ import annotations

import argparse
import platform
import time

import cv2
import numpy as np
import torch

from gaze.detect import EyeLocator
from gaze.estimator import GazeEstimator, decode_jpeg
from gaze.filters import GazeFilter
from gaze.synth.clip import make_test_track, photo_frames

STAGES = ("decode", "landmarks", "normalise", "cnn", "filter", "total")


def clip_jpegs(n: int) -> list[bytes]:
    """Render n frames of the standard track's photograph clip as JPEG bytes (quality 85)."""
    frames = [f for f, _ in photo_frames(make_test_track()[:n])]
    return [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in frames]


def run_mesh(weights: str, jpegs: list[bytes], loops: int, warmup: int, device: torch.device) -> dict:
    """Return {stage: ms array} of the tracking estimator over loops x frames, after a warm-up."""
    est = GazeEstimator(weights, device, gaze_filter=GazeFilter())
    for data in jpegs[:warmup]:
        est.estimate_jpeg(data)
    times, misses = {s: [] for s in STAGES}, 0
    for k in range(loops):
        for i, data in enumerate(jpegs):
            misses += est.estimate_jpeg(data, t=(k * len(jpegs) + i) / 15.0) is None
            for st in STAGES:
                times[st].append(est.timings.get(st, 0.0))
    est.close()
    return {**{s: np.array(v) for s, v in times.items()}, "misses": misses}


def run_new_face(weights: str, jpegs: list[bytes], trials: int, device: torch.device) -> np.ndarray:
    """Return the ms of the first frame with a face after a frame without one, over trials."""
    est = GazeEstimator(weights, device)
    blank = cv2.imencode(".jpg", np.full((480, 640, 3), 90, np.uint8))[1].tobytes()
    est.estimate_jpeg(jpegs[0])
    out = []
    for i in range(trials):
        est.estimate_jpeg(blank)
        est.estimate_jpeg(jpegs[(i * 7) % len(jpegs)])
        out.append(est.timings["total"])
    est.close()
    return np.array(out)


def run_haar(jpegs: list[bytes], loops: int, warmup: int) -> np.ndarray:
    """Return the ms of decode + Haar localisation (the previous path) per frame."""
    loc = EyeLocator()
    for data in jpegs[:warmup]:
        loc.locate(decode_jpeg(data))
    out = []
    for _ in range(loops):
        for data in jpegs:
            t0 = time.perf_counter()
            loc.locate(decode_jpeg(data))
            out.append((time.perf_counter() - t0) * 1000)
    return np.array(out)


def row(name: str, v: np.ndarray) -> str:
    """Return one Markdown table row of a timing array."""
    return f"| {name} | {np.median(v):.2f} | {v.mean():.2f} | {np.percentile(v, 90):.2f} |"


def main(argv=None) -> None:
    """Run the benchmark and print Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default="models/gaze_cnn.pt")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--loops", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device for the CNN: cpu or cuda")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    jpegs = clip_jpegs(a.frames)
    mesh = run_mesh(a.weights, jpegs, a.loops, a.warmup, device)
    new_face = run_new_face(a.weights, jpegs, 30, device)
    haar = run_haar(jpegs, a.loops, a.warmup)
    n = len(mesh["total"])
    print(f"torch {device}, {a.threads} threads, {platform.processor() or platform.machine()}, {n} frames "
          f"640x480 JPEG q85 of the photograph clip, {mesh['misses']} without a face")
    print("| stage (mesh, tracking) | median ms | mean ms | p90 ms |\n|---|---|---|---|")
    for st in STAGES:
        print(row(st, mesh[st]))
    print("\n| path | median ms | mean ms | p90 ms |\n|---|---|---|---|")
    print(row("mesh: frame -> gaze sample, tracking", mesh["total"]))
    print(row("mesh: first frame of a new face", new_face))
    print(row("haar (previous): decode + locate", haar))
    print(f"\nratio mesh tracking / haar: {np.median(mesh['total']) / np.median(haar):.2f}")


if __name__ == "__main__":
    main()
