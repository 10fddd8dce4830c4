"""Hostile clients for a real gazecast server, a well-behaved one to watch through them, and the server's
resources from /proc. Every loop here is bounded in count and in time. Shared by tests/abuse and
bench/abuse.py."""
from __future__ import annotations

import os
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import simplejpeg
import socketio


def proc_stats(pid: int) -> dict:
    """The server's resident memory (MB) and open descriptors, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    return {"rss_mb": rss_kb / 1024, "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def small_jpeg(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    """A real JPEG of noise."""
    rng = np.random.default_rng(seed)
    return simplejpeg.encode_jpeg(rng.integers(0, 255, (height, width, 3), np.uint8))


def bomb_jpeg(width: int, height: int) -> bytes:
    """A small, well-formed JPEG whose frame header claims width x height (decoding would allocate it all)."""
    data = bytearray(small_jpeg(16, 16))
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):  # walk the segments to the frame header
        i += 2 + (data[i + 2] << 8 | data[i + 3])
    data[i + 5:i + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def bound_socket(source: str, host: str, port: int, timeout: float = 10.0) -> socket.socket:
    """A TCP connection from a chosen loopback source address (127.0.0.x), so a test can be a second client
    address on one machine."""
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((host, port))
    return s


def sio_client(url: str, source: str | None = None, auth: dict | None = None, timeout: float = 10.0):
    """A connected python-socketio client over websocket (from `source`, a loopback address, if given)."""
    options = {}
    if source is not None:
        host, port = url.split("//")[1].split(":")
        options["websocket_extra_options"] = {"socket": bound_socket(source, host, int(port), timeout)}
    client = socketio.Client(reconnection=False, **options)
    client.connect(url, transports=["websocket"], auth=auth, wait_timeout=timeout)
    return client


class GoodClient:
    """A well-behaved client: an MJPEG reader counting parts and a gaze sender timing its acks (one every
    20 ms, each answered before the next), each on its own thread."""

    def __init__(self, url: str, channel: str = "main", auth: dict | None = None):
        self.url, self.channel = url, channel
        self.host, self.port = url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1])
        self.frames, self.rtts, self.failures = 0, [], []
        self._stop = threading.Event()
        self._sio = sio_client(url, auth=auth)
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._gaze, daemon=True)]

    def __enter__(self) -> "GoodClient":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
        self._sio.disconnect()

    def _read(self) -> None:
        marker = b"--frame\r\n"
        with socket.create_connection((self.host, self.port), timeout=10) as s:
            s.sendall(f"GET /stream/{self.channel}.mjpg HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            tail = b""
            while not self._stop.is_set():
                try:
                    chunk = s.recv(1 << 20)
                except OSError as exc:
                    self.failures.append(f"stream: {exc}")
                    return
                if not chunk:
                    self.failures.append("stream: closed by the server")
                    return
                self.frames += (tail + chunk).count(marker)
                tail = chunk[-(len(marker) - 1):]

    def _gaze(self) -> None:
        i = 0
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                ack = self._sio.call("gaze", {"x": 0.3 + 0.4 * (i % 2), "y": 0.5, "channel": self.channel}, timeout=5)
            except Exception as exc:  # a timeout: the loop did not answer for 5 s
                self.failures.append(f"gaze: {exc!r}")
                return
            self.rtts.append(time.perf_counter() - t0)
            if not ack.get("ok"):
                self.failures.append(f"gaze: {ack}")
            i += 1
            time.sleep(0.02)

    def mark(self) -> tuple[float, int, int]:
        """Remember where a measuring window starts."""
        return time.monotonic(), self.frames, len(self.rtts)

    def since(self, mark: tuple[float, int, int], at_least: float = 1.0) -> dict:
        """The client's fps and ack round trips (ms) since a mark, over a window of at least `at_least` s."""
        t0, frames, n = mark
        time.sleep(max(0.0, t0 + at_least - time.monotonic()))
        elapsed = time.monotonic() - t0
        rtts = sorted(self.rtts[n:])
        return {"fps": (self.frames - frames) / elapsed, "acks": len(rtts),
                "rtt_p95_ms": 1000 * rtts[int(0.95 * (len(rtts) - 1))] if rtts else None,
                "rtt_max_ms": 1000 * rtts[-1] if rtts else None,
                "rtt_median_ms": 1000 * statistics.median(rtts) if rtts else None}


