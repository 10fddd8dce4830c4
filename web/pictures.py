"""The pictures of a recording (heatmap, scanpath, timeline): rendered once off the loop, cached, revalidated."""
from __future__ import annotations

from flask import Response, request

from pipeline.osthread import offload, threading
from pipeline.replay import content_frame
from render.plots import heatmap_png, scanpath_png, timeline_png

from .database import service
from .limits import cache

KINDS = ("heatmap", "scanpath", "timeline")
CACHE_CONTROL = "private, no-cache"  # the browser keeps it and asks again with If-None-Match: 304 if unchanged


def etag_of(rec, kind: str) -> str:
    """Return a picture's entity tag: it changes with the recording's data (not with its name)."""
    return f"{kind}-{rec.id}-{rec.data_version}"


def picture_response(user_id: str, rec_id: str, kind: str) -> Response:
    """Answer a picture request: 304 when the browser has it, else from the cache, else render and keep it."""
    rec = offload(service("recordings").get, user_id, rec_id)  # another user's is not found
    etag = etag_of(rec, kind)
    headers = {"Cache-Control": CACHE_CONTROL}
    if etag in request.if_none_match:
        response = Response(status=304, headers=headers)
    else:
        png = cache.get(f"picture:{etag}")
        headers["X-Cache"] = "hit" if png is not None else "miss"
        if png is None:
            png = offload(render_picture, service("recordings"), user_id, rec, kind)
            cache.set(f"picture:{etag}", png)
        response = Response(png, mimetype="image/png", headers=headers)
    response.set_etag(etag)
    return response


def forget_pictures(rec) -> None:
    """Drop a recording's cached pictures (it changed or went away)."""
    cache.delete_many(*(f"picture:{etag_of(rec, kind)}" for kind in KINDS))


_drawing = threading.Lock()  # matplotlib's own locks are green under eventlet: one OS thread draws at a time


def render_picture(recordings, user_id: str, rec, kind: str) -> bytes:
    """Render one picture (on a worker thread: database reads, content decoding, then drawing)."""
    with _drawing:
        return _render(recordings, user_id, rec, kind)


def _render(recordings, user_id: str, rec, kind: str) -> bytes:
    if kind == "scanpath":
        fixations = [(e.x, e.y, e.duration) for e in recordings.events(user_id, rec.id, "fixation")]
        return scanpath_png(content_frame(rec.source, (rec.width, rec.height), rec.fps, rec.frame_at), fixations)
    series = recordings.series(user_id, rec.id)
    if kind == "heatmap":
        frame = content_frame(rec.source, (rec.width, rec.height), rec.fps, rec.frame_at)
        return heatmap_png(frame, series["x"], series["y"], series["t"], series["blink"])
    fixations = [(e.t, e.duration) for e in recordings.events(user_id, rec.id, "fixation")]
    return timeline_png(series["t"], series["x"], series["y"], series["pupil_mm"], series["blink"], fixations)
