"""Load: many Socket.IO clients sending gaze and many MJPEG viewers, against one process and against
three behind Redis.

Each client connects over a WebSocket and sends `gaze` at its own rate, waiting for each ack (so a
slow server slows its senders down instead of piling up events); each viewer reads `/stream/main.mjpg`.
Clients and viewers are spread round-robin over the processes; `main` renders in the first one, so
with three processes two thirds of the gaze events cross Redis twice (there and back) before their ack.
Prints the errors (refused or missing acks, dropped connections), the gaze ack round trip p50/p95, the
frames each viewer got per second, and CPU and memory of every process (and redis-server) over the
measured window; --write puts them in the "load" section of docs/benchmarks.md.

    python bench/load.py [--clients 50] [--rate 30] [--viewers 20] [--seconds 60] [--setups one,three] [--write]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import socketio  # noqa: E402

from bench.report import write_section  # noqa: E402
from tests.support import Server, read_stream, redis_server  # noqa: E402

LIMITS = ("--max-connections-per-address", "1000", "--max-connections", "1000")  # every client is 127.0.0.1
# gaze sources are participants (they may drive the gaze, not read everyone's): on an open server every
# client would be an operator and receive every other client's gaze, 50 x 49 x 30 = 73,500 events a second
ROLES = ("--auth", "tokens", "--anonymous-role", "participant")


class GazeClient(threading.Thread):
    """One Socket.IO connection sending gaze at `rate` per second, timing each ack."""

    def __init__(self, url: str, rate: float, i: int):
        super().__init__(daemon=True)
        self.url, self.period, self.i = url, 1.0 / rate, i
        self.acks: list[float] = []  # ms, during the measured window
        self.errors: list[str] = []
        self.measuring = threading.Event()
        self.stop = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("disconnect", lambda *a: self.stop.is_set() or self.errors.append("disconnected"))
        self.sio.connect(url, transports=["websocket"], wait_timeout=20)

    def run(self) -> None:
        k, start = 0, time.perf_counter() + self.i * self.period / 50  # spread the clients' phases
        while not self.stop.is_set():
            k += 1
            delay = start + k * self.period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            x = 0.2 + 0.6 * ((k // 15) % 2)  # a saccade every half second
            t0 = time.perf_counter()
            try:
                ack = self.sio.call("gaze", {"x": x, "y": 0.5}, timeout=5)
            except Exception as exc:  # noqa: BLE001  counted and reported
                ack = {"ok": False, "error": {"code": type(exc).__name__}}
            ms = 1000 * (time.perf_counter() - t0)
            if self.measuring.is_set():
                if ack.get("ok"):
                    self.acks.append(ms)
                else:
                    self.errors.append(ack.get("error", {}).get("code", "?"))

    def close(self) -> None:
        self.stop.set()
        self.join(timeout=10)
        self.sio.disconnect()


def client_worker(urls, rate, w, measure, stop, results) -> None:
    """One process of gaze clients (in-process threads would queue for one GIL and add their waits to
    every round trip): connect, send until told to stop, report (acks in ms, errors) of the window."""
    clients, errors = [], []
    for i, url in enumerate(urls):
        try:
            clients.append(GazeClient(url, rate, w + i * 7))
        except Exception as exc:  # noqa: BLE001  a refused connection is an error of the run
            errors.append(f"connect: {type(exc).__name__}")
    for c in clients:
        c.measuring = measure
        c.start()
    stop.wait()
    for c in clients:
        c.close()
    results.put(([ms for c in clients for ms in c.acks], errors + [e for c in clients for e in c.errors]))


def usage(procs: dict[str, psutil.Process]) -> dict:
    return {name: (p.cpu_times(), p.memory_info().rss) for name, p in procs.items()}


def run_setup(name: str, args, folder: Path) -> dict:
    """Start the servers, warm up, measure for args.seconds, return the figures."""
    servers, extra, redis_proc = [], [], None
    if name == "three":
        redis_proc, url = redis_server(folder)
        extra = ["--message-queue", url]
    try:
        for i in range(1 if name == "one" else 3):
            servers.append(Server("--size", args.size, "--fps", str(args.fps), *LIMITS, *ROLES, *extra,
                                  log_path=folder / f"{name}-{i}.log"))
        procs = {f"process {i + 1}": psutil.Process(s.proc.pid) for i, s in enumerate(servers)}
        if redis_proc is not None:
            procs["redis-server"] = psutil.Process(redis_proc.pid)
        procs["viewers (this script)"] = psutil.Process()
        urllib_snapshot(servers[0])  # main renders in the first process
        stop, counts = threading.Event(), [0] * args.viewers
        viewers = [threading.Thread(target=read_stream, args=(servers[i % len(servers)].url + "/stream/main.mjpg",
                                                              stop, counts, i), daemon=True)
                   for i in range(args.viewers)]
        for v in viewers:
            v.start()
        ctx = multiprocessing.get_context("spawn")
        measure, stop_clients, results = ctx.Event(), ctx.Event(), ctx.Queue()
        urls = [servers[i % len(servers)].url for i in range(args.clients)]
        workers = [ctx.Process(target=client_worker, args=(urls[w::args.workers], args.rate, w, measure, stop_clients,
                                                           results), daemon=True) for w in range(args.workers)]
        for w in workers:
            w.start()
        time.sleep(args.warmup)
        for i, w in enumerate(workers):
            procs[f"load generator {i + 1}"] = psutil.Process(w.pid)
        before, t0, counts0 = usage(procs), time.monotonic(), list(counts)
        measure.set()
        time.sleep(args.seconds)
        measure.clear()
        after, wall, counts1 = usage(procs), time.monotonic() - t0, list(counts)
        stop.set()
        stop_clients.set()
        gathered = [results.get(timeout=60) for _ in workers]
        for w in workers:
            w.join(timeout=10)
        acks = sorted(ms for got, _ in gathered for ms in got)
        errors = [e for _, lost in gathered for e in lost]
        fps = [(b - a) / wall for a, b in zip(counts0, counts1)]
        return {"name": name, "acks": acks, "load": os.getloadavg()[0], "errors": errors, "fps": fps, "wall": wall,
                "procs": {k: {"cpu": 100 * (sum(after[k][0][:2]) - sum(before[k][0][:2])) / wall,
                              "rss0": before[k][1] / 2**20, "rss1": after[k][1] / 2**20} for k in procs}}
    finally:
        for s in servers:
            s.stop()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


def urllib_snapshot(server) -> None:
    import urllib.request

    urllib.request.urlopen(server.url + "/snapshot/main.jpg", timeout=30).read()


def report(r: dict, args) -> str:
    acks = r["acks"]
    p = statistics.quantiles(acks, n=100) if len(acks) > 1 else [float("nan")] * 99
    counts: dict[str, int] = {}
    for e in r["errors"]:
        counts[e] = counts.get(e, 0) + 1
    lines = [f"### {r['name']} process{'es behind Redis' if r['name'] == 'three' else ''}", "",
             f"- errors: **{len(r['errors'])}** {counts or ''}",
             f"- gaze acks: {len(acks)} in {r['wall']:.0f} s ({len(acks) / r['wall']:.0f}/s, asked for "
             f"{args.clients * args.rate:.0f}/s); round trip p50 **{p[49]:.1f} ms**, p95 **{p[94]:.1f} ms**, "
             f"max {acks[-1] if acks else float('nan'):.1f} ms",
             f"- frames per viewer per second: mean **{statistics.mean(r['fps']):.1f}**, "
             f"slowest {min(r['fps']):.1f} (content {args.fps:g} fps)",
             f"- machine load average (1 min) at the end: {r['load']:.1f} on {os.cpu_count()} cores", "",
             "| process | CPU % of one core | RSS before MiB | RSS after MiB |", "|---|---:|---:|---:|"]
    for k, v in r["procs"].items():
        lines.append(f"| {k} | {v['cpu']:.0f} | {v['rss0']:.0f} | {v['rss1']:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rate", type=float, default=30.0, help="gaze events per second per client")
    p.add_argument("--viewers", type=int, default=20)
    p.add_argument("--workers", type=int, default=5, help="processes the gaze clients are spread over")
    p.add_argument("--seconds", type=float, default=60.0, help="measured window")
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--size", default="640x360")
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--setups", default="one,three")
    p.add_argument("--write", action="store_true", help="write a section of docs/benchmarks.md")
    p.add_argument("--section", default="load", help="its name (default %(default)s)")
    args = p.parse_args()
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.setups.split(","):
            text = report(run_setup(name, args, Path(tmp)), args)
            print(text, flush=True)
            sections.append(text)
    if args.write:
        command = "python bench/load.py " + " ".join(sys.argv[1:])
        body = (f"{args.clients} Socket.IO clients (python-socketio, WebSocket) each sending `gaze` at "
                f"{args.rate:g}/s and waiting for its ack (spread over {args.workers} processes), {args.viewers} MJPEG viewers, {args.seconds:g} s "
                f"measured after {args.warmup:g} s of warm-up; servers `app.py --size {args.size} --fps "
                f"{args.fps:g} --auth tokens --anonymous-role participant` (demo source; the clients are "
                "participants: they drive the gaze and do not receive each other's), clients and viewers spread round-robin over the processes, "
                "`main` rendering in the first. The load generator (its clients and viewers) runs on the same machine, so its own CPU "
                "use competes with the servers' and is part of every round trip. Every gaze re-renders the current "
                "frame at once (docs/design.md), so viewers get more frames than the content's rate.\n\n" + "\n".join(sections))
        write_section(args.section, command, body)


if __name__ == "__main__":
    main()
