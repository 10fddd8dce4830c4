"""MJPEG streams and snapshots of channels."""
import time

from flask import Blueprint, Response, jsonify, request

from pipeline.errors import RequestError

from .authority import require
from .context import error, manager
from .routing import cluster, route

bp = Blueprint("stream", __name__)
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}
STATUS = {"forbidden": 403}  # other refusals here: an unknown channel, 404


@bp.errorhandler(RequestError)
def _refuse(exc: RequestError):
    return jsonify(error(exc.code, str(exc))), STATUS.get(exc.code, 404)


def _watchable(name: str):
    """Return a channel the asker may watch."""
    channel = manager().get(name)
    require("view", channel)
    return channel


@bp.get("/stream.mjpg")
@bp.get("/stream/<name>.mjpg")
def stream(name: str = "main"):
    """Stream a channel as multipart/x-mixed-replace, one JPEG per part."""
    channel = _watchable(name)
    if channel.error:
        return jsonify(error("channel_failed", channel.error)), 503
    if cluster() is not None:
        cluster().viewer_came(channel)  # rendered here if nobody does, else the holder hears of a viewer
    sock = _eventlet_socket(request.environ)
    body = _frames(channel) if sock is None else _frames_to_socket(channel, sock)
    return Response(body, mimetype=MIMETYPE, headers=NO_CACHE)


MIMETYPE = "multipart/x-mixed-replace; boundary=frame"
RAW_HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%sConnection: close\r\n\r\n" % (
    MIMETYPE, "".join(f"{k}: {v}\r\n" for k, v in NO_CACHE.items()))).encode()


def _eventlet_socket(environ):
    """The client's socket under eventlet's WSGI server (HTTP/1.x, not HEAD), else None."""
    stream_input = environ.get("eventlet.input")
    if stream_input is None or environ.get("REQUEST_METHOD") != "GET" or not hasattr(stream_input, "get_socket"):
        return None
    return stream_input.get_socket()


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


def _frames_to_socket(channel, sock):
    """Stream to the client's socket itself, as eventlet.websocket does; yield nothing.

    eventlet's WSGI writer frames every yielded part as an HTTP chunk (two copies of the JPEG) and
    passes it through a buffered file, and each yield costs a wake-up of this green thread: per viewer
    and frame that cost more than the kernel's send. Here the response is HTTP/1.1 with `Connection:
    close` (the body ends with the connection, as every MJPEG reader expects), and the broadcaster's
    pump writes each part into the socket (Broadcaster.serve)."""
    from eventlet import wsgi  # only reached under eventlet's server

    wsgi.WSGI_LOCAL.already_handled = True  # eventlet writes no headers of its own and closes after us
    channel.add_viewer()
    try:
        sock.sendall(RAW_HEAD)
        channel.broadcaster.serve(sock.fd, channel.stats.record_send, stop=lambda: bool(channel.error))
    except OSError:  # the viewer went away
        pass
    finally:
        channel.remove_viewer()
    yield from ()


@bp.get("/snapshot/<name>.jpg")
def snapshot(name: str):
    """Return the latest rendered frame of a channel, rendering one if nobody watches (a snapshot does not
    keep an idle channel open)."""
    channel = _watchable(name)
    if channel.error:
        return jsonify(error("channel_failed", channel.error)), 503
    seq = channel.request_frame()
    if cluster() is not None and not channel.renders:
        cluster().want_frame(channel)
        route(channel, "frame", {})  # the holder renders one; it reaches this process like every frame
    _, jpeg = channel.broadcaster.wait_newer(seq, timeout=15.0)
    if jpeg is None:
        return jsonify(error("no_frame", channel.error or "no frame rendered yet")), 503
    return Response(jpeg, mimetype="image/jpeg", headers=NO_CACHE)
