"""Start real gazecast servers (app.py, eventlet) on free ports for tests that cross a socket."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# a custom effect, the README's example: no CPU twin, so a chain with it renders through GL
TINT = """// @effect tint
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float amount;  // @param min=0 max=1 default=0.5 | How much red
void main() { f_color = vec4(mix(src_pixel(), vec3(1, 0, 0), amount), 1.0); }
#endif
"""


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



def redis_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """Start a real redis-server of its own on a free loopback port (no persistence, its files in folder);
    return the process (terminate it when done) and its URL, once it answers."""
    import redis

    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(200):
            try:
                client.ping()
                return proc, url
            except redis.ConnectionError:
                time.sleep(0.05)
        proc.terminate()
        raise RuntimeError(f"redis-server on port {port} did not answer within 10 s")
    finally:
        client.close()


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a helper process and wait for it."""
    proc.terminate()
    proc.wait(timeout=10)

class Server:
    """A gazecast process serving on loopback; stop() ends it."""

    def __init__(self, *args: str, log_path: Path, env: dict | None = None, port: int | None = None,
                 script: Path = ROOT / "app.py"):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        # each server keeps its database, secret key and caches beside its log, not in the checkout
        instance = {"GAZECAST_INSTANCE_PATH": str(Path(log_path).parent / "instance")}
        self.proc = subprocess.Popen([sys.executable, str(script), "--port", str(self.port), *args],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **instance, **(env or {})})
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.log_path.read_text()}")
            try:
                self.get_json("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout}s: {self.log_path.read_text()}")

    def get_json(self, path: str) -> dict:
        """GET a JSON endpoint."""
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.load(r)

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def read_parts(url: str, count: int, timeout: float = 30.0) -> list[tuple[dict, bytes]]:
    """Read `count` parts of an MJPEG stream with a raw HTTP client: (headers, body) each."""
    parts = []
    with urllib.request.urlopen(url, timeout=timeout) as r:
        assert r.headers["Content-Type"] == "multipart/x-mixed-replace; boundary=frame"
        while len(parts) < count:
            line = r.readline()
            if not line.strip():
                continue
            assert line.strip() == b"--frame", line
            headers = {}
            while (line := r.readline().strip()):
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            body = r.read(int(headers["content-length"]))
            parts.append((headers, body))
    return parts


def read_stream(url: str, stop: threading.Event, counts: list, i: int) -> None:
    """Read an MJPEG stream as fast as it comes, counting parts.

    Counts part markers in the raw body, split anywhere (under eventlet the body is the bare multipart
    stream; in threading mode it comes in HTTP chunks, whose framing never holds the marker), in reads
    of up to 1 MiB: twenty readers decoding chunks 64 KiB at a time in
    Python took a good share of this 2-core machine from the server they were measuring."""
    marker = b"--frame\r\n"
    with urllib.request.urlopen(url, timeout=30) as r:
        raw, tail = r.fp, b""
        while not stop.is_set():
            chunk = raw.read1(1 << 20)
            if not chunk:
                return
            counts[i] += chunk.count(marker) + (tail + chunk[:len(marker) - 1]).count(marker)
            tail = chunk[-(len(marker) - 1):]