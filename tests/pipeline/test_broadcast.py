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
