"""Socket.IO handlers: decode the payload, call the channel, acknowledge."""
from __future__ import annotations

import functools
import logging
import math
import time

from flask import request
from flask_socketio import Namespace, emit, join_room, leave_room

from gaze import GazeSample
from pipeline.errors import RequestError

from . import socketio
from .context import error, manager

log = logging.getLogger(__name__)
PROTOCOL = 1


def acked(handler):
    """Turn a handler's result into {"ok": true, ...} and its RequestError into an error ack."""

    @functools.wraps(handler)
    def wrapper(self, payload=None, *extra):
        try:
            if not isinstance(payload, dict):
                raise RequestError("bad_request", "the payload must be a JSON object")
            return {"ok": True, **(handler(self, payload) or {})}
        except RequestError as exc:
            return error(exc.code, str(exc))
        except Exception:
            log.exception("%s failed", handler.__name__)
            return error("internal", "the server failed to handle this event")

    return wrapper


def _unit(payload: dict, key: str) -> float:
    """Return payload[key] as a finite number in [0, 1], or raise."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError("bad_type", f"'{key}' must be a number in [0, 1]")
    if not math.isfinite(value):
        raise RequestError("not_finite", f"'{key}' must be finite, got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise RequestError("out_of_range", f"'{key}' must be in [0, 1], got {value}")
    return float(value)


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

    @acked
    def on_join(self, payload):
        channel = manager().open(payload.get("channel", "main"))
        old = self.channels.get(request.sid)
        if old:
            leave_room(f"ch:{old}")
        self.channels[request.sid] = channel.name
        join_room(f"ch:{channel.name}")
        return {"protocol": PROTOCOL, "state": channel.state(), "effects": manager().effects()}

    @acked
    def on_gaze(self, payload):
        channel = self._channel(payload)
        t = payload.get("t", time.time())
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            raise RequestError("bad_type", "'t' must be a finite number (seconds)")
        source = payload.get("source", "mouse")
        if source not in ("mouse", "external"):
            raise RequestError("bad_request", "'source' must be 'mouse' or 'external'")
        sample = GazeSample(t=float(t), x=_unit(payload, "x"), y=_unit(payload, "y"),
                            source=source, t_server=time.time())
        channel.set_gaze(sample)
        emit("gaze", {"channel": channel.name, **sample.to_dict()}, to=f"ch:{channel.name}",
             include_self=False)
        return None

    @acked
    def on_control(self, payload):
        channel = self._channel(payload)
        unknown = set(payload) - {"channel", "effect", "enabled", "params", "order"}
        if unknown:
            raise RequestError("bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")
        channel.control(effect=payload.get("effect"), enabled=payload.get("enabled"),
                        params=payload.get("params"), order=payload.get("order"))
        state = channel.state()
        emit("state", state, to=f"ch:{channel.name}")
        return {"state": state}


socketio.on_namespace(GazecastNamespace("/"))
