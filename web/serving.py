"""Serve the app: eventlet's WSGI server with a cap on connections, per address, and timeouts."""
from __future__ import annotations

import json
from collections import Counter

from . import socketio


def serve(app, config) -> None:
    """Serve until interrupted. Under eventlet at most config.max_connections connections are served
    at once (more wait in the listen queue), each address may hold config.max_connections_per_address
    of them, a request line and its headers must arrive within config.header_timeout seconds and any
    other read or write of a client's socket within config.socket_timeout."""
    options = {}
    if config.async_mode == "eventlet":
        unmask_fast()
        options = {"protocol": guarded_protocol(config), "max_size": config.max_connections,
                   "socket_timeout": config.socket_timeout}
    socketio.run(app, host=config.host, port=config.port, allow_unsafe_werkzeug=True,
                 log_output=config.log_level.upper() == "DEBUG", **options)


def guarded_protocol(config):
    """Return eventlet's HTTP protocol with the per-address cap and the header deadline of config (behind
    trusted proxies, the deadline only)."""
    import eventlet
    from eventlet import wsgi

    limit, deadline = config.max_connections_per_address, config.header_timeout
    if config.trusted_proxies:  # every socket comes from the proxy, which caps each client address itself
        limit = float("inf")  # (nginx: limit_conn); Socket.IO sessions are still counted per forwarded address
    body = json.dumps({"ok": False, "error": {"code": "too_many_connections",
                                              "message": f"at most {limit} connections per address"}}).encode()
    refusal = (b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    open_by_address: Counter = Counter()

    class GuardedProtocol(wsgi.HttpProtocol):
        """One client connection: refused when its address has too many, closed when it is too slow to
        send a request line and headers (a half-open request holds a connection, and the pool is finite)."""

        def handle(self):
            address = self.client_address[0] if isinstance(self.client_address, tuple) else str(self.client_address)
            if open_by_address[address] >= limit:
                try:
                    self.wfile.write(refusal)
                    self.wfile.flush()
                except OSError:
                    pass
                return
            open_by_address[address] += 1
            try:
                super().handle()
            finally:
                open_by_address[address] -= 1
                if open_by_address[address] <= 0:
                    del open_by_address[address]

        def handle_one_request(self):
            self._header_timer = timer = eventlet.Timeout(deadline)
            try:
                super().handle_one_request()
            except eventlet.Timeout as exc:
                if exc is not timer:
                    raise
                self.close_connection = 1
            finally:
                timer.cancel()

        def parse_request(self):
            ok = super().parse_request()
            self._header_timer.cancel()  # the headers are in: the request itself may take its time
            return ok

    return GuardedProtocol


def unmask_fast() -> None:
    """Replace eventlet's websocket unmasking, a Python loop over every byte (108 ms on the server's loop for
    one 400 kB webcam frame, so a client sending big frames stalled everyone), with one XOR of two big
    integers (1 ms)."""
    from eventlet.websocket import RFC6455WebSocket

    RFC6455WebSocket._apply_mask = staticmethod(_apply_mask)


def _apply_mask(data, mask, length=None, offset=0) -> bytes:
    """XOR the first `length` bytes of data with the 4-byte mask, starting `offset` bytes into it."""
    if length is None:
        length = len(data)
    if not length:
        return b""
    key = bytes(mask[(offset + i) % 4] for i in range(4)) * (length // 4 + 1)
    return (int.from_bytes(data[:length], "little") ^ int.from_bytes(key[:length], "little")).to_bytes(length, "little")
