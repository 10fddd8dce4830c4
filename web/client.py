"""A scriptable gazecast client: join a channel, set parameters, stream gaze from a CSV, watch events.

    python -m web.client http://127.0.0.1:5000 --channel main --enable spotlight --set spotlight.dim=0.9
    python -m web.client http://127.0.0.1:5000 --gaze-csv trace.csv --rate 30 --watch 5

Every event's acknowledgement is printed with its round trip (the time from sending the event to the
ack, which with several processes means: the rendering process has applied it). The CSV has columns x
and y in [0, 1] (a header line is optional; a third column, t, is sent as the sample's time). Exit status:
0 when every event was acknowledged with ok, 1 otherwise, 2 when the server could not be reached.
See docs/protocol.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time

import socketio


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m web.client", description=__doc__.split("\n\n")[0])
    p.add_argument("url", help="the server, e.g. http://127.0.0.1:5000 (any process of a deployment)")
    p.add_argument("--channel", default="main", help="channel to join (opened if it does not exist)")
    p.add_argument("--token", help="invitation token, where the server gives rights by token")
    p.add_argument("--enable", action="append", default=[], metavar="EFFECT", help="turn an effect on")
    p.add_argument("--disable", action="append", default=[], metavar="EFFECT", help="turn an effect off")
    p.add_argument("--set", action="append", default=[], metavar="EFFECT.PARAM=VALUE",
                   help="set a parameter, e.g. spotlight.radius=0.3")
    p.add_argument("--gaze-csv", help="stream gaze samples (x,y[,t]) from this CSV file")
    p.add_argument("--rate", type=float, default=30.0, help="gaze samples per second (default %(default)s)")
    p.add_argument("--watch", type=float, default=0.0, metavar="SECONDS",
                   help="print the state and gaze events received for this long at the end")
    p.add_argument("--transport", choices=["websocket", "polling"], default="websocket")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each ack")
    return p.parse_args(argv)


def read_gaze(path: str) -> list[dict]:
    """Read x,y[,t] rows; a first row that is not numbers is a header."""
    rows = []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            try:
                values = [float(v) for v in row[:3]]
            except ValueError:
                if i == 0:
                    continue
                raise SystemExit(f"{path}:{i + 1}: not numbers: {row}")
            if len(values) < 2:
                continue
            sample = {"x": values[0], "y": values[1], "source": "external"}
            if len(values) > 2:
                sample["t"] = values[2]
            rows.append(sample)
    return rows


def changes(args) -> list[dict]:
    """The control events the flags ask for, one per effect."""
    by_effect: dict[str, dict] = {}
    for name in args.enable:
        by_effect.setdefault(name, {"effect": name})["enabled"] = True
    for name in args.disable:
        by_effect.setdefault(name, {"effect": name})["enabled"] = False
    for item in args.set:
        key, _, value = item.partition("=")
        effect, _, param = key.partition(".")
        if not (effect and param and value):
            raise SystemExit(f"--set wants EFFECT.PARAM=VALUE, got {item!r}")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        by_effect.setdefault(effect, {"effect": effect}).setdefault("params", {})[param] = parsed
    return list(by_effect.values())


class Client:
    """One Socket.IO connection that times every acknowledged call."""

    def __init__(self, url: str, channel: str, token: str | None, transport: str, timeout: float):
        self.sio = socketio.Client()
        self.timeout, self.failures = timeout, 0
        self.watching = False
        for event in ("state", "gaze", "error"):
            self.sio.on(event, self._printer(event))
        auth = {"channel": channel, **({"token": token} if token else {})}
        self.sio.connect(url, auth=auth, transports=[transport], wait_timeout=timeout)

    def _printer(self, event: str):
        def show(data=None):
            if self.watching:
                print(f"<- {event} {json.dumps(data)}", flush=True)
        return show

    def call(self, event: str, payload: dict, quiet: bool = False) -> tuple[dict, float]:
        """Send an event; return its ack and the round trip in ms (an ack that never came is an error)."""
        t0 = time.perf_counter()
        try:
            ack = self.sio.call(event, payload, timeout=self.timeout)
        except socketio.exceptions.TimeoutError:
            ack = {"ok": False, "error": {"code": "no_ack", "message": f"no ack within {self.timeout:g} s"}}
        ms = 1000 * (time.perf_counter() - t0)
        if not ack.get("ok"):
            self.failures += 1
        if not quiet or not ack.get("ok"):
            shown = {k: v for k, v in ack.items() if k not in ("state", "effects", "filter")}
            print(f"-> {event} {json.dumps(payload)}  ack {ms:.1f} ms {json.dumps(shown)}", flush=True)
        return ack, ms


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        client = Client(args.url, args.channel, args.token, args.transport, args.timeout)
    except socketio.exceptions.ConnectionError as exc:
        print(f"cannot connect to {args.url}: {exc}", file=sys.stderr)
        return 2
    try:
        join = {"channel": args.channel, **({"token": args.token} if args.token else {})}
        ack, _ = client.call("join", join, quiet=True)
        if ack.get("ok"):
            print(f"joined {args.channel} as {ack['role']} (protocol {ack['protocol']})")
        for change in changes(args):
            client.call("control", change)
        if args.gaze_csv:
            samples, times = read_gaze(args.gaze_csv), []
            period, start = 1.0 / args.rate, time.perf_counter()
            for i, sample in enumerate(samples):
                delay = start + i * period - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                ack, ms = client.call("gaze", {"channel": args.channel, **sample}, quiet=True)
                if ack.get("ok"):
                    times.append(ms)
            sent = time.perf_counter() - start
            if times:
                q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
                print(f"gaze: {len(samples)} sent in {sent:.1f} s ({len(samples) / sent:.1f}/s), "
                      f"{len(times)} ok; ack round trip p50 {statistics.median(times):.1f} ms, p95 {q[18]:.1f} ms")
        if args.watch:
            client.watching = True
            time.sleep(args.watch)
    finally:
        client.sio.disconnect()
    return 1 if client.failures else 0


if __name__ == "__main__":
    sys.exit(main())
