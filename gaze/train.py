"""Train the eye CNN on synthetic crops: `python -m gaze.train --out models/gaze_cnn.pt --seed 0`."""
from __future__ import annotations

import argparse
import subprocess
import time
from multiprocessing import Pool

import numpy as np
import torch

from .model import EyeNet, ModelArgs, save_checkpoint, scale_targets, standardise
from .synth import make_batch

CHUNK = 1000  # crops per data-generation task


def _chunk(args) -> tuple[np.ndarray, np.ndarray]:
    """Render one seeded chunk of crops (runs in a worker process)."""
    seed, k, hard = args
    b = make_batch(CHUNK, seed=seed * 7919 + k, hard=hard)
    return b.images, np.stack([b.yaw, b.pitch, b.pupil_mm, b.openness], 1)


def make_data(n: int, seed: int, workers: int = 2, hard_frac: float = 0.1):
    """Render n labelled crops in parallel; the result depends on seed only."""
    n_chunks = n // CHUNK
    n_hard = int(round(n_chunks * hard_frac))
    tasks = [(seed, k, k < n_hard) for k in range(n_chunks)]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, tasks)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Smooth L1 on all outputs (pupil x2, openness x3); gaze and pupil count only on open eyes."""
    open_ = target[:, 3] * 0.5 + 0.5  # back to openness 0..1
    w = torch.clamp((open_ - 0.15) / 0.3, 0, 1)
    err = torch.nn.functional.smooth_l1_loss(pred, target, reduction="none", beta=0.05)
    gaze_pupil = err[:, 0] + err[:, 1] + 2 * err[:, 2]
    return (gaze_pupil * w).mean() / w.mean().clamp_min(1e-3) + 3 * err[:, 3].mean()


def train(images, labels, args: ModelArgs, epochs: int, seed: int, batch: int = 128) -> EyeNet:
    """Fit the CNN with AdamW and a one-cycle schedule; print the loss per epoch."""
    torch.manual_seed(seed)
    model = EyeNet(args)
    x, y = standardise(images), scale_targets(labels)
    steps = epochs * (len(x) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        model.train()
        perm, total = torch.randperm(len(x), generator=gen), 0.0
        for i in range(len(x) // batch):
            idx = perm[i * batch:(i + 1) * batch]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {ep + 1}/{epochs} loss {total / (len(x) // batch):.4f}", flush=True)
    return model.eval()


def _commit() -> str:
    """Return the current git commit, or 'unknown'."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> None:
    """Parse flags, render data, train, and write the checkpoint."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="models/gaze_cnn.pt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=32000, help="training crops (multiple of 1000)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2, help="processes rendering data")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    t0 = time.time()
    images, labels = make_data(a.n, a.seed, a.workers)
    t_data = time.time() - t0
    print(f"rendered {len(images)} crops in {t_data:.0f} s", flush=True)
    model = train(images, labels, ModelArgs(width=a.width), a.epochs, a.seed)
    meta = {"seed": a.seed, "n_train": len(images), "epochs": a.epochs, "commit": _commit(),
            "data_seconds": round(t_data, 1), "train_seconds": round(time.time() - t0, 1),
            "torch": str(torch.__version__), "command": f"python -m gaze.train --out {a.out} --seed {a.seed}"}
    save_checkpoint(a.out, model, meta)
    print(f"saved {a.out} after {meta['train_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
