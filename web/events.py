"""Socket.IO handlers: decode the payload, call the channel, acknowledge."""
from __future__ import annotations

import time

from flask import request
from flask_socketio import Namespace, emit, join_room, leave_room

from gaze import GazeSample
from pipeline.errors import RequestError, number, unit
from pipeline.tracking import filter_specs

from . import socketio
from .acks import acked
from .context import manager, trackers

PROTOCOL = 1


class GazecastNamespace(Namespace):
    """The default namespace: every client joins one channel's room."""

    channels: dict[str, str] = {}  # sid -> channel name

    def _channel(self, payload: dict | None = None):
        name = (payload or {}).get("channel") or self.channels.get(request.sid, "main")
        return manager().get(name)

    def on_connect(self, auth=None):
        name = (auth or {}).get("channel", "main") if isinstance(auth, dict) else "main"
        if name not in manager().channels:
            name = "main"
        self.channels[request.sid] = name
        join_room(f"ch:{name}")
        emit("state", manager().get(name).state())

    def on_disconnect(self, reason=None):
        self.channels.pop(request.sid, None)
        trackers().drop(request.sid)

    @acked
    def on_join(self, payload):
        channel = manager().open(payload.get("channel", "main"))
        old = self.channels.get(request.sid)
        if old:
            leave_room(f"ch:{old}")
        self.channels[request.sid] = channel.name
        join_room(f"ch:{channel.name}")
        return {"protocol": PROTOCOL, "state": channel.state(), "effects": manager().effects(),
                "filter": filter_specs()}

    @acked
    def on_gaze(self, payload):
        channel = self._channel(payload)
        t = number(payload, "t", time.time())
        source = payload.get("source", "mouse")
        if source not in ("mouse", "external"):
            raise RequestError("bad_request", "'source' must be 'mouse' or 'external'")
        sample = GazeSample(t=t, x=unit(payload, "x"), y=unit(payload, "y"),
                            source=source, t_server=time.time())
        channel.set_gaze(sample)
        self.keep(channel, sample)  # into the user's recording, if one runs (web/record_events.py)
        emit("gaze", {"channel": channel.name, **sample.to_dict()}, to=f"ch:{channel.name}",
             include_self=False)
        return None

    @acked
    def on_control(self, payload):
        channel = self._channel(payload)
        unknown = set(payload) - {"channel", "effect", "enabled", "params", "order", "filter", "source", "size"}
        if unknown:
            raise RequestError("bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")
        source, size = payload.get("source"), payload.get("size")
        manager().check_reconfigure(source, size)
        channel.control(effect=payload.get("effect"), enabled=payload.get("enabled"),
                        params=payload.get("params"), order=payload.get("order"),
                        filter=payload.get("filter"))
        if source is not None or size is not None:
            channel.reconfigure(source, tuple(size) if size else None)
        state = channel.state()
        emit("state", state, to=f"ch:{channel.name}")
        return {"state": state}




from .record_events import RecordEvents  # noqa: E402
from .tracking import TrackingEvents  # noqa: E402


class Handlers(RecordEvents, GazecastNamespace, TrackingEvents):
    """The default namespace with every handler."""


socketio.on_namespace(Handlers("/"))
