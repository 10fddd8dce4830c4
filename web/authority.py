"""Who is asking, and whether they may: the one place a request's or connection's identity is resolved."""
from __future__ import annotations

from flask import current_app, request

from pipeline.authority import Authority, Principal
from pipeline.errors import RequestError

from .connections import Connections

DOING = {"view": "watch it", "gaze": "drive its gaze or calibrate", "control": "change its effects",
         "reconfigure": "change its source or size", "read_gaze": "read its gaze", "invite": "invite or revoke"}


def authority() -> Authority:
    """Return the app's Authority."""
    return current_app.extensions["gazecast.authority"]


def connections() -> Connections:
    """Return the app's Socket.IO connections."""
    return current_app.extensions["gazecast.connections"]


def principal(*tokens: str) -> Principal:
    """Who sends the current event or request: its address, its logged-in user and the tokens it holds
    (a connection's, or an HTTP request's `?token=` and `Authorization: Bearer`), plus `tokens`."""
    extra = tuple(t for t in tokens if isinstance(t, str))
    sid = getattr(request, "sid", None)
    conn = connections().get(sid) if sid is not None else None
    if conn is not None:  # resolved when it connected
        who = principal_of(conn)
        return Principal(who.address, who.user_id, who.tokens + extra)
    bearer = request.headers.get("Authorization", "")
    held = tuple(t for t in (request.args.get("token"), bearer[7:] if bearer.startswith("Bearer ") else None) if t)
    return Principal(address=request.remote_addr or "?", user_id=_user_id(), tokens=held + extra)


def principal_of(conn) -> Principal:
    """The principal of a Socket.IO connection, as resolved when it connected (plus the tokens it got since)."""
    return Principal(conn.address, conn.user_id, tuple(conn.tokens))


def _user_id() -> str | None:
    """The logged-in user's id (session cookie or API token), None when anonymous."""
    from .identity import current_account

    account = current_account()
    return None if account is None else account.id


def role(channel, who: Principal | None = None) -> str:
    """Return the role of the asker (or `who`) on a channel."""
    return authority().role(who or principal(), channel.name, channel.tenure)


def rights(channel, who: Principal | None = None) -> frozenset:
    """Return what the asker (or `who`) may do on a channel."""
    return authority().rights(who or principal(), channel.name, channel.tenure)


def require(right: str, channel, who: Principal | None = None) -> None:
    """Refuse with forbidden unless the asker may do `right` on the channel."""
    if right not in rights(channel, who):
        raise RequestError("forbidden", f"a {role(channel, who)} of channel {channel.name!r} may not {DOING[right]}")
