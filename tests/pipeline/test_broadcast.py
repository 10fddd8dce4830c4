"""The broadcaster: newest frame to every viewer, from an OS thread, a slow viewer only skips."""
import threading

from pipeline.broadcast import Broadcaster, mjpeg_part
from pipeline.osthread import threading as os_threading


def test_viewers_get_the_newest_frame_published_from_another_thread():
    b = Broadcaster()
    pump = threading.Thread(target=b.pump, daemon=True)
    pump.start()
    got = []
    viewer = threading.Thread(target=lambda: got.append(b.wait_newer(0, timeout=5)))
    viewer.start()
    os_threading.Thread(target=lambda: b.publish(b"one")).start()
    viewer.join(timeout=10)
    assert got == [(1, b"one")]
    for i in range(50):
        b.publish(b"frame%d" % i)
    assert b.wait_newer(1, timeout=5) == (51, b"frame49")  # a late viewer skips to the newest
    b.close()
    pump.join(timeout=5)
    assert not pump.is_alive()


def test_a_viewer_that_never_reads_does_not_hold_up_others():
    b = Broadcaster()
    pump = threading.Thread(target=b.pump, daemon=True)
    pump.start()
    b.publish(b"a")
    stalled_seq = 1  # this viewer took frame 1 and then stopped reading
    seqs = []
    for i in range(20):
        b.publish(b"x")
        seqs.append(b.wait_newer(seqs[-1] if seqs else 1, timeout=5)[0])
    assert seqs == list(range(2, 22)) and stalled_seq == 1
    assert b.jpeg == b"x"  # one slot: memory does not grow with a stalled viewer
    b.close()


def test_parts_carry_their_length():
    part = mjpeg_part(b"\xff\xd8abc\xff\xd9")
    assert part.startswith(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 7\r\n\r\n")
    assert part.endswith(b"\xff\xd8abc\xff\xd9\r\n")


def test_every_viewer_gets_the_one_part_framed_at_publish():
    b = Broadcaster()
    b.publish(b"\xff\xd8one\xff\xd9")
    _, first = b.wait_newer(0, timeout=1, part=True)
    _, second = b.wait_newer(0, timeout=1, part=True)
    assert first is second and first == mjpeg_part(b"\xff\xd8one\xff\xd9")
    assert b.wait_newer(0, timeout=1) == (1, b"\xff\xd8one\xff\xd9")
    b.close()


def _pair(sndbuf: int | None = None):
    """A connected (server end, client end) pair; the server end non-blocking, as under eventlet."""
    import socket

    server, client = socket.socketpair()
    if sndbuf:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, sndbuf)
    server.setblocking(False)
    return server, client


def _parts(data: bytes) -> list[bytes]:
    """Split a multipart body into its JPEGs, checking every part's framing and length."""
    jpegs, rest = [], data
    while rest:
        head, sep, rest = rest.partition(b"\r\n\r\n")
        assert sep and head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "), head[:80]
        n = int(head.rsplit(b" ", 1)[1])
        assert rest[n:n + 2] == b"\r\n"
        jpegs.append(rest[:n])
        rest = rest[n + 2:]
    return jpegs


def _read_all(sock, out: bytearray) -> None:
    while chunk := sock.recv(1 << 20):
        out += chunk


