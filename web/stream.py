"""MJPEG streams and snapshots of channels."""
import time

from flask import Blueprint, Response, jsonify

from pipeline.errors import RequestError

from .context import error, manager

bp = Blueprint("stream", __name__)
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}


@bp.errorhandler(RequestError)
def _refuse(exc: RequestError):
    return jsonify(error(exc.code, str(exc))), 404


@bp.get("/stream.mjpg")
@bp.get("/stream/<name>.mjpg")
def stream(name: str = "main"):
    """Stream a channel as multipart/x-mixed-replace, one JPEG per part."""
    channel = manager().get(name)
    if channel.error:
        return jsonify(error("channel_failed", channel.error)), 503
    return Response(_frames(channel), mimetype="multipart/x-mixed-replace; boundary=frame",
                    headers=NO_CACHE)


def _frames(channel):
    """Yield the newest frame each time one is published, for as long as the viewer reads."""
    channel.add_viewer()
    try:
        seq = 0
        while not channel.error:
            seq, part = channel.broadcaster.wait_newer(seq, timeout=5.0, part=True)
            if part is not None:
                t0 = time.perf_counter()
                yield part  # the same bytes for every viewer; resumes once the server has written it
                channel.stats.record_send(time.perf_counter() - t0)
    finally:
        channel.remove_viewer()


@bp.get("/snapshot/<name>.jpg")
def snapshot(name: str):
    """Return the latest rendered frame of a channel, rendering one if nobody watches."""
    channel = manager().get(name)
    seq = channel.request_frame()
    _, jpeg = channel.broadcaster.wait_newer(seq, timeout=15.0)
    if jpeg is None:
        return jsonify(error("no_frame", channel.error or "no frame rendered yet")), 503
    return Response(jpeg, mimetype="image/jpeg", headers=NO_CACHE)
