"""Pages of my recordings: the list, a recording's pictures and statistics, rename, delete, export, replay."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from pipeline.errors import RequestError
from pipeline.osthread import offload
from store import StoreError

from .database import service
from .exports import export_response
from .forms import ConfirmForm, DeleteForm, FrameForm, RenameForm
from .identity import current_account
from .pictures import KINDS, forget_pictures, picture_response
from .replays import replays

bp = Blueprint("recordings", __name__)
STATUS = {"not_found": 404, "store_unavailable": 503, "recording_running": 409}


def _me() -> str:
    return current_account().id


@bp.get("/recordings")
@login_required
def index():
    """List my recordings: date, duration, samples, calibration accuracy, content."""
    return render_template("recordings/list.html", rows=offload(service("recordings").list, _me()))


@bp.get("/recordings/<rec_id>")
@login_required
def detail(rec_id: str, error: str | None = None, status: int = 200):
    """Show one recording: heatmap, scanpath, timeline, fixation statistics and its actions."""
    recordings = service("recordings")
    rec = offload(recordings.get, _me(), rec_id)
    calibration = offload(recordings.calibration_of, _me(), rec)
    stats = offload(recordings.stats, _me(), rec_id)
    return render_template("recordings/detail.html", rec=rec, calibration=calibration, stats=stats, error=error,
                           rename=RenameForm(name=rec.name), frame=FrameForm(frame_at=rec.frame_at),
                           delete=DeleteForm(), confirm=ConfirmForm(), replay=replays().status(_me(), rec_id)), status


@bp.post("/recordings/<rec_id>/rename")
@login_required
def rename(rec_id: str):
    """Rename a recording (its pictures stay cached)."""
    form = RenameForm()
    if not form.validate_on_submit():
        return detail(rec_id, error="; ".join(sum(form.errors.values(), [])), status=400)
    offload(service("recordings").rename, _me(), rec_id, form.name.data)
    flash("Renamed.")
    return redirect(url_for("recordings.detail", rec_id=rec_id))


@bp.post("/recordings/<rec_id>/frame")
@login_required
def frame(rec_id: str):
    """Draw the pictures over another frame of the content (they are rendered again)."""
    form = FrameForm()
    if not form.validate_on_submit():
        return detail(rec_id, error="; ".join(sum(form.errors.values(), [])), status=400)
    before = offload(service("recordings").get, _me(), rec_id)
    offload(service("recordings").set_frame_at, _me(), rec_id, form.frame_at.data)
    forget_pictures(before)
    return redirect(url_for("recordings.detail", rec_id=rec_id))


@bp.post("/recordings/<rec_id>/delete")
@login_required
def delete(rec_id: str):
    """Delete a recording with its samples, events, pictures and replay, once confirmed."""
    form = DeleteForm()
    if not form.validate_on_submit() or not form.confirm.data:
        return detail(rec_id, error="tick the box to confirm the deletion", status=400)
    rec = offload(service("recordings").delete, _me(), rec_id)
    forget_pictures(rec)
    replays().discard(rec_id)
    flash(f"Deleted {rec.name}.")
    return redirect(url_for("recordings.index"))


@bp.get("/recordings/<rec_id>/<kind>.png")
@login_required
def picture(rec_id: str, kind: str):
    """Serve a picture of a recording: cached, revalidated with its ETag."""
    if kind not in KINDS:
        abort(404)
    return picture_response(_me(), rec_id, kind)


@bp.get("/recordings/<rec_id>/export.<fmt>")
@login_required
def export(rec_id: str, fmt: str):
    """Download a recording's samples (or ?what=events) as CSV or JSON, streamed."""
    return export_response(_me(), rec_id, request.args.get("what", "samples"), fmt, download=True)


@bp.get("/recordings/<rec_id>/replay.mp4")
@login_required
def replay_video(rec_id: str):
    """Download the replay video rendered for a recording."""
    offload(service("recordings").get, _me(), rec_id)  # mine, or not found
    path = replays().video(rec_id)
    if path is None:
        abort(404)
    return send_file(path, mimetype="video/mp4", as_attachment=True, download_name=f"recording-{rec_id}.mp4",
                     conditional=True, max_age=0)


@bp.errorhandler(StoreError)
@bp.errorhandler(RequestError)
def _refused(exc):
    """Another user's recording is a 404, like one that never existed."""
    return render_template("error.html", message=str(exc), code=exc.code), STATUS.get(exc.code, 400)
