"""Prometheus text exposition of the channels' frame rates, viewers and per-stage timings."""
from flask import Blueprint, Response

from .api import visible_health

bp = Blueprint("metrics", __name__)


def _labels(**kv) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in kv.items()) + "}"


@bp.get("/metrics")
def metrics():
    """Expose gauges and counters in the Prometheus text format (version 0.0.4)."""
    lines = ["# HELP gazecast_fps Frames published per second (last 2 s).", "# TYPE gazecast_fps gauge",
             "# HELP gazecast_viewers MJPEG viewers connected.", "# TYPE gazecast_viewers gauge",
             "# HELP gazecast_frames_total Frames rendered and published.", "# TYPE gazecast_frames_total counter",
             "# HELP gazecast_rerenders_total Frames re-rendered for a new gaze or setting.",
             "# TYPE gazecast_rerenders_total counter",
             "# HELP gazecast_stage_seconds Median duration of a frame stage (last 120 frames).",
             "# TYPE gazecast_stage_seconds gauge",
             "# HELP gazecast_render_path How the last frame was rendered: 1 for its path (gl, cpu or mixed).",
             "# TYPE gazecast_render_path gauge"]
    for name, c in visible_health().items():  # the channels the scraper's token operates
        ch = _labels(channel=name)
        lines += [f"gazecast_fps{ch} {c['fps']}", f"gazecast_viewers{ch} {c['viewers']}",
                  f"gazecast_frames_total{ch} {c['frames']}", f"gazecast_rerenders_total{ch} {c['rerenders']}"]
        lines += [f"gazecast_stage_seconds{_labels(channel=name, stage=stage)} {ms / 1000:.6f}"
                  for stage, ms in c["stage_ms"].items() if ms is not None]
        lines += [f"gazecast_render_path{_labels(channel=name, path=path)} {int(c['render_path'] == path)}"
                  for path in ("gl", "cpu", "mixed") if c["render_path"]]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
