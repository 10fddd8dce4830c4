"""Three real gazecast processes behind a real Redis: any channel is reachable from any process.

`main` renders in A. A control change sent to B changes the frames A renders and those a viewer on C
receives; gaze sent to C, and gaze that C estimates from webcam frames, moves A's picture; when A is
killed, B or C renders `main` again within 5 s with the same settings and the viewer on C, still on its
first connection, gets frames again."""
import json
import subprocess
import sys
import threading
import time
import urllib.request

import numpy as np
import redis
import simplejpeg
import socketio

from tests.support import ROOT, read_parts
from tests.web.test_frames import face_jpeg

SPOTLIGHT = {"effect": "spotlight", "enabled": True,
             "params": {"dim": 1.0, "radius": 0.35, "softness": 0.0, "desaturate": 0.0}}


class Viewer:
    """One MJPEG connection read on a thread: every frame kept with its arrival time."""

    def __init__(self, url: str):
        self.frames: list[tuple[float, bytes]] = []
        self.error = None
        self._response = urllib.request.urlopen(url, timeout=30)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        r = self._response
        try:
            while True:
                line = r.readline()
                if not line:
                    return
                if line.strip() != b"--frame":
                    continue
                headers = {}
                while (line := r.readline().strip()):
                    key, _, value = line.decode().partition(":")
                    headers[key.strip().lower()] = value.strip()
                self.frames.append((time.monotonic(), r.read(int(headers["content-length"]))))
                del self.frames[:-50]
        except Exception as exc:  # noqa: BLE001  the test reports it
            self.error = exc

    def frame_after(self, t: float, timeout: float) -> bytes | None:
        """The first frame that arrived after monotonic time t, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, jpeg in list(self.frames):
                if arrived > t:
                    return jpeg
            time.sleep(0.02)
        return None

    def close(self) -> None:
        self._response.close()


def grey(jpeg: bytes) -> np.ndarray:
    return simplejpeg.decode_jpeg(jpeg, colorspace="GRAY")[..., 0].astype(float)


def snapshot(server) -> np.ndarray:
    with urllib.request.urlopen(server.url + "/snapshot/main.jpg", timeout=20) as r:
        return grey(r.read())


def renders(server) -> list:
    return server.get_json("/healthz")["cluster"]["renders"]


def client(server) -> socketio.Client:
    sio = socketio.Client()
    sio.connect(server.url, transports=["websocket"], wait_timeout=10)
    return sio


def left_brighter(frame: np.ndarray) -> bool:
    w = frame.shape[1]
    return frame[:, : w // 3].mean() > frame[:, 2 * w // 3:].mean() + 15


def right_brighter(frame: np.ndarray) -> bool:
    w = frame.shape[1]
    return frame[:, 2 * w // 3:].mean() > frame[:, : w // 3].mean() + 15


def wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_control_on_b_and_gaze_on_c_drive_the_channel_rendered_in_a(cluster, redis_url):
    a, b, c = cluster
    plain = snapshot(a)  # A is the first asked for a frame: it takes the lease and renders main
    assert renders(a) == ["main"] and renders(b) == [] and renders(c) == []
    viewer, listeners = Viewer(c.url + "/stream/main.mjpg"), []
    try:
        assert viewer.frame_after(0, 10) is not None, "no frame reached the viewer on C"
        assert abs(grey(viewer.frames[-1][1]).mean() - plain.mean()) < 10  # the same picture as A's
        heard = {"state": [], "gaze": []}  # what a client of A and C hears of events sent elsewhere
        listeners += [client(a), client(c)]
        for i, sio in enumerate(listeners):
            for event in heard:
                sio.on(event, lambda data, event=event, i=i: heard[event].append((i, data)))
        sio_b = client(b)
        try:
            t0 = time.perf_counter()
            ack = sio_b.call("control", {"effect": "foveate", "enabled": False}, timeout=10)
            assert ack["ok"], ack
            ack = sio_b.call("control", SPOTLIGHT, timeout=10)
            print(f"control ack round trip B -> A -> B: {1000 * (time.perf_counter() - t0) / 2:.1f} ms")
            assert ack["ok"], ack
            spot = next(e for e in ack["state"]["effects"] if e["name"] == "spotlight")
            assert spot["enabled"] and spot["params"]["dim"] == 1.0
            refused = sio_b.call("control", {"effect": "spotlight", "params": {"dim": 7}}, timeout=10)
            assert not refused["ok"] and refused["error"]["code"] == "out_of_range", refused  # A's refusal, via B
        finally:
            sio_b.disconnect()
        # A renders the change (B only forwarded it), and C's viewer receives it
        assert wait_for(lambda: snapshot(a).mean() < 0.5 * plain.mean())
        changed = time.monotonic()
        assert grey(viewer.frame_after(changed, 5)).mean() < 0.5 * plain.mean()
        assert renders(b) == [] and renders(c) == []
        sio_c = client(c)
        try:
            assert sio_c.call("gaze", {"x": 0.15, "y": 0.5}, timeout=10)["ok"]
            assert wait_for(lambda: left_brighter(snapshot(a)))
            assert left_brighter(grey(viewer.frame_after(time.monotonic(), 5)))
            ack = sio_c.call("gaze", {"x": 0.85, "y": 0.5}, timeout=10)
            assert ack["ok"], ack
            assert wait_for(lambda: right_brighter(snapshot(a)))
            assert right_brighter(grey(viewer.frame_after(time.monotonic(), 5)))
            assert right_brighter(snapshot(b))  # a snapshot from a process that renders nothing
        finally:
            sio_c.disconnect()
        # the state broadcast of B's change reached the clients of A and C; the gaze sent to C reached A's
        spotlit = [i for i, state in heard["state"]
                   if next(e for e in state["effects"] if e["name"] == "spotlight")["enabled"]]
        assert 0 in spotlit and 1 in spotlit, heard["state"]
        assert any(i == 0 and g["x"] == 0.85 for i, g in heard["gaze"]), heard["gaze"]
    finally:
        viewer.close()
        for sio in listeners:
            sio.disconnect()
    keys = redis.Redis.from_url(redis_url).keys("gazecast:*")
    r = redis.Redis.from_url(redis_url)
    for key in keys:  # nothing the cluster keeps lives for ever
        if not key.startswith(b"gazecast:picture"):
            assert r.pttl(key) > 0, key


def test_the_scriptable_client_sets_parameters_and_streams_gaze_through_another_process(cluster, tmp_path):
    a, b, c = cluster
    trace = tmp_path / "trace.csv"
    trace.write_text("x,y\n" + "".join(f"{0.2 + 0.01 * i},0.5\n" for i in range(20)) + "0.85,0.5\n")
    out = subprocess.run([sys.executable, "-m", "web.client", b.url, "--set", "spotlight.radius=0.3",
                          "--gaze-csv", str(trace), "--rate", "50", "--watch", "0.5"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "joined main as " in out.stdout
    assert '-> control {"effect": "spotlight", "params": {"radius": 0.3}}  ack' in out.stdout
    assert "gaze: 21 sent" in out.stdout and "21 ok; ack round trip p50" in out.stdout, out.stdout
    # the mirror in C has the settings A applied
    assert next(e for e in snapshot_state(c)["effects"] if e["name"] == "spotlight")["params"]["radius"] == 0.3
    assert wait_for(lambda: right_brighter(snapshot(a)))  # the last sample, applied in A
    bad = subprocess.run([sys.executable, "-m", "web.client", c.url, "--set", "spotlight.dim=7"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and '"code": "out_of_range"' in bad.stdout, bad.stdout


def test_a_channel_opened_in_one_process_is_joined_controlled_and_watched_from_the_others(cluster):
    a, b, c = cluster
    sio_b, sio_c = client(b), client(c)
    try:
        opened = sio_b.call("join", {"channel": "lab-7"}, timeout=10)
        assert opened["ok"], opened
        assert "lab-7" in renders(b)  # placed where it was opened
        joined = sio_c.call("join", {"channel": "lab-7"}, timeout=10)  # found through Redis, not opened again
        assert joined["ok"] and joined["state"]["channel"] == "lab-7", joined
        assert "lab-7" not in renders(c)
        plain = grey(read_parts(a.url + "/stream/lab-7.mjpg", 1)[0][1]).mean()  # A serves it too
        ack = sio_c.call("control", {"channel": "lab-7", **SPOTLIGHT}, timeout=10)
        assert ack["ok"], ack
        assert wait_for(lambda: grey(read_parts(a.url + "/stream/lab-7.mjpg", 2)[-1][1]).mean() < 0.5 * plain)
        assert "lab-7" in renders(b) and "lab-7" not in renders(a) + renders(c)
    finally:
        sio_b.disconnect()
        sio_c.disconnect()


def test_a_holder_that_does_not_answer_is_a_timeout_and_one_that_is_gone_is_channel_moving(cluster, redis_url):
    a, b, c = cluster
    r = redis.Redis.from_url(redis_url)
    settings = {"source": "demo", "size": [320, 180], "effects": [], "filter": {},
                "tenure": {"instance": "x", "owner": None, "address": None, "configured": False}}
    r.set("gazecast:settings:ghost", json.dumps(settings), px=60_000)
    r.set("gazecast:lease:ghost", "mute", px=60_000)  # a process that reads its inbox and never answers
    mute = r.pubsub()
    mute.subscribe("gazecast:inbox:mute")
    sio = client(b)
    try:
        assert sio.call("join", {"channel": "ghost"}, timeout=10)["ok"]
        t0 = time.monotonic()
        ack = sio.call("control", {"effect": "spotlight", "enabled": True}, timeout=10)
        assert ack == {"ok": False, "error": {"code": "cluster_timeout", "message": ack["error"]["message"]}}
        assert 1.5 < time.monotonic() - t0 < 5  # cluster_timeout: 2 s
        mute.close()  # now nobody reads that inbox: the holder is gone, its lease not expired yet
        time.sleep(0.2)
        ack = sio.call("gaze", {"x": 0.5, "y": 0.5}, timeout=10)
        assert not ack["ok"] and ack["error"]["code"] == "channel_moving", ack
    finally:
        sio.disconnect()
        r.delete("gazecast:lease:ghost")


def test_webcam_frames_sent_to_c_drive_the_channel_rendered_in_a(cluster):
    """The gaze that C's tracker estimates from a webcam frame is applied where the channel renders."""
    a, b, c = cluster
    snapshot(a)
    assert renders(a) == ["main"] and renders(c) == []
    jpeg = face_jpeg()  # the astronaut's photograph, eyes repainted
    sio = client(c)
    try:
        assert sio.call("control", SPOTLIGHT, timeout=10)["ok"]
        first = sio.call("frame", {"jpeg": jpeg, "t": 1.0}, timeout=60)
        assert first["ok"] and first["gaze"] is not None, first
        wx, wy, t = first["gaze"]["x"], first["gaze"]["y"], 1.0
        for target, brighter in ((0.15, left_brighter), (0.85, right_brighter), (0.15, left_brighter)):
            view = [wx - 0.5 * target, wy - 0.5, 0.5, 1.0]  # the video's rectangle: the gaze lands at x = target
            for _ in range(3):
                t += 1 / 15
                ack = sio.call("frame", {"jpeg": jpeg, "t": t, "view": view}, timeout=30)
                assert ack["ok"] and ack["gaze"] is not None, ack
            assert abs(ack["gaze"]["x"] - target) < 0.05, ack["gaze"]
            assert wait_for(lambda: brighter(snapshot(a))), target
        assert renders(a) == ["main"] and renders(c) == []
    finally:
        sio.disconnect()


