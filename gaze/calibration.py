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


VALIDATION_TARGETS = ((0.3, 0.3), (0.7, 0.3), (0.5, 0.5), (0.3, 0.7), (0.7, 0.7))  # shown after a fit


def features(x0: float, y0: float, degree: int) -> list[float]:
    """Return the regression features of an uncalibrated screen point: 1, u, v (and u², v², uv)."""
    u, v = x0 - 0.5, y0 - 0.5
    return [1.0, u, v] + ([u * u, v * v, u * v] if degree >= 2 else [])


RIDGE = {1: [1e-4, 0.02, 0.02], 2: [1e-4, 0.02, 0.02, 0.2, 0.2, 0.2]}  # per sample, by feature
MAX_COEF = 50.0  # a correction larger than this is no calibration


@dataclass
class Calibration:
    """A per-user correction of the default screen point: (x, y) = (x0, y0) + features(x0, y0) @ coef.

    The default point comes from the gaze ray and the head position (gaze.geometry.Screen), so head
    movement is handled by geometry; the calibration removes what differs between people and set-ups
    (the angle between the eye's optical and visual axes, the camera's place and field of view)."""

    degree: int
    coef: list  # len(features) x 2

    @classmethod
    def fit(cls, points: list, targets: list, degree: int | None = None, ridge: float = 1.0) -> "Calibration":
        """Fit the correction from uncalibrated points (x0, y0) to the targets they looked at."""
        if degree is None:
            degree = 2 if len({tuple(t) for t in targets}) >= 9 else 1
        P, T = np.asarray(points, float), np.asarray(targets, float)
        Z = np.array([features(x, y, degree) for x, y in P])
        A = ridge * len(P) * np.diag(RIDGE[degree])
        coef = np.linalg.solve(Z.T @ Z + A, Z.T @ (T - P))
        return cls(degree, coef.tolist())

    def map(self, x0: float, y0: float) -> tuple[float, float]:
        """Return the calibrated screen point of an uncalibrated one."""
        dx, dy = np.asarray(features(x0, y0, self.degree)) @ np.asarray(self.coef)
        return float(x0 + dx), float(y0 + dy)

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict for storage."""
        return {"version": 2, "degree": self.degree, "coef": self.coef}

    @classmethod
    def from_dict(cls, d: dict) -> "Calibration":
        """Rebuild a Calibration from `to_dict` output; ValueError if it is not one."""
        if not isinstance(d, dict) or d.get("version") != 2:
            raise ValueError("not a version 2 calibration (calibrate again)")
        degree = d.get("degree")
        if degree not in (1, 2) or isinstance(degree, bool):
            raise ValueError("degree must be 1 or 2")
        coef = np.asarray(d.get("coef"), dtype=object)
        if coef.shape != (len(features(0, 0, degree)), 2):
            raise ValueError(f"coef must be {len(features(0, 0, degree))} x 2")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= MAX_COEF
                   for v in coef.ravel()):
            raise ValueError(f"coef must be finite numbers within +-{MAX_COEF}")
        return cls(int(degree), coef.astype(float).tolist())


class CalibrationCollector:
    """Gather uncalibrated screen points per calibration target, skipping settling time and blinks."""

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
        screen = s.extra.get("screen")
        if self.target is None or screen is None or s.t < self.onset + self.settle:
            return False
        if s.blink or (s.openness is not None and s.openness < self.blink_openness):
            return False
        self.rows.append(tuple(screen))
        self.targets.append(self.target)
        self.per_target[self.target] = self.per_target.get(self.target, 0) + 1
        return True

    def fit(self, ridge: float = 1.0) -> Calibration:
        """Fit a Calibration on everything collected (the median point per target, robust to outliers)."""
        if len(self.per_target) < 3:
            raise ValueError(f"need samples for at least 3 targets, have {len(self.per_target)}")
        by_target: dict = {}
        for row, target in zip(self.rows, self.targets):
            by_target.setdefault(target, []).append(row)
        targets = list(by_target)
        points = [tuple(np.median(np.asarray(by_target[t]), 0)) for t in targets]
        return Calibration.fit(points, targets, ridge=ridge)


GOOD_DEG, FAIR_DEG = 2.0, 3.5  # validation accuracy that a report calls good, fair (worse: poor)


def validate(points: dict, screen_px=(1920, 1080), screen_cm_w: float = 53.0,
             distance_cm: float = 60.0, expected: int | None = None) -> dict:
    """Score gaze points {target (x, y): [(x, y), ...]}: accuracy, RMS sample-to-sample precision, a verdict.

    Accuracy is the distance from each target to the median of its points (robust to the first moments
    of a saccade and to blinks the filter let through), averaged over the targets."""
    sx, sy = screen_px
    cm_per_px = screen_cm_w / sx

    def deg(px: float) -> float:
        return math.degrees(math.atan2(px * cm_per_px, distance_cm))

    acc, s2s = [], []
    for (tx, ty), pts in points.items():
        p = np.asarray(pts, float) * (sx, sy)
        acc.append(float(np.hypot(*(np.median(p, 0) - (tx * sx, ty * sy)))))
        if len(p) > 1:
            s2s += list(np.sum(np.diff(p, axis=0) ** 2, 1))
    rms = math.sqrt(float(np.mean(s2s))) if s2s else 0.0
    mean_acc = float(np.mean(acc)) if acc else float("nan")
    report = {"accuracy_px": mean_acc, "accuracy_deg": deg(mean_acc),
              "precision_rms_px": rms, "precision_rms_deg": deg(rms), "n_targets": len(acc)}
    return {**report, **verdict(report, expected)}


def verdict(report: dict, expected: int | None = None) -> dict:
    """Say whether a validation is good, fair or poor, and what to do about it."""
    missing = expected is not None and report["n_targets"] < expected
    acc = report["accuracy_deg"]
    if missing or not acc <= FAIR_DEG:
        why = (f"only {report['n_targets']} of {expected} validation targets got gaze samples"
               if missing else f"the gaze missed the validation targets by {acc:.1f} degrees on average")
        return {"quality": "poor", "advice": f"{why}. Keep your face lit and in the camera's view, sit still, "
                                            "and look at each dot until it moves; then calibrate again."}
    if acc > GOOD_DEG:
        return {"quality": "fair", "advice": "calibrating again with 9 or 13 targets may improve it."}
    return {"quality": "good", "advice": ""}
