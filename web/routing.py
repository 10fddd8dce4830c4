"""Where an event for a channel is applied: here, or (with a message queue) in the process that renders it."""
from __future__ import annotations

from flask import current_app

from gaze import GazeSample
from pipeline.errors import RequestError

CONTROL_FIELDS = ("effect", "enabled", "params", "order", "filter", "source", "size")


def cluster():
    """Return this process's web.cluster.Cluster, or None when it serves alone."""
    return current_app.extensions.get("gazecast.cluster")


def route(channel, op: str, args: dict, wait: bool = True) -> dict | None:
    """Apply an event to a channel where it renders and return the reply (acknowledged once applied there)."""
    here = cluster()
    if here is None:
        return apply(channel, op, args)
    return here.call(channel, op, args, wait=wait)


def drive(channel, sample: GazeSample, wait: bool = False) -> None:
    """Hand a gaze sample to the channel where it renders: here the sample itself, elsewhere its JSON
    (with wait, returning once the rendering process has it)."""
    here = cluster()
    if here is None:
        channel.set_gaze(sample)
    else:
        here.call(channel, "gaze", sample_args(sample), wait=wait)


def apply(channel, op: str, args: dict) -> dict:
    """Apply a (validated) event to a channel rendered in this process."""
    if op == "control":
        channel.control(effect=args.get("effect"), enabled=args.get("enabled"), params=args.get("params"),
                        order=args.get("order"), filter=args.get("filter"))
        source, size = args.get("source"), args.get("size")
        if source is not None or size is not None:
            channel.reconfigure(source, tuple(size) if size else None)
        return {"state": channel.state()}
    if op == "gaze":
        channel.set_gaze(GazeSample(**args))
        return {}
    if op == "frame":  # a snapshot asked for in another process
        channel.request_frame()
        return {}
    if op == "watch":  # another process has a viewer: render now, not at the next count of the watchers
        channel.remote_viewers = max(1, channel.remote_viewers)
        channel.request_frame()
        return {}
    raise RequestError("bad_request", f"unknown routed event {op!r}")


def sample_args(sample: GazeSample) -> dict:
    """A gaze sample as the JSON a routed gaze event carries."""
    d = sample.to_dict()
    return {k: d[k] for k in ("t", "x", "y", "source", "pupil_mm", "blink", "t_server") if k in d}
