"""Who is asking: the logged-in account of a request (session cookie or bearer token) or of a Socket.IO connection.

`current_account()` is the one function the rest of the app asks; it returns an Account or None (anonymous).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import flask_login
from flask import request
from flask_login import LoginManager

from pipeline.osthread import offload
from store import Identity, StoreError

from .database import service

log = logging.getLogger(__name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to keep your recordings, calibrations and presets."
_sockets: dict[str, "Account | None"] = {}  # Socket.IO sid -> the account it connected as


@dataclass(frozen=True, eq=True)
class Account(flask_login.UserMixin):
    """A logged-in user as Flask-Login sees them: plain values, no database session behind them."""

    id: str
    username: str
    auth_version: int
    via_token: bool = False  # authenticated by an API token, not a session cookie

    def get_id(self) -> str:
        """Return what the session keeps: the id and the password's generation (a new password ends old sessions)."""
        return f"{self.id}.{self.auth_version}"

    @classmethod
    def of(cls, identity: Identity | None, via_token: bool = False) -> "Account | None":
        """Wrap the store's identity."""
        return None if identity is None else cls(identity.id, identity.username, identity.auth_version, via_token)


@login_manager.user_loader
def _load(session_id: str):
    user_id, _, version = session_id.partition(".")
    try:
        return Account.of(offload(service("accounts").load, user_id, int(version)))
    except (ValueError, StoreError) as exc:
        log.warning("cannot load the session's user: %s", exc)
        return None


@login_manager.request_loader
def _from_token(req):
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return Account.of(offload(service("accounts").by_token, token.strip()), via_token=True)
    except StoreError as exc:
        log.warning("cannot check a bearer token: %s", exc)
        return None


def current_account() -> Account | None:
    """Return the account of this request or Socket.IO connection, None when anonymous."""
    sid = getattr(request, "sid", None)
    if sid is not None and sid in _sockets:
        return _sockets[sid]
    return _logged_in()


def _logged_in() -> Account | None:
    """Return Flask-Login's user of this request (the object, not the proxy), None when anonymous."""
    user = flask_login.current_user._get_current_object()  # a proxy would load the user again at each use
    return user if user.is_authenticated else None


def remember_socket(sid: str) -> Account | None:
    """Note the account a Socket.IO connection carries (its session at connect) and return it."""
    _sockets[sid] = _logged_in()
    return _sockets[sid]


def forget_socket(sid: str) -> None:
    """Forget a closed connection."""
    _sockets.pop(sid, None)


def sockets_of(user_id: str) -> list[str]:
    """Return the Socket.IO connections of one user."""
    return [sid for sid, a in _sockets.items() if a is not None and a.id == user_id]
