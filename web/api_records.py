"""The JSON API of my recordings, calibrations and presets: by session cookie or `Authorization: Bearer`."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from pipeline.errors import RequestError
from pipeline.osthread import offload
from store import StoreError

from .context import error
from .database import service
from .exports import export_response
from .identity import current_account
from .limits import csrf
from .pictures import forget_pictures
from .replays import replays

bp = Blueprint("api_records", __name__)
STATUS = {"not_found": 404, "store_unavailable": 503, "recording_running": 409, "unauthorized": 401}


@bp.before_request
def _authenticate():
    """401 without a session or a token; a cookie session's changes need its CSRF token (X-CSRFToken)."""
    account = current_account()
    if account is None:
        return jsonify(error("unauthorized", "log in, or send Authorization: Bearer <API token>")), 401
    if request.method not in ("GET", "HEAD", "OPTIONS") and not account.via_token:
        csrf.protect()
    return None


def _me() -> str:
    return current_account().id


@bp.get("/api/recordings")
def list_recordings():
    """List my recordings, newest first."""
    rows = offload(service("recordings").list, _me())
    return jsonify({"recordings": [{**rec.to_dict(), "calibration_accuracy_deg": acc} for rec, acc in rows]})


@bp.get("/api/recordings/<rec_id>")
def get_recording(rec_id: str):
    """Return one of my recordings with its fixation statistics."""
    rec = offload(service("recordings").get, _me(), rec_id)
    return jsonify({"recording": rec.to_dict(), "stats": offload(service("recordings").stats, _me(), rec_id)})


@bp.delete("/api/recordings/<rec_id>")
def delete_recording(rec_id: str):
    """Delete one of my (stopped) recordings."""
    rec = offload(service("recordings").delete, _me(), rec_id)
    forget_pictures(rec)
    replays().discard(rec_id)
    return jsonify({"ok": True, "deleted": rec_id})


@bp.get("/api/recordings/<rec_id>/samples")
def samples(rec_id: str):
    """Stream my recording's samples: ?format=csv (default json)."""
    return export_response(_me(), rec_id, "samples", request.args.get("format", "json"))


@bp.get("/api/recordings/<rec_id>/events")
def events(rec_id: str):
    """Stream my recording's fixations, saccades and blinks: ?format=csv (default json)."""
    return export_response(_me(), rec_id, "events", request.args.get("format", "json"))


@bp.get("/api/calibrations")
def calibrations():
    """List my calibrations with accuracy and precision, newest first."""
    return jsonify({"calibrations": offload(service("calibrations").history, _me())})


@bp.get("/api/calibrations/<cal_id>")
def calibration(cal_id: str):
    """Return one of my calibrations with its parameters ('latest': the newest)."""
    return jsonify(offload(service("calibrations").get, _me(), None if cal_id == "latest" else cal_id))


@bp.get("/api/presets")
def presets():
    """List my presets and the ones other users share."""
    return jsonify(offload(service("presets").list, _me()))


@bp.errorhandler(StoreError)
@bp.errorhandler(RequestError)
def _refused(exc):
    """Another user's object is a 404, like one that never existed."""
    return jsonify(error(exc.code, str(exc))), STATUS.get(exc.code, 400)
