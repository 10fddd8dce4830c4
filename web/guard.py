"""Flood control below the handlers: every Socket.IO message passes here, inline in its connection's reader."""
from __future__ import annotations

import logging

from pipeline.limits import TokenBucket

log = logging.getLogger(__name__)


class FloodGuard:
    """Yield to the server's loop after each incoming message and cut off a connection that sends more
    than `rate` messages a second.

    A connection's reader takes message after message from its socket without waiting as long as bytes
    are there, and only spawns each handler: a client sending 27,000 events a second kept the loop to
    itself for a minute. The yield lets every other client in between two messages; the cut-off ends a
    flood that the per-event rate limits (answered `rate_limited`) could only refuse one by one."""

    def __init__(self, server, rate: float, sleep):
        self.server, self.rate, self.sleep = server, rate, sleep
        self.buckets: dict[str, TokenBucket] = {}  # Engine.IO session -> its message rate
        self._on_message = server.eio.handlers["message"]
        self._on_disconnect = server.eio.handlers["disconnect"]
        server.eio.on("message", self.message)
        server.eio.on("disconnect", self.disconnect)

    def message(self, eio_sid, data):
        """Pass one message on to Socket.IO, or end a flooding connection."""
        if eio_sid not in self.server.eio.sockets:  # cut off: the rest of what it sent is dropped
            return None
        bucket = self.buckets.get(eio_sid)
        if bucket is None:
            bucket = self.buckets[eio_sid] = TokenBucket(self.rate)
        if not bucket.take():
            self._cut_off(eio_sid)
            return None
        self.sleep(0)
        return self._on_message(eio_sid, data)

    def _cut_off(self, eio_sid) -> None:
        sid = self.server.manager.sid_from_eio_sid(eio_sid, "/")
        log.warning("disconnecting %s: more than %g messages a second", sid or eio_sid, self.rate)
        if sid is not None:
            self.server.emit("error", {"code": "rate_limited", "message": f"more than {self.rate:g} messages a "
                                                                          "second: disconnected"}, to=sid)
        self.server.eio.disconnect(eio_sid)

    def disconnect(self, eio_sid, *reason):
        """Forget a connection's rate, then let Socket.IO handle its end."""
        self.buckets.pop(eio_sid, None)
        return self._on_disconnect(eio_sid, *reason)
