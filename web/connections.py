"""The Socket.IO connections of one app: where each is, which tokens it showed, how fast it sends."""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from pipeline.errors import RequestError
from pipeline.limits import TokenBucket

MAX_TOKENS = 8  # tokens one connection may hold (the newest are kept)


@dataclass
class Connection:
    """One Socket.IO connection."""

    sid: str
    address: str
    channel: str
    buckets: dict[str, TokenBucket]  # event kind -> its rate limit
    tokens: list[str] = field(default_factory=list)  # shown at connect or with join, or given with a new channel
    user_id: str | None = None  # the logged-in user, resolved at connect (web/authority.py)
    subject: str = field(default_factory=lambda: "anon:" + secrets.token_urlsafe(9))  # owns what it creates
    frames: int = 0  # webcam frames being processed

    def add_token(self, token) -> None:
        """Remember a token this connection showed or was given."""
        if isinstance(token, str) and token not in self.tokens:
            self.tokens = [*self.tokens, token][-MAX_TOKENS:]


class Connections:
    """Every connection by sid, and how many each client address has."""

    def __init__(self, config):
        self.config = config
        self.by_sid: dict[str, Connection] = {}
        self.per_address: Counter = Counter()

    def add(self, sid: str, address: str, channel: str) -> Connection:
        """Register a new connection, or refuse it with too_many_connections."""
        limit = self.config.max_connections_per_address
        if self.per_address[address] >= limit:
            raise RequestError("too_many_connections", f"{address} has {limit} connections open already")
        c = self.config
        buckets = {"gaze": TokenBucket(c.gaze_rate), "frame": TokenBucket(c.frame_rate),
                   "control": TokenBucket(c.control_rate)}
        conn = self.by_sid[sid] = Connection(sid, address, channel, buckets)
        self.per_address[address] += 1
        return conn

    def get(self, sid: str) -> Connection | None:
        """Return a live connection."""
        return self.by_sid.get(sid)

    def remove(self, sid: str) -> Connection | None:
        """Forget a connection; return it."""
        conn = self.by_sid.pop(sid, None)
        if conn is not None:
            self.per_address[conn.address] -= 1
            if self.per_address[conn.address] <= 0:
                del self.per_address[conn.address]
        return conn

    def holding(self, token: str) -> list[Connection]:
        """Return the connections that hold a token."""
        return [c for c in self.by_sid.values() if token in c.tokens]
