"""Gaze-to-photon latency: set the gaze over Socket.IO, read the MJPEG stream until a frame shows it.

A real server renders a detailed still image at 30 fps with foveate at full strength. The client
alternates the gaze between two far-apart points; for each move it records the time from `emit` to
the arrival of the first frame whose sharp region is at the new point. Prints p50/p95 and writes the
"latency" section of docs/benchmarks.md.
    python bench/latency.py [--size 1280x720] [--trials 60]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import simplejpeg  # noqa: E402
import socketio  # noqa: E402

from bench.report import write_section  # noqa: E402
from tests.conftest import detail_frame, sharpness  # noqa: E402
from tests.support import Server  # noqa: E402

POINTS = ((0.2, 0.5), (0.8, 0.5))


class FrameReader(threading.Thread):
    """Read the stream; keep (arrival time, which point is sharp) of every frame."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.frames, self.stop = url, [], threading.Event()

    def run(self) -> None:
        with urllib.request.urlopen(self.url, timeout=30) as r:
            while not self.stop.is_set():
                while (line := r.readline()).strip() != b"--frame":
                    if not line:
                        return  # the server closed the stream (a spin here would eat a core)
                length = 0
                while (line := r.readline().strip()):
                    if line.lower().startswith(b"content-length"):
                        length = int(line.split(b":")[1])
                jpeg = r.read(length)
                arrived = time.perf_counter()  # the frame's bytes are here; decoding is the viewer's cost
                # decode at half size (libjpeg's DCT scaling): fast enough to never fall behind the stream
                rgb = simplejpeg.decode_jpeg(jpeg, fastdct=True, min_width=320, min_height=180)
                left, right = (sharpness(rgb, x, y) for x, y in POINTS)
                self.frames.append((arrived, 0 if left > right else 1))


def trial(client, reader: FrameReader, target: int) -> float:
    """Move the gaze to POINTS[target]; return seconds until a frame shows it."""
    start_index = len(reader.frames)
    t0 = time.perf_counter()
    client.emit("gaze", {"x": POINTS[target][0], "y": POINTS[target][1]})
    while True:
        for arrived, sharp in reader.frames[start_index:]:
            if arrived > t0 and sharp == target:
                return arrived - t0
        if time.perf_counter() - t0 > 5:
            raise RuntimeError("the gaze never showed in the stream")
        time.sleep(0.0005)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="1280x720")
    p.add_argument("--trials", type=int, default=60)
    p.add_argument("--paths", default="auto,gl", help="render paths (app.py --render-path) to measure in turn")
    a = p.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    rows = []
    for path in a.paths.split(","):
        latencies, used = run(a.size, w, h, a.trials, path)
        latencies.sort()
        p50, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies)) - 1]
        rows.append(f"| {path} | {used} | {p50:.1f} | {p95:.1f} | {latencies[0]:.1f} | {latencies[-1]:.1f} |")
    body = (f"Server: `app.py --source <detailed still image> --size {a.size} --fps 30 --render-path P`, "
            f"foveate strength 5.\n"
            f"{a.trials} gaze moves between {POINTS[0]} and {POINTS[1]}; time from the client's `emit` to the\n"
            f"arrival of the last byte of the first MJPEG frame that is sharp at the new point "
            f"(the client's decode excluded).\n\n"
            f"| --render-path | frames rendered by | p50 ms | p95 ms | min ms | max ms |\n"
            f"|---|---|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n")
    print(body)
    write_section("latency", f"python bench/latency.py --size {a.size} --trials {a.trials} --paths {a.paths}", body)


def run(size: str, w: int, h: int, trials: int, path: str) -> tuple[list, str]:
    """Serve a still image with one render path; return the gaze-to-photon times (ms) and the path used."""
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "detail.png"
        cv2.imwrite(str(image), cv2.cvtColor(detail_frame(w, h), cv2.COLOR_RGBA2BGR))
        server = Server("--source", str(image), "--size", size, "--fps", "30", "--render-path", path,
                        log_path=Path(tmp) / "log")
        client = socketio.Client()
        reader = FrameReader(server.url + "/stream.mjpg")
        try:
            reader.start()
            client.connect(server.url, transports=["websocket"], wait_timeout=10)
            client.call("control", {"effect": "foveate", "params": {"strength": 5.0, "radius": 0.1}})
            time.sleep(2.0)
            latencies = []
            for i in range(trials):
                latencies.append(1000 * trial(client, reader, (i + 1) % 2))
                time.sleep(0.1 + 0.033 * (i % 5) / 5)  # spread the moves over the frame period
            used = server.get_json("/healthz")["channels"]["main"]["render_path"]
        finally:
            reader.stop.set()
            client.disconnect()
            server.stop()
            reader.join(timeout=10)
    return latencies, used


if __name__ == "__main__":
    main()