def test_socket_viewers_get_whole_parts_from_the_pump_and_a_stalled_one_holds_nobody_up():
    import time

    b = Broadcaster()
    pump = threading.Thread(target=b.pump, daemon=True)
    pump.start()
    b.publish(b"first")
    fast, fast_peer = _pair()
    slow, slow_peer = _pair(sndbuf=4096)
    sent, errors = [], []

    def serve(sock):
        try:
            b.serve(sock, on_send=sent.append)
        except OSError as exc:
            errors.append(exc)

    viewers = [threading.Thread(target=serve, args=(s,), daemon=True) for s in (fast, slow)]
    for v in viewers:
        v.start()
    got = bytearray()
    reader = threading.Thread(target=_read_all, args=(fast_peer, got), daemon=True)
    reader.start()
    payload = b"x" * 200_000  # far more than the stalled socket's buffers hold
    frames = [b"%03d" % i + payload for i in range(60)]
    for frame in frames:
        os_threading.Thread(target=b.publish, args=(frame,)).start()  # from an OS thread, like the renderer
        time.sleep(0.005)
    time.sleep(0.5)
    # the stalled viewer holds one part at most, a view of the broadcaster's bytes, not a copy per frame
    stalled = [v for v in b._sockets if v.sock is slow]
    assert len(stalled) == 1 and stalled[0].pending is not None and len(stalled[0].pending) <= len(frames[0]) + 100
    # now the stalled viewer reads: it gets whole parts, then the newest frame
    late = bytearray()
    late_reader = threading.Thread(target=_read_all, args=(slow_peer, late), daemon=True)
    late_reader.start()
    time.sleep(1.0)
    b.close()
    for v in viewers:
        v.join(timeout=5)
    for s in (fast, slow):
        s.close()
    reader.join(timeout=5)
    late_reader.join(timeout=5)
    for s in (fast_peer, slow_peer):
        s.close()
    assert not errors
    fast_got, late_got = _parts(bytes(got)), _parts(bytes(late))
    # the reading viewer: the frame current when it came, then every frame published, in order
    assert fast_got[0] == b"first" and fast_got[1:] == frames
    # the stalled one: whole parts only, in publishing order, skipping what it could not take, ending on the newest
    order = [frames.index(f) for f in late_got[1:]]
    assert late_got[0] == b"first" and order == sorted(set(order)) and late_got[-1] == frames[-1]
    assert len(late_got) < len(frames)
    assert len(sent) >= len(fast_got) + len(late_got) - 2 and all(s >= 0 for s in sent)


def test_a_socket_viewer_that_goes_away_ends_with_an_error_and_is_forgotten():
    b = Broadcaster()
    pump = threading.Thread(target=b.pump, daemon=True)
    pump.start()
    sock, peer = _pair()
    peer.close()
    errors = []

    def serve():
        try:
            b.serve(sock)
        except OSError as exc:
            errors.append(exc)

    viewer = threading.Thread(target=serve, daemon=True)
    viewer.start()
    for i in range(3):
        b.publish(b"frame%d" % i)
        viewer.join(timeout=1)
    assert not viewer.is_alive() and len(errors) == 1 and not b._sockets
    sock.close()
    b.close()


def test_a_socket_viewer_stops_when_asked_and_when_the_broadcaster_closes():
    b = Broadcaster()
    stop = threading.Event()
    sock, peer = _pair()
    viewer = threading.Thread(target=b.serve, args=(sock,), kwargs={"stop": stop.is_set}, daemon=True)
    viewer.start()
    stop.set()
    viewer.join(timeout=5)
    assert not viewer.is_alive() and not b._sockets
    viewer = threading.Thread(target=b.serve, args=(sock,), daemon=True)
    viewer.start()
    b.close()
    viewer.join(timeout=5)
    sock.close()
    peer.close()
    assert not viewer.is_alive()


def test_a_socket_viewer_that_takes_nothing_for_the_stall_timeout_is_dropped():
    import time

    b = Broadcaster()
    pump = threading.Thread(target=b.pump, daemon=True)
    pump.start()
    sock, peer = _pair(sndbuf=4096)  # its reader is gone without closing: nothing is ever read
    errors = []

    def serve():
        try:
            b.serve(sock, stall_timeout=0.5)
        except OSError as exc:
            errors.append(exc)

    viewer = threading.Thread(target=serve, daemon=True)
    viewer.start()
    t0 = time.monotonic()
    while viewer.is_alive() and time.monotonic() - t0 < 10:
        b.publish(b"y" * 100_000)
        time.sleep(0.05)
    assert not viewer.is_alive() and isinstance(errors[0], TimeoutError) and not b._sockets
    assert time.monotonic() - t0 < 5
    b.close()
    sock.close()
    peer.close()
