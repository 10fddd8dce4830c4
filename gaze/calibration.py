"""Calibration: collect samples per target, fit a ridge map to the screen, validate it."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .sample import GazeSample


def target_layout(n: int = 9, margin: float = 0.1) -> list[tuple[float, float]]:
    """Return 5, 9 or 13 calibration targets in [0, 1] screen coordinates."""
    lo, mid, hi = margin, 0.5, 1 - margin
    grid = [(x, y) for y in (lo, mid, hi) for x in (lo, mid, hi)]
    if n == 5:
        return [(lo, lo), (hi, lo), (mid, mid), (lo, hi), (hi, hi)]
    if n == 9:
        return grid
    if n == 13:
        q1, q3 = (lo + mid) / 2, (mid + hi) / 2
        return grid + [(q1, q1), (q3, q1), (q1, q3), (q3, q3)]
    raise ValueError(f"layout must have 5, 9 or 13 targets, not {n}")


def features(yaw: float, pitch: float, head=None, degree: int = 2, use_head: bool = True) -> list[float]:
    """Return regression features: polynomial in yaw/pitch, plus head position (cx, cy, size)."""
    f = [yaw, pitch]
    if degree >= 2:
        f += [yaw * yaw, pitch * pitch, yaw * pitch]
    if use_head:
        f += list(head) if head is not None else [0.5, 0.5, 0.3]
    return f


@dataclass
class Calibration:
    """A fitted map from CNN outputs (and head position) to screen x, y."""

    degree: int
    use_head: bool
    mean: list
    std: list
    coef: list  # (n_features + 1) x 2, intercept last

    @classmethod
    def fit(cls, rows: list, targets: list, alpha: float = 1.0, degree: int | None = None,
            use_head: bool = True) -> "Calibration":
        """Fit ridge regression from rows of (yaw, pitch, head) to (x, y) targets."""
        if degree is None:
            degree = 2 if len({tuple(t) for t in targets}) >= 9 else 1
        X = np.array([features(y, p, h, degree, use_head) for y, p, h in rows], float)
        floor = np.array([1.0] * (X.shape[1] - 3 * use_head) + [0.05] * (3 * use_head))
        mean, std = X.mean(0), np.maximum(X.std(0), floor)  # floors: 1 degree, 5% of the frame
        Z = np.hstack([(X - mean) / std, np.ones((len(X), 1))])
        reg = alpha * np.eye(Z.shape[1])
        reg[-1, -1] = 0.0  # do not shrink the intercept
        coef = np.linalg.solve(Z.T @ Z + reg, Z.T @ np.asarray(targets, float))
        return cls(degree, use_head, mean.tolist(), std.tolist(), coef.tolist())

    def map(self, yaw: float, pitch: float, head=None) -> tuple[float, float]:
        """Return the screen point (x, y) for one estimate."""
        z = (np.array(features(yaw, pitch, head, self.degree, self.use_head)) - self.mean) / self.std
        x, y = np.append(z, 1.0) @ np.asarray(self.coef)
        return float(x), float(y)

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict for storage."""
        return {"degree": self.degree, "use_head": self.use_head, "mean": self.mean,
                "std": self.std, "coef": self.coef}

    @classmethod
    def from_dict(cls, d: dict) -> "Calibration":
        """Rebuild a Calibration from `to_dict` output."""
        return cls(int(d["degree"]), bool(d["use_head"]), list(d["mean"]), list(d["std"]),
                   [list(r) for r in d["coef"]])


class CalibrationCollector:
    """Gather CNN samples per calibration target, skipping settling time and blinks."""

    def __init__(self, settle: float = 0.3, blink_openness: float = 0.2):
        self.settle, self.blink_openness = settle, blink_openness
        self.target: tuple[float, float] | None = None
        self.onset = 0.0
        self.rows: list = []
        self.targets: list = []
        self.per_target: dict = {}

    def start_target(self, x: float, y: float, t: float) -> None:
        """Show a new target at (x, y) from time t on."""
        self.target, self.onset = (x, y), t

    def add(self, s: GazeSample) -> bool:
        """Add one sample for the current target; return whether it was kept."""
        if self.target is None or s.yaw is None or s.pitch is None or s.t < self.onset + self.settle:
            return False
        if s.blink or (s.openness is not None and s.openness < self.blink_openness):
            return False
        self.rows.append((s.yaw, s.pitch, s.extra.get("head")))
        self.targets.append(self.target)
        self.per_target[self.target] = self.per_target.get(self.target, 0) + 1
        return True

    def fit(self, alpha: float = 1.0, use_head: bool = True) -> Calibration:
        """Fit a Calibration on everything collected."""
        if len(self.per_target) < 3:
            raise ValueError(f"need samples for at least 3 targets, have {len(self.per_target)}")
        return Calibration.fit(self.rows, self.targets, alpha=alpha, use_head=use_head)


def validate(points: dict, screen_px=(1920, 1080), screen_cm_w: float = 53.0,
             distance_cm: float = 60.0) -> dict:
    """Score gaze points {target (x, y): [(x, y), ...]}: accuracy and RMS sample-to-sample precision."""
    sx, sy = screen_px
    cm_per_px = screen_cm_w / sx

    def deg(px: float) -> float:
        return math.degrees(math.atan2(px * cm_per_px, distance_cm))

    acc, s2s = [], []
    for (tx, ty), pts in points.items():
        p = np.asarray(pts, float) * (sx, sy)
        acc.append(float(np.hypot(*(p.mean(0) - (tx * sx, ty * sy)))))
        if len(p) > 1:
            s2s += list(np.sum(np.diff(p, axis=0) ** 2, 1))
    rms = math.sqrt(float(np.mean(s2s))) if s2s else 0.0
    mean_acc = float(np.mean(acc)) if acc else float("nan")
    return {"accuracy_px": mean_acc, "accuracy_deg": deg(mean_acc),
            "precision_rms_px": rms, "precision_rms_deg": deg(rms), "n_targets": len(acc)}
