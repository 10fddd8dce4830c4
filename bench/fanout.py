"""Fan-out benchmark: a real server at 720p30 with foveate, 1, 5 and 20 MJPEG viewers.

Prints frames per second (per viewer, and from ffprobe's wall-clock timestamps), the server's CPU
(and its ratio to one viewer's), and the round-trip median/p95 of acknowledged `gaze` events sent
while the streams are read; writes the "fanout" section of docs/benchmarks.md.
    python bench/fanout.py [--size 1280x720] [--seconds 10] [--viewers 1,5,20] [--paths auto,gl] [--repeats 3]

The first render path (--render-path of app.py) serves every viewer count; each further one serves one
viewer, for the CPU cost of a 720p30 foveated stream per path in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import socketio  # noqa: E402

from bench.report import write_section  # noqa: E402
from tests.support import Server, read_stream  # noqa: E402


def ffprobe_fps(url: str, frames: int = 61) -> float:
    """Frames per second from ffprobe's wall-clock packet times (TESTING.md's recipe)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-use_wallclock_as_timestamps", "1", "-read_intervals",
                          f"%+#{frames}", "-select_streams", "v", "-show_entries", "packet=pts_time",
                          "-of", "csv=p=0", url], capture_output=True, text=True, timeout=120).stdout
    t = [float(v) for v in out.split()]
    return (len(t) - 1) / (t[-1] - t[0])


def measure(server: Server, viewers: int, seconds: float, rtt: bool = True) -> dict:
    """Stream to `viewers` readers: first `seconds` untouched (fps, CPU), then (with rtt) `seconds` of
    gaze moves every 20 ms, timing their Socket.IO round trips (each move also re-renders a frame)."""
    stop, counts = threading.Event(), [0] * viewers
    readers = [threading.Thread(target=read_stream, args=(server.url + "/stream.mjpg", stop, counts, i))
               for i in range(viewers)]
    for t in readers:
        t.start()
    time.sleep(2.0)  # warm-up: GL context, first frames
    proc = psutil.Process(server.proc.pid)
    start_counts, cpu0, t0 = list(counts), proc.cpu_times(), time.monotonic()
    time.sleep(seconds)
    elapsed, cpu1 = time.monotonic() - t0, proc.cpu_times()
    fps = [(c - s) / elapsed for c, s in zip(counts, start_counts)]
    rtts = []
    if rtt:
        client = socketio.Client()
        client.connect(server.url, transports=["websocket"], wait_timeout=10)
        i, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds:
            a = time.perf_counter()
            client.call("gaze", {"x": 0.3 + 0.4 * (i % 2), "y": 0.5}, timeout=5)
            rtts.append(time.perf_counter() - a)
            i += 1
            time.sleep(0.02)
        client.disconnect()
    stop.set()
    for t in readers:
        t.join(timeout=10)
    rtts.sort()
    return {"viewers": viewers, "fps_min": min(fps), "fps_mean": statistics.mean(fps),
            "cpu": 100 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / elapsed,
            "rtt_p50": 1000 * rtts[len(rtts) // 2] if rtts else None,
            "rtt_p95": 1000 * rtts[int(len(rtts) * 0.95)] if rtts else None, "round_trips": len(rtts)}


def measure_counts(server: Server, counts: list[int], seconds: float, repeats: int) -> list[dict]:
    """Measure every viewer count `repeats` times, interleaved (1, 5, 20, 1, 5, 20, ...) so drifts in
    the machine's load touch every count alike; CPU is the median of the repeats, round trips come
    from the first."""
    runs = {n: [] for n in counts}
    for r in range(repeats):
        for n in counts:
            runs[n].append(measure(server, n, seconds, rtt=(r == 0)))
    rows = []
    for n in counts:
        row = dict(runs[n][0])
        row["cpu_runs"] = [m["cpu"] for m in runs[n]]
        row["cpu"] = statistics.median(row["cpu_runs"])
        row["fps_min"] = min(m["fps_min"] for m in runs[n])
        row["fps_mean"] = statistics.mean(m["fps_mean"] for m in runs[n])
        rows.append(row)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="1280x720")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--viewers", default="1,5,20")
    p.add_argument("--paths", default="auto,gl", help="render paths: the first for every viewer count")
    p.add_argument("--repeats", type=int, default=3, help="CPU windows per viewer count (the median counts)")
    a = p.parse_args()
    paths = a.paths.split(",")
    runs = {}
    for i, path in enumerate(paths):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server("--size", a.size, "--render-path", path, log_path=Path(tmp) / "server.log")
            try:
                health = server.get_json("/healthz")
                counts = [int(n) for n in a.viewers.split(",")] if i == 0 else [1]
                rows = measure_counts(server, counts, a.seconds, a.repeats)
                probe = ffprobe_fps(server.url + "/stream.mjpg") if i == 0 else None
                main = server.get_json("/healthz")["channels"]["main"]
            finally:
                server.stop()
        runs[path] = {"rows": rows, "probe": probe, "stages": main["stage_ms"], "used": main["render_path"]}
    first = runs[paths[0]]
    rows = first["rows"]
    lines = [f"Server: `app.py --size {a.size} --render-path {paths[0]}` (demo source, foveate on, eventlet), "
             f"GL {health['devices']['gl'].get('renderer')}: frames rendered by the {first['used']} path.", "",
             f"fps and CPU: streaming only (no gaze moves), {a.seconds:g} s windows, {a.repeats} per viewer count "
             "taken in turn (1, 5, 20, 1, ...); the CPU is their median, every window is listed. Round trips: "
             "a window with a gaze move every 20 ms (each re-renders a frame), streams still read.", "",
             "| viewers | fps (slowest viewer) | fps (mean) | server CPU % of one core | CPU vs 1 viewer "
             "| windows | Socket.IO RTT p50 ms | p95 ms |",
             "|---:|---:|---:|---:|---:|---|---:|---:|"]
    lines += [f"| {r['viewers']} | {r['fps_min']:.1f} | {r['fps_mean']:.1f} | {r['cpu']:.0f} | "
              f"{r['cpu'] / rows[0]['cpu']:.2f}x | {', '.join(f'{c:.0f}' for c in r['cpu_runs'])} | "
              f"{r['rtt_p50']:.1f} | {r['rtt_p95']:.1f} |" for r in rows]
    lines += ["", f"ffprobe, wall-clock timestamps over 61 frames, one viewer: **{first['probe']:.1f} fps**.", "",
              "One viewer per render path (`--render-path`), the same command and machine:", "",
              "| --render-path | frames rendered by | fps | server CPU % of one core (median) | windows "
              "| per-stage medians (ms) |",
              "|---|---|---:|---:|---|---|"]
    for path, run in runs.items():
        r = run["rows"][0]
        stages = ", ".join(f"{k} {v}" for k, v in run["stages"].items() if v is not None)
        windows = ", ".join(f"{c:.0f}" for c in r["cpu_runs"])
        lines.append(f"| {path} | {run['used']} | {r['fps_mean']:.1f} | **{r['cpu']:.0f}** | {windows} | {stages} |")
    body = "\n".join(lines)
    print(body)
    write_section("fanout", f"python bench/fanout.py --size {a.size} --seconds {a.seconds:g} --viewers {a.viewers} "
                            f"--paths {a.paths} --repeats {a.repeats}",
                  body)


if __name__ == "__main__":
    main()