def snapshot_state(server) -> dict:
    """The channel's state as a client of `server` sees it on joining."""
    sio = client(server)
    try:
        return sio.call("join", {"channel": "main"}, timeout=10)["state"]
    finally:
        sio.disconnect()


def test_killing_the_rendering_process_moves_the_channel_and_the_viewer_keeps_watching(cluster):
    a, b, c = cluster
    assert renders(a) == ["main"]
    viewer = Viewer(c.url + "/stream/main.mjpg")
    try:
        assert viewer.frame_after(0, 10) is not None
        sio_c = client(c)  # the settings A must hand on: the spotlight, the gaze on the right
        try:
            assert sio_c.call("control", SPOTLIGHT, timeout=10)["ok"]
            assert sio_c.call("gaze", {"x": 0.85, "y": 0.5}, timeout=10)["ok"]
        finally:
            sio_c.disconnect()
        time.sleep(1.5)  # the holder writes the newest gaze to Redis once per lease renewal (1 s)
        a.proc.kill()  # SIGKILL: no goodbye, the lease just stops being renewed
        a.proc.wait()
        killed = time.monotonic()
        sio_b = client(b)  # an event sent before the takeover is refused with a code, not lost
        ack = sio_b.call("gaze", {"x": 0.85, "y": 0.5}, timeout=10)
        sio_b.disconnect()
        assert ack["ok"] or ack["error"]["code"] == "channel_moving", ack
        time.sleep(max(0.0, 0.3 - (time.monotonic() - killed)))  # frames already on their way from A
        jpeg = viewer.frame_after(time.monotonic(), 5.0)
        took = time.monotonic() - killed
        assert jpeg is not None, f"no frame on C within 5 s of killing A ({viewer.error})"
        print(f"failover: the viewer on C had a new frame {took:.2f} s after A was killed")
        assert (renders(b) + renders(c)).count("main") == 1
        # the same settings: the spotlight, at the last gaze (right)
        frame = grey(jpeg)
        assert frame.mean() < 0.6 * grey(viewer.frames[0][1]).mean() + 40
        assert right_brighter(grey(viewer.frame_after(time.monotonic(), 5)))
        sio_b = client(b)
        try:
            state = sio_b.call("control", {"effect": "spotlight", "enabled": False}, timeout=10)
            assert state["ok"], state
            assert not next(e for e in state["state"]["effects"] if e["name"] == "spotlight")["enabled"]
        finally:
            sio_b.disconnect()
        assert viewer.error is None
    finally:
        viewer.close()
