"""Access to the per-app objects from views and handlers."""
from flask import current_app

from pipeline.manager import ChannelManager


def manager() -> ChannelManager:
    """Return the channel manager of the current app."""
    return current_app.extensions["gazecast"]


def trackers():
    """Return the per-connection gaze trackers of the current app."""
    return current_app.extensions["gazecast.trackers"]


def error(code: str, message: str) -> dict:
    """Return the protocol's error acknowledgement."""
    return {"ok": False, "error": {"code": code, "message": message}}


def room(name: str) -> str:
    """The Socket.IO room of everyone in a channel: its state goes there."""
    return f"ch:{name}"


def gaze_room(name: str) -> str:
    """The room of a channel's owner and operators: its participants' gaze goes there, and only there."""
    return f"ops:{name}"