def codes(acks) -> Counter:
    """Count acks by outcome: "ok" or their error code."""
    return Counter("ok" if a.get("ok") else a["error"]["code"] for a in acks)


def join_flood(url: str, count: int, clients: int = 2, seconds: float = 20.0) -> Counter:
    """Join `count` new channel names, spread over a few connections, each join waiting for its ack."""
    acks, deadline = [], time.monotonic() + seconds
    conns = [sio_client(url) for _ in range(clients)]
    try:
        for i in range(count):
            if time.monotonic() > deadline:
                break
            acks.append(conns[i % clients].call("join", {"channel": f"flood-{i}"}, timeout=10))
    finally:
        for c in conns:
            c.disconnect()
    return codes(acks)


def snapshot_flood(url: str, names: list[str], count: int, threads: int = 8) -> Counter:
    """GET snapshots of the given channels `count` times from several threads; count the HTTP statuses."""
    def one(i: int) -> int:
        try:
            with urllib.request.urlopen(f"{url}/snapshot/{names[i % len(names)]}.jpg", timeout=20) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(one, range(count)))


def event_flood(url: str, event: str, payload: dict, count: int, seconds: float = 20.0) -> dict:
    """Emit `event` `count` times as fast as the client can, asking for acks but never waiting for them;
    then wait (bounded) for the acks that come. Returns the acks' outcomes and whether the server cut the
    connection off."""
    acks, lock = [], threading.Lock()

    def on_ack(ack=None):
        with lock:
            acks.append(ack)

    client = sio_client(url)
    cut = threading.Event()
    client.on("disconnect", lambda *a: cut.set())
    deadline = time.monotonic() + seconds
    sent = 0
    try:
        for _ in range(count):
            if cut.is_set() or time.monotonic() > deadline:
                break
            try:
                client.emit(event, payload, callback=on_ack)
            except Exception:  # the server closed the connection under us
                break
            sent += 1
        while len(acks) < sent and not cut.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.disconnect()
    return {"sent": sent, "acks": codes(a for a in acks if isinstance(a, dict)), "cut_off": cut.is_set()}


def churn(url: str, cycles: int, jpeg: bytes, seconds: float = 60.0) -> int:
    """Connect, send a frame without waiting for its ack, disconnect; `cycles` times. Returns cycles done."""
    deadline, done = time.monotonic() + seconds, 0
    for _ in range(cycles):
        if time.monotonic() > deadline:
            break
        client = sio_client(url)
        client.emit("frame", {"jpeg": jpeg, "t": time.time()})
        client.disconnect()
        done += 1
    return done


def half_open(host: str, port: int, count: int, source: str = "127.0.0.2") -> list[socket.socket]:
    """Open `count` connections that send part of a request's headers and then nothing."""
    sockets = []
    for _ in range(count):
        s = bound_socket(source, host, port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the headers never end
        sockets.append(s)
    return sockets


def closed_by_server(sockets: list[socket.socket], timeout: float) -> dict:
    """Wait (bounded) for the server to answer or close each socket; count what each got."""
    outcome = Counter()
    deadline = time.monotonic() + timeout
    for s in sockets:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(4096)
            outcome["429" if data.startswith(b"HTTP/1.1 429") else "closed" if not data else "answered"] += 1
        except (socket.timeout, TimeoutError):
            outcome["still open"] += 1
        except OSError:
            outcome["closed"] += 1
        finally:
            s.close()
    return dict(outcome)
