"""Score a checkpoint on held-out synthetic eyes: `python -m gaze.evaluate models/gaze_cnn.pt`."""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .model import BLINK_OPENNESS, EyeNet, load_checkpoint, standardise, unscale
from .synth import Batch, gaze_vector, make_batch

HELD_OUT_SEED = 424242  # never used by training (training chunks use seed * 7919 + k)
OPEN_FOR_GAZE = 0.45  # gaze and pupil are scored on eyes at least this open


@torch.inference_mode()
def predict(model: EyeNet, images: np.ndarray, batch: int = 512) -> np.ndarray:
    """Return (N, 4) predictions (yaw, pitch, pupil_mm, openness) for grey crops."""
    outs = [model(standardise(images[i:i + batch])) for i in range(0, len(images), batch)]
    return unscale(torch.cat(outs))


def angular_error(yaw_a, pitch_a, yaw_b, pitch_b) -> np.ndarray:
    """Return the angle in degrees between two arrays of gaze directions."""
    va = np.stack([gaze_vector(y, p) for y, p in zip(yaw_a, pitch_a)])
    vb = np.stack([gaze_vector(y, p) for y, p in zip(yaw_b, pitch_b)])
    return np.degrees(np.arccos(np.clip((va * vb).sum(1), -1, 1)))


def f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Return the F1 score of boolean predictions."""
    tp = float(np.sum(truth & pred))
    denom = float(np.sum(truth) + np.sum(pred))
    return 2 * tp / denom if denom else 1.0


def score(pred: np.ndarray, b: Batch) -> dict:
    """Return the headline scores of predictions against a labelled batch."""
    ok = b.openness >= OPEN_FOR_GAZE
    ang = angular_error(pred[ok, 0], pred[ok, 1], b.yaw[ok], b.pitch[ok])
    return {
        "n": int(len(b.yaw)), "n_open": int(ok.sum()),
        "angular_error_mean_deg": round(float(ang.mean()), 3),
        "angular_error_median_deg": round(float(np.median(ang)), 3),
        "pupil_mae_mm": round(float(np.abs(pred[ok, 2] - b.pupil_mm[ok]).mean()), 3),
        "openness_mae": round(float(np.abs(pred[:, 3] - b.openness).mean()), 4),
        "blink_f1": round(f1(b.openness < BLINK_OPENNESS, pred[:, 3] < BLINK_OPENNESS), 4),
    }


def evaluate(model: EyeNet, n: int = 2000, n_hard: int = 1000, seed: int = HELD_OUT_SEED) -> dict:
    """Render the held-out and hard splits and score the model on both."""
    res = {}
    for name, count, hard in (("held_out", n, False), ("hard", n_hard, True)):
        b = make_batch(count, seed=[seed, int(hard)], hard=hard)
        res[name] = score(predict(model, b.images), b)
    return res


def main(argv=None) -> None:
    """Load the checkpoint and print its scores as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("weights")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--n-hard", type=int, default=1000)
    ap.add_argument("--clip", action="store_true", help="also run the whole pipeline on a rendered face clip")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    model, meta = load_checkpoint(a.weights)
    res = evaluate(model, a.n, a.n_hard)
    res["bars"] = {"angular_error_mean_deg<=2.0": res["held_out"]["angular_error_mean_deg"] <= 2.0,
                   "pupil_mae_mm<=0.3": res["held_out"]["pupil_mae_mm"] <= 0.3,
                   "blink_f1>=0.95": res["held_out"]["blink_f1"] >= 0.95}
    if a.clip:
        from .clip_eval import evaluate_clip  # imports the detector; only needed here
        res["clip"] = evaluate_clip(a.weights)
    print(json.dumps({"weights": a.weights, "meta": meta, **res}, indent=2))


if __name__ == "__main__":
    main()
