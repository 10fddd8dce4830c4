"""Per-viewer gaze tracking: webcam JPEGs → CNN estimate → calibration → filters, off the loop."""
from __future__ import annotations

import threading  # green under eventlet: serialises one viewer's frames without blocking others
from dataclasses import asdict, replace

from gaze.calibration import VALIDATION_TARGETS, Calibration, CalibrationCollector, target_layout, validate
from gaze.estimator import GazeEstimator
from gaze.filters import GazeFilter
from gaze.geometry import DEFAULT_SCREEN, Screen

from render.effects import ParamError, ParamSpec

from .errors import RequestError, number
from .osthread import offload, trim_memory

# The gaze filter's tunable parameters (the control panel's `filter` card), checked like an effect's.
FILTER_SPECS = {p.name: p for p in (
    ParamSpec("min_cutoff", "float", 0.01, 10.0, 1.0, "One Euro: cutoff (Hz) when still; lower = less jitter, more lag"),
    ParamSpec("beta", "float", 0.0, 10.0, 0.5, "One Euro: speed coefficient; higher = less lag in fast moves"),
    ParamSpec("dispersion", "float", 0.005, 0.2, 0.03, "I-DT: largest spread of a fixation (screen fraction)"),
    ParamSpec("min_duration", "float", 0.03, 1.0, 0.1, "I-DT: shortest fixation (seconds)"),
)}


def filter_specs() -> list[dict]:
    """Return the gaze filter's parameters in the shape of an effect's (for the control panel)."""
    return [asdict(p) for p in FILTER_SPECS.values()]


def check_filter(params) -> dict:
    """Validate a partial change of the gaze filter's parameters."""
    if not isinstance(params, dict):
        raise RequestError("bad_type", "'filter' must be an object")
    if unknown := set(params) - set(FILTER_SPECS):
        raise RequestError("unknown_param", f"the gaze filter has no parameter {sorted(unknown)[0]!r}")
    try:
        return {name: FILTER_SPECS[name].coerce(value) for name, value in params.items()}
    except ParamError as exc:
        raise RequestError(exc.code, str(exc)) from None


class Tracker:
    """One webcam's estimator (with its face tracking), calibration and filter state."""

    def __init__(self, weights: str, device, filter_params: dict | None = None):
        self.estimator = GazeEstimator(weights, device, gaze_filter=GazeFilter(**(filter_params or {})))
        self.lock = threading.Lock()
        self.collector: CalibrationCollector | None = None
        self.validation: dict | None = None  # target -> calibrated points while validating
        self.target: tuple | None = None
        self.onset = 0.0
        self.expected = 9

    def close(self) -> None:
        """Release the estimator's landmark graph (its threads and buffers)."""
        self.estimator.close()

    def set_filter(self, params: dict) -> None:
        """Apply the channel's gaze filter parameters (cheap: attributes of the running filter)."""
        f = self.estimator.filter
        for one_euro in (f.fx, f.fy):
            one_euro.min_cutoff, one_euro.beta = params["min_cutoff"], params["beta"]
        f.fix.dispersion, f.fix.min_duration = params["dispersion"], params["min_duration"]

    def process(self, jpeg: bytes, t: float, view=None, filter_params: dict | None = None) -> dict:
        """Estimate gaze on one frame; return the ack body (sample or reason, events, timings)."""
        with self.lock:
            if filter_params:
                self.set_filter(filter_params)
            try:
                sample = offload(self.estimator.estimate_jpeg, jpeg, t)
            except ValueError as exc:
                raise RequestError("bad_image", str(exc)) from None
            if sample is not None:
                self._collect(sample)
                calibrated = self.estimator.calibration is not None
                sample = to_view(replace(sample, extra={**sample.extra, "calibrated": calibrated}), view)
        return {"sample": sample, "reason": self.estimator.last_reason,
                "events": list(self.estimator.events), "timings": dict(self.estimator.timings)}

    def _collect(self, sample) -> None:
        """Feed calibration or validation with a sample taken while a target is shown."""
        if self.collector is not None:
            self.collector.add(sample)
        elif self.validation is not None and self.target is not None and sample.t >= self.onset + 0.3:
            if not sample.blink:
                self.validation.setdefault(self.target, []).append((sample.x, sample.y))

    def calibration(self, action: str, payload: dict) -> dict:
        """Run one step of calibration: start, target, fit, validate, load, clear."""
        step = getattr(self, f"_cal_{action}", None) if isinstance(action, str) else None
        if step is None:
            raise RequestError("bad_request", "action must be start, target, fit, validate, load or clear")
        return step(payload) or {}

    def _cal_start(self, payload) -> dict:
        n = payload.get("points", 9)
        if n not in (5, 9, 13) or isinstance(n, bool):
            raise RequestError("out_of_range", "points must be 5, 9 or 13")
        screen = payload.get("screen_mm")
        if screen is not None:
            if not isinstance(screen, list) or len(screen) != 2:
                raise RequestError("bad_type", "'screen_mm' must be [width, height]")
            w, h = (number({"screen_mm": v}, "screen_mm") for v in screen)
            if not (100 <= w <= 5000 and 50 <= h <= 5000):
                raise RequestError("out_of_range", "screen_mm must be 100-5000 wide and 50-5000 high")
            self.estimator.screen = Screen(w, h)
        self.collector, self.validation, self.target = CalibrationCollector(), None, None
        self.expected = n
        return {"targets": [list(p) for p in target_layout(n)]}

    def _cal_target(self, payload) -> None:
        x, y, t = (number(payload, k) for k in ("x", "y", "t"))
        self.target, self.onset = (x, y), t
        if self.collector is not None:
            self.collector.start_target(x, y, t)

    def _cal_fit(self, payload) -> dict:
        if self.collector is None:
            raise RequestError("bad_request", "start a calibration first")
        try:
            cal = self.collector.fit()
        except ValueError as exc:
            raise RequestError("calibration_failed", str(exc)) from None
        screen = self.estimator.screen
        self.estimator.calibration = cal
        counts = {f"{x:.2f},{y:.2f}": n for (x, y), n in self.collector.per_target.items()}
        self.collector, self.validation, self.target = None, {}, None
        return {"calibration": {**cal.to_dict(), "screen_mm": [screen.width_mm, screen.height_mm]},
                "samples": counts, "validation_targets": [list(p) for p in VALIDATION_TARGETS]}

    def _cal_validate(self, payload) -> dict:
        if not self.validation:
            raise RequestError("bad_request", "no validation samples: fit, then show validation targets")
        screen = payload.get("screen_px", [1920, 1080])
        if not isinstance(screen, list) or len(screen) != 2:
            raise RequestError("bad_type", "'screen_px' must be [width, height]")
        size = tuple(number({"screen_px": v}, "screen_px") for v in screen)
        cm, distance = number(payload, "screen_cm", 53.0), number(payload, "distance_cm", 60.0)
        if min(*size, cm, distance) <= 0:
            raise RequestError("out_of_range", "screen size and viewing distance must be positive")
        report = validate(self.validation, screen_px=size, screen_cm_w=cm, distance_cm=distance,
                          expected=len(VALIDATION_TARGETS))
        self.validation, self.target = None, None
        return {"report": report}

    def _cal_load(self, payload) -> dict:
        data = payload.get("calibration")
        try:
            cal = Calibration.from_dict(data)
            screen = data.get("screen_mm", [DEFAULT_SCREEN.width_mm, DEFAULT_SCREEN.height_mm])
            w, h = (number({"screen_mm": v}, "screen_mm") for v in screen)
        except (RequestError, TypeError, ValueError) as exc:
            raise RequestError("bad_calibration", f"not a calibration: {exc}") from None
        if not (100 <= w <= 5000 and 50 <= h <= 5000):
            raise RequestError("bad_calibration", "not a calibration: screen_mm out of range")
        self.estimator.calibration, self.estimator.screen = cal, Screen(w, h)
        return {}

    def _cal_clear(self, payload) -> None:
        self.estimator.calibration = self.collector = self.validation = None
        self.estimator.screen = DEFAULT_SCREEN


