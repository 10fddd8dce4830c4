"""JSON endpoints: the effect catalogue and the health of the server."""
from flask import Blueprint, current_app, jsonify

from .context import manager

bp = Blueprint("api", __name__)


@bp.get("/api/effects")
def effects():
    """List every effect with its parameters (type, min, max, default, description)."""
    return jsonify({"effects": manager().effects()})


@bp.get("/api/sources")
def sources():
    """List the contents a channel can show: demo, mirror (the viewer's webcam), cameras, media files."""
    return jsonify({"sources": manager().sources()})


@bp.get("/healthz")
def healthz():
    """Report devices, channels, frame rates and viewers."""
    config = current_app.config["GAZECAST"]
    devices = current_app.extensions["gazecast.devices"]
    return jsonify({"status": "ok" if "error" not in devices["gl"] else "degraded",
                    "async_mode": config.async_mode, "devices": devices,
                    "channels": manager().health()})
