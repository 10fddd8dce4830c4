"""A real server on a port, read by real MJPEG and Socket.IO clients."""
import json
import statistics
import subprocess
import threading
import time

import cv2
import simplejpeg
import socketio

from tests.conftest import sharpness
from tests.support import ROOT, read_parts, read_stream


def test_opencv_reads_30_frames_with_content(server):
    cap = cv2.VideoCapture(server.url + "/stream.mjpg", cv2.CAP_FFMPEG)
    frames = []
    while len(frames) < 30:
        ok, frame = cap.read()
        assert ok, "the stream ended"
        frames.append(frame)
    cap.release()
    assert all(f.shape == (360, 640, 3) for f in frames)
    # the default gaze is the centre: the detailed content is there, sharp, in every frame
    assert all(sharpness(f, 0.5, 0.5) > 1000 for f in frames)


def test_ffprobe_sees_an_mjpeg_stream(server):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:format=format_name",
                          "-of", "json", server.url + "/stream/main.mjpg"], capture_output=True, timeout=60, check=True)
    info = json.loads(out.stdout)
    assert info["format"]["format_name"] == "mpjpeg"
    assert info["streams"][0] == {"codec_name": "mjpeg", "width": 640, "height": 360}


def test_every_part_has_content_length_and_a_jpeg(server):
    for headers, body in read_parts(server.url + "/stream.mjpg", 5):
        assert headers["content-type"] == "image/jpeg"
        assert int(headers["content-length"]) == len(body)
        assert simplejpeg.decode_jpeg(body).shape == (360, 640, 3)


def test_the_stream_is_the_bare_multipart_body_written_to_the_socket(server):
    # under eventlet each part goes to the socket as it is: no chunk framing around the JPEGs, and
    # the body ends with the connection
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while data.count(b"--frame\r\n") < 3:
            data += s.recv(1 << 16)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert lines[0] == "HTTP/1.1 200 OK"
    assert headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
    assert headers["connection"] == "close" and "transfer-encoding" not in headers
    assert headers["cache-control"].startswith("no-cache")
    first, second = body.split(b"--frame\r\n")[1:3]
    part_head, _, rest = first.partition(b"\r\n\r\n")
    length = int(part_head.split(b"Content-Length: ")[1])
    assert rest[:2] == b"\xff\xd8" and rest[length - 2:length] == b"\xff\xd9" and rest[length:] == b"\r\n"
    assert second.startswith(b"Content-Type: image/jpeg\r\n")


def test_socketio_round_trips_flow_while_three_streams_are_read(server):
    stop, counts = threading.Event(), [0, 0, 0]
    readers = [threading.Thread(target=read_stream, args=(server.url + "/stream.mjpg", stop, counts, i))
               for i in range(3)]
    for t in readers:
        t.start()
    client = socketio.Client()
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    rtts = []
    try:
        time.sleep(1.0)  # all three streams flowing
        for i in range(60):
            t0 = time.perf_counter()
            ack = client.call("gaze", {"x": (i % 10) / 10, "y": 0.5}, timeout=2)
            rtts.append(time.perf_counter() - t0)
            assert ack == {"ok": True}
        during = list(counts)
        time.sleep(0.5)
    finally:
        client.disconnect()
        stop.set()
        for t in readers:
            t.join(timeout=10)
    assert min(during) >= 10, f"streams stalled: {during}"
    assert max(rtts) < 1.0, f"event loop blocked: slowest round trip {max(rtts):.3f}s"
    print(f"round trips while 3 streams read: median {statistics.median(rtts) * 1000:.1f} ms")


def test_gaze_over_socketio_moves_the_sharp_region_in_the_stream(server):
    client = socketio.Client()
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        results = {}
        for name, x in (("left", 0.2), ("right", 0.8)):
            assert client.call("gaze", {"x": x, "y": 0.5}, timeout=5)["ok"]
            _, body = read_parts(server.url + "/stream.mjpg", 3)[-1]
            results[name] = simplejpeg.decode_jpeg(body)
    finally:
        client.disconnect()
    left, right = results["left"], results["right"]
    assert sharpness(left, 0.2, 0.5) > 3 * sharpness(left, 0.8, 0.5)
    assert sharpness(right, 0.8, 0.5) > 3 * sharpness(right, 0.2, 0.5)


