"""Pictures of a recording: a dwell heatmap and a scanpath over a content frame, and a timeline. PNG bytes out.

Plain values in (numpy arrays of samples and events); matplotlib's object API (no pyplot: thread-safe, no
global figure state) with the Agg canvas, so pictures render on any worker thread.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BG, FG, GRID = "#111417", "#e6e8ea", "#2e3640"
MAX_GAP = 0.1  # seconds: a longer gap between samples (tracking lost, tab hidden) adds no dwell time


def dwell(t: np.ndarray, blink: np.ndarray) -> np.ndarray:
    """Return each sample's dwell weight: the time to the next sample, capped, 0 in blinks."""
    if len(t) == 0:
        return np.zeros(0)
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1 / 30  # the last sample dwells one usual step
    dt = np.clip(np.diff(t, append=t[-1] + step), 0, MAX_GAP)
    return np.where(blink, 0.0, dt)


def heat_grid(x, y, weights, size: tuple[int, int], sigma: float = 0.035) -> np.ndarray:
    """Return the dwell heat over a (w, h) grid, blurred by sigma frame heights, 1.0 at its hottest (or all 0)."""
    w, h = size
    grid = np.zeros((h, w), np.float32)
    xi = np.clip((np.asarray(x) * w).astype(int), 0, w - 1)
    yi = np.clip((np.asarray(y) * h).astype(int), 0, h - 1)
    np.add.at(grid, (yi, xi), np.asarray(weights, np.float32))
    grid = cv2.GaussianBlur(grid, (0, 0), max(0.5, sigma * h))
    top = grid.max()
    return grid / top if top > 0 else grid


def heatmap_png(frame: np.ndarray, x, y, t, blink, width: int = 960) -> bytes:
    """Overlay the dwell heatmap on an RGB(A) frame: transparent where cold, inferno colours where hot."""
    base = _fit(frame, width)
    h, w = base.shape[:2]
    heat = heat_grid(x, y, dwell(np.asarray(t), np.asarray(blink, bool)), (w, h))
    colours = (colormaps["inferno"](heat)[..., :3] * 255).astype(np.float32)
    alpha = np.clip(heat * 2.0, 0, 0.85)[..., None]
    out = base.astype(np.float32) * (1 - alpha * 0.6) * 0.85 + colours * alpha
    return _png(np.clip(out, 0, 255).astype(np.uint8))


def scanpath_png(frame: np.ndarray, fixations: list[tuple[float, float, float]], width: int = 960) -> bytes:
    """Draw fixations (x, y, duration s) numbered in order, sized by duration, joined by saccade lines."""
    base = _fit(frame, width)
    h, w = base.shape[:2]
    fig, ax = _figure(w, h)
    ax.imshow((base * 0.7).astype(np.uint8), extent=(0, 1, 1, 0), aspect="auto")
    if fixations:
        xs, ys, ds = (np.array(v, float) for v in zip(*fixations))
        ax.plot(xs, ys, "-", color="#ffd08a", lw=1.2, alpha=0.8, zorder=2)
        sizes = 40 + 900 * np.sqrt(ds / max(ds.max(), 1e-6))
        ax.scatter(xs, ys, s=sizes, c=np.arange(len(xs)), cmap="viridis", alpha=0.55, edgecolors="white",
                   linewidths=0.8, zorder=3)
        for i, (fx, fy) in enumerate(zip(xs, ys), start=1):
            ax.text(fx, fy, str(i), color="white", fontsize=8, ha="center", va="center", weight="bold", zorder=4)
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)
    ax.axis("off")
    fig.subplots_adjust(0, 0, 1, 1)
    return _save(fig)


def timeline_png(t, x, y, pupil_mm, blink, fixations=(), width: int = 1200, height: int = 520) -> bytes:
    """Plot gaze x and y, the pupil diameter and blinks over time; fixations shaded on the gaze axis."""
    t, blink = np.asarray(t), np.asarray(blink, bool)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor=BG)
    FigureCanvasAgg(fig)
    gaze_ax, pupil_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    gaze_ax.plot(t, x, color="#ffb347", lw=1, label="x")
    gaze_ax.plot(t, y, color="#6cb6ff", lw=1, label="y")
    gaze_ax.set_ylim(0, 1)
    gaze_ax.set_ylabel("gaze (frame units)")
    for start, duration in ((f[0], f[1]) for f in fixations):
        gaze_ax.axvspan(start, start + duration, color="#3fb950", alpha=0.12, lw=0)
    pupil = np.asarray(pupil_mm, float)
    if np.isfinite(pupil).any():
        pupil_ax.plot(t, pupil, color="#d2a8ff", lw=1)
    else:
        pupil_ax.text(0.5, 0.5, "no pupil measurements (mouse or external gaze)", color=FG, ha="center",
                      va="center", transform=pupil_ax.transAxes)
    pupil_ax.set_ylabel("pupil (mm)")
    pupil_ax.set_xlabel("time since start (s)")
    for start, end in _runs(t, blink):
        for ax in (gaze_ax, pupil_ax):
            ax.axvspan(start, end, color="#ff7b72", alpha=0.35, lw=0)
    for ax in (gaze_ax, pupil_ax):
        _style(ax)
    gaze_ax.legend(loc="upper right", facecolor=BG, edgecolor=GRID, labelcolor=FG, fontsize=8,
                   title="fixations green, blinks red", title_fontsize=8).get_title().set_color(FG)
    fig.tight_layout()
    return _save(fig)


def _runs(t: np.ndarray, flags: np.ndarray) -> list[tuple[float, float]]:
    """Return the (start, end) times of consecutive True runs."""
    runs, start = [], None
    for ti, f in zip(t, flags):
        if f and start is None:
            start = ti
        elif not f and start is not None:
            runs.append((start, ti))
            start = None
    if start is not None:
        runs.append((start, t[-1]))
    return runs


def _fit(frame: np.ndarray, width: int) -> np.ndarray:
    """Return an RGB copy of a frame scaled to `width` pixels across."""
    rgb = np.ascontiguousarray(frame[..., :3])
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (width, round(h * width / w)), interpolation=cv2.INTER_AREA) if w != width else rgb.copy()


def _figure(w: int, h: int):
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor=BG)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _style(ax) -> None:
    ax.set_facecolor(BG)
    ax.tick_params(colors=FG, labelsize=8)
    ax.yaxis.label.set_color(FG)
    ax.xaxis.label.set_color(FG)
    ax.grid(color=GRID, lw=0.5)
    for spine in ax.spines.values():
        spine.set_color(GRID)


def _save(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor=fig.get_facecolor())
    return buf.getvalue()


def _png(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("cannot encode the picture as PNG")
    return data.tobytes()
