"""Pages: the viewer, the control panel, and browser libraries served from node_modules."""
from flask import Blueprint, abort, render_template, send_from_directory

from config import ROOT

bp = Blueprint("pages", __name__)
VENDOR = {"socket.io.min.js": ROOT / "node_modules" / "socket.io-client" / "dist"}


@bp.get("/")
@bp.get("/view/<channel>")
def viewer(channel: str = "main"):
    """Show a channel's stream; the mouse over it is the gaze."""
    return render_template("viewer.html", channel=channel)


@bp.get("/control")
@bp.get("/control/<channel>")
def control(channel: str = "main"):
    """Show the live control panel of a channel."""
    return render_template("control.html", channel=channel)


@bp.get("/calibrate")
@bp.get("/calibrate/<channel>")
def calibrate(channel: str = "main"):
    """Calibrate the webcam eye tracker: targets, fit, validation report."""
    return render_template("calibrate.html", channel=channel)


@bp.get("/favicon.ico")
def favicon():
    """Serve the icon (an SVG) where a client asks for the conventional path."""
    return send_from_directory(ROOT / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/vendor/<name>")
def vendor(name: str):
    """Serve a third-party browser library installed by npm."""
    if name not in VENDOR:
        abort(404)
    return send_from_directory(VENDOR[name], name, max_age=3600)
