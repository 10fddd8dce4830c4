"""Train the two-eye gaze CNN on randomised pairs from several families of appearance.

    python -m gaze.train --out models/gaze_cnn.pt                 # every family: the shipped model
    python -m gaze.train --hold-out ray --out var/lodo-ray.pt     # without one family, to score on it

Rendered data is cached under var/gaze-data/ (one file per family, size and seed).
"""
from __future__ import annotations

import argparse
import subprocess
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch

from .model import GazeNet, ModelArgs, save_checkpoint, scale_targets, standardise
from .synth.pairs import FAMILIES, Pairs, make_pairs

CHUNK = 250  # pairs per data-generation task
CACHE = Path(__file__).resolve().parents[1] / "var" / "gaze-data"
TRAIN_SEED = 0  # evaluation sets use other seeds (gaze.evaluate)


def labels_of(p: Pairs) -> np.ndarray:
    """Return (N, 11) labels in the model's OUT_NAMES order."""
    return np.column_stack([p.gaze[:, 0], p.gaze[:, 1], p.openness, p.iris[:, 0], p.iris[:, 1], p.pupil]).astype(np.float32)


def _chunk(args) -> Pairs:
    """Render one seeded chunk (runs in a worker process)."""
    family, seed, k = args
    torch.set_num_threads(1)
    return make_pairs(CHUNK, family, [seed, FAMILIES.index(family), k])


def family_data(family: str, n: int, seed: int = TRAIN_SEED, workers: int = 2, cache: Path = CACHE) -> Pairs:
    """Return n pairs of one family, rendered in parallel once and cached."""
    path = cache / f"{family}-{n}-{seed}.npz"
    if path.exists():
        with np.load(path) as z:
            return Pairs(*(z[k] for k in ("images", "head", "gaze", "iris", "pupil", "openness")))
    tasks = [(family, seed, k) for k in range(-(-n // CHUNK))]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, tasks)
    data = Pairs.concat(parts).take(slice(0, n))
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: getattr(data, k) for k in ("images", "head", "gaze", "iris", "pupil", "openness")})
    return data


def mirror_swap(x: torch.Tensor, head: torch.Tensor, y: torch.Tensor):
    """Swap the eyes and flip both patches: the same pair seen in a mirror (labels follow)."""
    x = x.flip(-1)[:, [1, 0]]
    head = head[:, [1, 0]] * torch.tensor([-1.0, 1.0])
    y = y[:, [2, 3, 0, 1, 5, 4, 8, 9, 6, 7, 10]] * torch.tensor([-1.0, 1, -1, 1, 1, 1, -1, 1, -1, 1, 1])
    return x, head, y


def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Smooth L1: gaze and iris count on open eyes only; openness on all; pupil where both eyes are open."""
    err = torch.nn.functional.smooth_l1_loss(pred, target, reduction="none", beta=0.05)
    opened = target[:, 4:6] * 0.5 + 0.5
    w = torch.clamp((opened - 0.15) / 0.3, 0, 1)
    gaze = (err[:, 0] + err[:, 1]) * w[:, 0] + (err[:, 2] + err[:, 3]) * w[:, 1]
    iris = (err[:, 6] + err[:, 7]) * w[:, 0] + (err[:, 8] + err[:, 9]) * w[:, 1]
    pupil = err[:, 10] * w.min(1).values
    norm = w.mean().clamp_min(1e-3)
    return (gaze.mean() + 0.3 * iris.mean() + pupil.mean()) / norm + 2 * err[:, 4:6].mean()


def train(data: Pairs, args: ModelArgs, epochs: int, seed: int, batch: int = 128, log=print) -> GazeNet:
    """Fit the CNN with AdamW and a one-cycle schedule; log the loss per epoch."""
    torch.manual_seed(seed)
    model = GazeNet(args)
    x, head, y = standardise(data.images), torch.from_numpy(data.head), scale_targets(labels_of(data))
    steps = epochs * (len(x) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        model.train()
        perm, total, t0 = torch.randperm(len(x), generator=gen), 0.0, time.time()
        for i in range(len(x) // batch):
            idx = perm[i * batch:(i + 1) * batch]
            xb, hb, yb = x[idx], head[idx], y[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            if flip.any():
                xb[flip], hb[flip], yb[flip] = mirror_swap(xb[flip], hb[flip], yb[flip])
            xb = xb + 0.05 * torch.randn(xb.shape, generator=gen)
            loss = loss_fn(model(xb, hb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        log(f"epoch {ep + 1}/{epochs} loss {total / (len(x) // batch):.4f} ({time.time() - t0:.0f} s)")
    return model.eval()


def _commit() -> str:
    """Return the current git commit, or 'unknown'."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> None:
    """Parse flags, render (or load) the data, train, and write the checkpoint."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="models/gaze_cnn.pt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-family", type=int, default=24000, help="training pairs per family")
    ap.add_argument("--hold-out", choices=FAMILIES, help="train without this family (leave-one-domain-out)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2, help="processes rendering data")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    t0 = time.time()
    families = [f for f in FAMILIES if f != a.hold_out]
    data = Pairs.concat([family_data(f, a.per_family, TRAIN_SEED, a.workers) for f in families])
    t_data = time.time() - t0
    print(f"{len(data.images)} pairs of {', '.join(families)} ready in {t_data:.0f} s", flush=True)
    model = train(data, ModelArgs(width=a.width), a.epochs, a.seed, log=lambda s: print(s, flush=True))
    meta = {"seed": a.seed, "families": families, "held_out": a.hold_out, "n_train": len(data.images),
            "epochs": a.epochs, "commit": _commit(), "data_seconds": round(t_data, 1),
            "train_seconds": round(time.time() - t0 - t_data, 1), "torch": str(torch.__version__),
            "command": "python -m gaze.train " + " ".join(argv if argv is not None else __import__("sys").argv[1:])}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, model, meta)
    print(f"saved {a.out} after {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