def test_control_from_one_client_changes_the_stream_and_reaches_another(server):
    panel, other = socketio.Client(), socketio.Client()
    states = []
    other.on("state", states.append)
    panel.connect(server.url, transports=["websocket"], wait_timeout=10)
    other.connect(server.url, transports=["polling"], wait_timeout=10)
    try:
        assert panel.call("gaze", {"x": 0.1, "y": 0.1}, timeout=5)["ok"]
        assert panel.call("control", {"effect": "foveate", "params": {"strength": 0.0}}, timeout=5)["ok"]
        sharp = simplejpeg.decode_jpeg(read_parts(server.url + "/stream.mjpg", 3)[-1][1])
        assert panel.call("control", {"effect": "foveate", "params": {"strength": 5.0}}, timeout=5)["ok"]
        blurred = simplejpeg.decode_jpeg(read_parts(server.url + "/stream.mjpg", 3)[-1][1])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
                s["effects"][0]["params"]["strength"] == 5.0 for s in states):
            time.sleep(0.05)
    finally:
        panel.disconnect()
        other.disconnect()
    assert sharpness(sharp, 0.8, 0.8) > 5 * sharpness(blurred, 0.8, 0.8)
    assert any(s["effects"][0]["params"]["strength"] == 5.0 for s in states)


def test_the_official_javascript_client_gets_acks(server):
    script = """
    const { io } = require("socket.io-client");
    const s = io(process.argv[1], { transports: ["websocket"] });
    s.on("connect", async () => {
      const good = await s.timeout(5000).emitWithAck("gaze", { x: 0.5, y: 0.5 });
      const bad = await s.timeout(5000).emitWithAck("control", { effect: "nope" });
      console.log(JSON.stringify({ good, bad })); s.close();
    });
    s.on("connect_error", (e) => { console.error(e.message); process.exit(1); });
    """
    out = subprocess.run(["node", "-e", script, server.url], cwd=ROOT, capture_output=True, timeout=30, check=True)
    result = json.loads(out.stdout)
    assert result["good"] == {"ok": True}
    assert result["bad"]["ok"] is False and result["bad"]["error"]["code"] == "unknown_effect"


def test_healthz_counts_viewers_and_fps(server):
    stop, counts = threading.Event(), [0]
    reader = threading.Thread(target=read_stream, args=(server.url + "/stream.mjpg", stop, counts, 0))
    reader.start()
    try:
        time.sleep(2.5)
        main = server.get_json("/healthz")["channels"]["main"]
    finally:
        stop.set()
        reader.join(timeout=10)
    assert main["viewers"] >= 1 and main["fps"] > 1 and main["error"] is None
    assert set(main["stage_ms"]) == {"read", "upload", "render", "readback", "encode", "send"}
    assert main["stage_ms"]["send"] is not None  # the stream reader took frames


def test_rendering_idles_without_viewers(server):
    read_parts(server.url + "/stream.mjpg", 2)
    time.sleep(1.5)  # the reader has gone; the worker notices at once
    before = server.get_json("/healthz")["channels"]["main"]
    time.sleep(1.0)
    after = server.get_json("/healthz")["channels"]["main"]
    assert before["viewers"] == 0 and after["frames"] == before["frames"]


def test_a_huge_payload_drops_only_its_sender(server):
    sender, bystander = socketio.Client(reconnection=False), socketio.Client()
    sender.connect(server.url, transports=["websocket"], wait_timeout=10)
    bystander.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        sender.emit("gaze", {"x": 0.5, "y": 0.5, "pad": "x" * 2_000_000})
        deadline = time.monotonic() + 10
        while sender.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not sender.connected, "a 2 MB message should be refused by the transport"
        assert bystander.call("gaze", {"x": 0.4, "y": 0.4}, timeout=5) == {"ok": True}
        assert len(read_parts(server.url + "/stream.mjpg", 2)) == 2
    finally:
        for c in (sender, bystander):
            c.shutdown()
        # websocket-client leaves the socket of a server-closed websocket open (its close() is a
        # no-op once "disconnected"): close it here so the leak is not charged to a later test
        ws = sender.eio.ws
        if ws is not None and ws.sock is not None:
            ws.sock.close()


def test_a_stalled_viewer_does_not_slow_the_others(server):
    import socket

    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")  # and never reads
    try:
        time.sleep(2.0)  # its socket buffers fill up
        stop, counts = threading.Event(), [0]
        reader = threading.Thread(target=read_stream, args=(server.url + "/stream.mjpg", stop, counts, 0))
        reader.start()
        time.sleep(3.0)
        stop.set()
        reader.join(timeout=10)
        health = server.get_json("/healthz")["channels"]["main"]
    finally:
        stalled.close()
    # the healthy viewer got (nearly) every frame the channel published while the stalled one sat
    assert counts[0] >= 0.6 * 3.0 * health["fps"] > 0
