"""Load a preset into a channel: every effect and value checked against today's catalogue first."""
from __future__ import annotations

from pipeline.errors import RequestError
from pipeline.tracking import check_filter
from render.effects import ParamError

from . import socketio
from .context import manager, room


def apply_preset(channel, preset: dict) -> dict:
    """Set a channel's chain (order, switches, values) and gaze filter from a preset; return the new state."""
    specs = manager().specs
    missing = [item["name"] for item in preset["chain"] if item["name"] not in specs]
    if missing:
        raise RequestError("unknown_effect", f"the preset uses effects this server lacks: {', '.join(missing)}")
    try:
        for item in preset["chain"]:
            for name, value in item["params"].items():
                specs[item["name"]].param(name).coerce(value)
    except ParamError as exc:
        raise RequestError(exc.code, f"the preset no longer fits the effects: {exc}") from None
    known = {item["name"] for item in preset["chain"]}
    channel.control(order=[item["name"] for item in preset["chain"]],
                    filter=check_filter(preset["filter"]) if preset.get("filter") else None)
    for item in preset["chain"]:
        channel.control(effect=item["name"], enabled=item["enabled"], params=item["params"])
    for name in specs:  # effects the preset does not name are off
        if name not in known:
            channel.control(effect=name, enabled=False)
    state = channel.state()
    socketio.emit("state", state, to=room(channel.name))
    return state
