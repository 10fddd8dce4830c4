"""Who may do what on a channel: roles and their rights, channel ownership, and signed, expiring,
revocable invitation tokens. Plain values in and out; web/authority.py says who is asking."""
from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

ROLES = ("none", "viewer", "participant", "operator", "owner")  # each may do what those before it may
RIGHTS = {
    "none": frozenset(),
    "viewer": frozenset({"view"}),  # watch the stream, get the channel's state
    "participant": frozenset({"view", "gaze"}),  # drive the channel with one's gaze, calibrate
    "operator": frozenset({"view", "gaze", "control", "reconfigure", "read_gaze"}),  # effects; source, size; gaze
    "owner": frozenset({"view", "gaze", "control", "reconfigure", "read_gaze", "invite"}),  # invite, revoke
}
EVERY_CHANNEL = "*"  # the channel of the server's own (admin) token: owner of every channel
CONFIGURED = "configured"  # the instance of channels from the configuration: their tokens outlive restarts


@dataclass(frozen=True)
class Principal:
    """Who asks: the client's address, a logged-in user (None until accounts exist), the tokens it showed."""

    address: str
    user_id: str | None = None
    tokens: tuple[str, ...] = ()


@dataclass
class Tenure:
    """A channel's ownership. Tokens name the instance, so a channel closed and opened again under
    the same name by someone else does not honour the old channel's tokens."""

    instance: str
    owner: str | None = None  # "user:<id>" or a token subject; None: the server's (a configured channel)
    address: str | None = None  # the address that created it (for max_channels_per_address)
    configured: bool = False  # configured channels keep their settings and are never closed

    @classmethod
    def new(cls, owner: str | None = None, address: str | None = None) -> "Tenure":
        """Return the tenure of a channel opened by a client."""
        return cls(secrets.token_urlsafe(9), owner, address)


@dataclass(frozen=True)
class Claims:
    """What a valid token says: a role on one channel instance, for a subject, until a time."""

    channel: str
    instance: str
    role: str
    subject: str
    id: str
    expires: float

    def to_dict(self) -> dict:
        """Return the claims as the protocol shows them."""
        return {"channel": self.channel, "role": self.role, "id": self.id, "expires": self.expires}


class Authority:
    """Decide roles: everyone is an owner in open mode; otherwise tokens, ownership and the anonymous role."""

    def __init__(self, mode: str, secret: str, anonymous_role: str = "viewer", max_age: float = 7 * 86400.0,
                 revocations: str | None = None):
        self.open = mode == "open"
        self.anonymous_role, self.max_age = anonymous_role, max_age
        self._signer = URLSafeSerializer(secret, salt="gazecast-invitation")
        self._path = Path(revocations) if revocations else None
        self.revoked: dict[str, float] = self._load()  # token id -> its expiry (forgotten after that)
        self._claims: dict[str, Claims | None] = {}  # verified signatures, by token

    def mint(self, channel: str, instance: str, role: str, subject: str | None = None,
             expires_in: float | None = None) -> tuple[str, Claims]:
        """Sign a token granting `role` on one channel instance (or EVERY_CHANNEL) for expires_in seconds."""
        if role not in ROLES[1:]:
            raise ValueError(f"no role {role!r}")
        life = self.max_age if expires_in is None else min(expires_in, self.max_age)
        claims = Claims(channel, instance, role, subject or secrets.token_urlsafe(9), secrets.token_urlsafe(12),
                        round(time.time() + life, 3))
        token = self._signer.dumps({"c": channel, "i": instance, "r": role, "s": claims.subject,
                                    "j": claims.id, "e": claims.expires})
        return token, claims

    def claims(self, token) -> Claims | None:
        """Return a token's claims if its signature holds and it has neither expired nor been revoked."""
        if not isinstance(token, str) or len(token) > 1000:
            return None
        if token not in self._claims:
            if len(self._claims) > 4096:
                self._claims.clear()
            self._claims[token] = self._verify(token)
        claims = self._claims[token]
        if claims is None or claims.expires < time.time() or claims.id in self.revoked:
            return None
        return claims

    def _verify(self, token: str) -> Claims | None:
        try:
            d = self._signer.loads(token)
            return Claims(str(d["c"]), str(d["i"]), str(d["r"]), str(d["s"]), str(d["j"]), float(d["e"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def role(self, who: Principal, channel: str, tenure: Tenure) -> str:
        """Return the best role `who` has on a channel."""
        if self.open:
            return "owner"
        if who.user_id is not None and tenure.owner == f"user:{who.user_id}":
            return "owner"
        best = ROLES.index(self.anonymous_role)
        for token in who.tokens:
            c = self.claims(token)
            if c is not None and (c.channel == EVERY_CHANNEL or (c.channel == channel and c.instance == tenure.instance)):
                best = max(best, ROLES.index(c.role))
        return ROLES[best]

    def rights(self, who: Principal, channel: str, tenure: Tenure) -> frozenset:
        """Return what `who` may do on a channel."""
        return RIGHTS[self.role(who, channel, tenure)]

    def is_admin(self, who: Principal) -> bool:
        """Whether `who` holds the server's token (or the server is open)."""
        return self.open or any((c := self.claims(t)) is not None and c.channel == EVERY_CHANNEL for t in who.tokens)

    def may_create(self, who: Principal) -> bool:
        """Whether `who` may open a new channel (and own it): anyone but anonymous clients of a closed server."""
        return self.open or self.anonymous_role != "none" or who.user_id is not None or any(
            self.claims(t) is not None for t in who.tokens)

    def revoke(self, claims: Claims) -> None:
        """Revoke a token from now on (save() keeps the revocation across restarts)."""
        self.revoked[claims.id] = claims.expires

    def save(self) -> None:
        """Write the unexpired revocations (blocking: run it off the server's loop)."""
        if self._path is None:
            return
        now = time.time()
        self.revoked = {k: v for k, v in self.revoked.items() if v > now}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.revoked))
        os.replace(tmp, self._path)

    def _load(self) -> dict[str, float]:
        if self._path is None or not self._path.is_file():
            return {}
        try:
            data = json.loads(self._path.read_text())
        except (OSError, ValueError):
            return {}
        now = time.time()
        return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float)) and v > now}


def is_loopback(host: str) -> bool:
    """Whether a listening address only takes connections from this machine."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def auth_mode(auth: str, host: str) -> str:
    """Return "open" or "tokens" for the auth setting: "auto" is open on loopback only."""
    if auth != "auto":
        return auth
    return "open" if is_loopback(host) else "tokens"
