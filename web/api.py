"""JSON endpoints: the effect catalogue and the health of the server."""
from flask import Blueprint, current_app, jsonify

from .authority import authority, connections, principal, rights
from .context import manager, trackers
from .routing import cluster

bp = Blueprint("api", __name__)


@bp.get("/api/effects")
def effects():
    """List every effect with its parameters (type, min, max, default, description)."""
    return jsonify({"effects": manager().effects()})


@bp.get("/api/sources")
def sources():
    """List the contents a channel can show: demo, mirror (the viewer's webcam), cameras, media files."""
    return jsonify({"sources": manager().sources()})


def visible_health() -> dict:
    """Return the health of the channels the asker operates (all of them on an open server)."""
    who = principal()
    return {name: h for name, h in manager().health().items()
            if "control" in rights(manager().channels[name], who)}


@bp.get("/healthz")
def healthz():
    """Report devices, load, and the channels the asker operates: frame rates, viewers, timings."""
    config = current_app.config["GAZECAST"]
    devices = current_app.extensions["gazecast.devices"]
    return jsonify({"status": "ok" if "error" not in devices["gl"] else "degraded",
                    "async_mode": config.async_mode, "devices": devices,
                    "auth": "open" if authority().open else "tokens",
                    "connections": len(connections().by_sid), "trackers": len(trackers().trackers),
                    "channels_open": len(manager().channels), "channels": visible_health(),
                    **({"cluster": cluster().health()} if cluster() is not None else {})})