def to_view(sample, view):
    """Map a sample from window coordinates to the video's [x, y, w, h] rectangle in the window."""
    if not view:
        return sample
    left, top, width, height = view
    x = min(1.0, max(0.0, (sample.x - left) / width))
    y = min(1.0, max(0.0, (sample.y - top) / height))
    return replace(sample, x=x, y=y, extra={**sample.extra, "window": [sample.x, sample.y]})


def check_view(view):
    """Validate an optional video rectangle [left, top, width, height] in window units."""
    if view is None:
        return None
    if not isinstance(view, list) or len(view) != 4:
        raise RequestError("bad_type", "'view' must be [left, top, width, height]")
    rect = [number({"view": v}, "view") for v in view]
    if rect[2] <= 0 or rect[3] <= 0:
        raise RequestError("bad_type", "'view' must have a positive width and height")
    return rect


class TrackerPool:
    """Trackers by connection, living as long as it does; the model weights load once per tracker, off
    the loop. A connection is opened and dropped with its Socket.IO session: a tracker whose model
    finishes loading after its connection has gone is closed at once, not kept."""

    def __init__(self, weights: str, device: str, max_trackers: int = 64):
        self.weights, self.device, self.max_trackers = weights, device, max_trackers
        self.trackers: dict[str, Tracker] = {}
        self._open: set[str] = set()  # connections that may have a tracker
        self._loading: dict[str, threading.Lock] = {}  # one model load per connection at a time

    def open(self, key: str) -> None:
        """Let a new connection have a tracker."""
        self._open.add(key)

    def get(self, key: str) -> Tracker:
        """Return the tracker of a connection, creating it on first use."""
        tracker = self.trackers.get(key)
        if tracker is not None:
            return tracker
        if key not in self._open:
            raise RequestError("disconnected", "this connection has closed")
        with self._loading.setdefault(key, threading.Lock()):
            tracker = self.trackers.get(key)
            if tracker is not None:
                return tracker
            if len(self.trackers) >= self.max_trackers:
                raise RequestError("too_many_trackers", f"this server tracks {self.max_trackers} webcams already")
            tracker = self._load()
            if key not in self._open:  # the connection left while the model loaded
                _close(tracker)
                raise RequestError("disconnected", "this connection has closed")
            self.trackers[key] = tracker
        return tracker

    def _load(self) -> Tracker:
        import torch

        try:
            return offload(Tracker, self.weights, torch.device(self.device))
        except Exception as exc:  # a missing or incompatible checkpoint: say so, keep serving
            raise RequestError("model_unavailable", f"cannot load the eye model {self.weights}: {exc}") from None

    def drop(self, key: str) -> None:
        """Forget a connection and close its tracker once the frame it may be working on is done."""
        self._open.discard(key)
        self._loading.pop(key, None)
        tracker = self.trackers.pop(key, None)
        if tracker is not None:
            threading.Thread(target=_close_when_idle, args=(tracker,), daemon=True).start()


def _close_when_idle(tracker: Tracker) -> None:
    """Wait for a tracker's frame in progress (its lock), then close it."""
    with tracker.lock:
        _close(tracker)


def _close(tracker) -> None:
    """Release what a tracker holds: its estimator's and its own close(), where they have one."""
    for obj in (getattr(tracker, "estimator", None), tracker):
        close = getattr(obj, "close", None)
        if close is not None:
            close()
    offload(trim_memory)
