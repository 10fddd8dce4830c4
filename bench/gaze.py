"""Time webcam JPEG -> GazeSample per stage: `python -m bench.gaze [--weights W] [--frames N]`.

Renders a synthetic face clip (the standard test track, 640x480), JPEG-encodes it once,
then feeds the JPEGs through GazeEstimator with a GazeFilter, after a warm-up, and prints
the median (and mean, p90) milliseconds of each stage: decode, detect, crop, cnn, filter, total.
"""
from __future__ import annotations

import argparse
import platform

import cv2
import numpy as np
import torch

from gaze.estimator import GazeEstimator
from gaze.filters import GazeFilter
from gaze.synth import default_face, make_test_track, render_face
from gaze.synth.clip import frame_for

STAGES = ("decode", "detect", "crop", "cnn", "filter", "total")


def clip_jpegs(n: int) -> list[bytes]:
    """Render n frames of the standard track as JPEG bytes (quality 85, like a browser)."""
    track, face = make_test_track(), default_face()
    frames = [render_face(frame_for(e, face)) for e in track[:n]]
    return [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in frames]


def run(weights: str, n_frames: int, loops: int, warmup: int) -> dict:
    """Return {stage: array of ms} over loops x n_frames estimates after warm-up."""
    est = GazeEstimator(weights, gaze_filter=GazeFilter())
    jpegs = clip_jpegs(n_frames)
    for data in jpegs[:warmup]:
        est.estimate_jpeg(data)
    times = {s: [] for s in STAGES}
    searched = misses = 0
    for k in range(loops):
        for i, data in enumerate(jpegs):
            s = est.estimate_jpeg(data, t=(k * len(jpegs) + i) / 15.0)
            misses += s is None
            searched += bool(est.last_eyes and est.last_eyes.searched)
            for st in STAGES:
                times[st].append(est.timings.get(st, 0.0))
    res = {s: np.array(v) for s, v in times.items()}
    res["searched_frac"] = searched / (loops * len(jpegs))
    res["misses"] = misses
    res["device"] = str(est.device)
    return res


def main(argv=None) -> None:
    """Run the benchmark and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weights", default="models/gaze_cnn.pt")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    r = run(a.weights, a.frames, a.loops, a.warmup)
    n = len(r["total"])
    print(f"device {r['device']}, torch threads {a.threads}, {platform.processor() or platform.machine()}, "
          f"{n} frames 640x480 JPEG q85, full searches on {100 * r['searched_frac']:.1f}% of frames, "
          f"{r['misses']} without a face")
    print("| stage | median ms | mean ms | p90 ms |\n|---|---|---|---|")
    for st in STAGES:
        v = r[st]
        print(f"| {st} | {np.median(v):.2f} | {v.mean():.2f} | {np.percentile(v, 90):.2f} |")


if __name__ == "__main__":
    main()
