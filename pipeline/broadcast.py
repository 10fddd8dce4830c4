"""One broadcaster per channel: the newest JPEG in a slot, handed to every viewer."""
from __future__ import annotations

import select  # green under eventlet, like threading
import threading  # green under eventlet: viewers are green threads
import time

from .osthread import Wakeup

STALL_TIMEOUT = 60.0  # seconds a viewer's socket may take nothing before the viewer is dropped


class Broadcaster:
    """Hand the newest encoded frame to any number of viewers; a slow viewer only skips frames.

    The producer (the render thread, an OS thread) calls publish(); a pump on the server's loop
    turns its wake-ups into a condition that viewers wait on, so no viewer ever blocks another.
    Viewers that hand over their socket (serve()) are written to by the pump itself: one
    non-blocking send each, no thread woken, unless the socket cannot take the whole part.
    """

    def __init__(self):
        self.seq = 0
        self._frame: tuple[int, bytes, bytes] | None = None  # (seq, jpeg, the same framed as an MJPEG part)
        self.published_at = 0.0
        self._wakeup = Wakeup()
        self._cond = threading.Condition()
        self._sockets: set[_SocketViewer] = set()
        self._closed = False
        self.on_frame = None  # called on the loop with each new JPEG, after the local viewers (web/cluster.py)

    @property
    def jpeg(self) -> bytes | None:
        """The newest frame."""
        frame = self._frame
        return frame[1] if frame else None

    def publish(self, jpeg: bytes) -> None:
        """Store a new frame (called from the render thread) and wake the pump. The MJPEG part is
        framed here, once, off the loop: every viewer writes the same bytes object."""
        seq = self.seq + 1
        self._frame, self.published_at = (seq, jpeg, mjpeg_part(jpeg)), time.time()
        self.seq = seq
        self._wakeup.set()

    def pump(self) -> None:
        """Run on the server's loop: each time a frame is published, write it to the sockets of
        serve()'s viewers and wake the viewers waiting in wait_newer()."""
        try:
            while not self._closed:
                if self._wakeup.wait(1.0):
                    frame = self._frame
                    if frame is not None:
                        for i, viewer in enumerate(list(self._sockets), 1):
                            viewer.offer(frame[0], frame[2])
                            if i % 32 == 0:
                                time.sleep(0)  # hundreds of viewers: let Socket.IO events in between the sends
                    with self._cond:
                        self._cond.notify_all()
                    if frame is not None and self.on_frame is not None:
                        self.on_frame(frame[1])
        finally:
            self._wakeup.close()  # the channel has closed: its pipe's two descriptors go with it

    def wait_newer(self, seq: int, timeout: float = 5.0, part: bool = False) -> tuple[int, bytes | None]:
        """Return (seq, jpeg) of a frame newer than seq, or the current one after timeout; with
        part=True the JPEG comes framed as a multipart part (see mjpeg_part)."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq > seq or self._closed, timeout)
        frame = self._frame
        return (frame[0], frame[2 if part else 1]) if frame else (self.seq, None)

    def serve(self, sock, on_send=None, stop=lambda: False, stall_timeout: float = STALL_TIMEOUT) -> None:
        """Stream parts into a connected non-blocking socket, the current frame first, until the
        socket fails (the OSError is raised), stop() turns true or the broadcaster closes. A socket
        that takes no byte for stall_timeout seconds (a viewer gone without closing) ends with
        TimeoutError, so it stops counting as a viewer.

        Runs on the viewer's own (green) thread, which only works when the socket falls behind:
        the pump writes each part with one non-blocking send, and leaves what the socket did not
        take to this thread, which waits for the socket and then catches up with the newest frame.
        on_send(seconds) is called for every part written whole."""
        viewer = _SocketViewer(sock, on_send)
        frame = self._frame
        if frame is not None:
            viewer.start(frame[0], frame[2])
        self._sockets.add(viewer)
        try:
            while viewer.error is None and not self._closed and not stop():
                if viewer.pending is not None and time.monotonic() - viewer.progress > stall_timeout:
                    raise TimeoutError(f"the viewer took nothing for {stall_timeout:g} s")
                if viewer.pending is None:
                    viewer.ready.wait(1.0)
                    viewer.ready.clear()
                elif select.select([], [sock], [], 1.0)[1]:
                    viewer.write_pending(self._frame)
        finally:
            self._sockets.discard(viewer)
        if viewer.error is not None:
            raise viewer.error

    def close(self) -> None:
        """Stop the pump (which then closes its pipe) and release waiting viewers."""
        self._closed = True
        self._wakeup.set()
        for viewer in list(self._sockets):
            viewer.ready.set()
        with self._cond:
            self._cond.notify_all()


class _SocketViewer:
    """A viewer's socket and the part, if any, that its own thread still has to finish writing.

    Under eventlet the pump and the viewer are green threads of one loop and never interleave between
    the checks and updates below; with OS threads (the unit tests) the pump may skip one frame for a
    viewer that is just finishing, which only delays it to the next publish."""

    __slots__ = ("sock", "on_send", "seq", "pending", "started", "progress", "error", "ready")

    def __init__(self, sock, on_send):
        self.sock, self.on_send = sock, on_send
        self.seq = 0
        self.pending: memoryview | None = None  # the rest of the part being written by the viewer's thread
        self.started = 0.0
        self.progress = time.monotonic()  # when the socket last took bytes (or the viewer came)
        self.error: OSError | None = None
        self.ready = threading.Event()  # the pump left a part to finish, or the viewer must stop

    def start(self, seq: int, part: bytes) -> None:
        """Hand a whole part to the viewer's thread."""
        self.seq, self.pending, self.started = seq, memoryview(part), time.perf_counter()
        self.ready.set()

    def offer(self, seq: int, part: bytes) -> None:
        """On the pump: write the part if the socket takes it whole, else leave the rest to the viewer's
        thread. A viewer still busy with an older part skips this one; it catches up with the newest."""
        if self.pending is not None or self.error is not None or seq <= self.seq:
            return
        t0 = time.perf_counter()
        try:
            sent = self.sock.send(part)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:  # the viewer went away
            self.error = exc
            self.ready.set()
            return
        self.seq = seq
        if sent:
            self.progress = time.monotonic()
        if sent < len(part):
            self.pending, self.started = memoryview(part)[sent:], t0
            self.ready.set()
        elif self.on_send is not None:
            self.on_send(time.perf_counter() - t0)

    def write_pending(self, newest) -> None:
        """On the viewer's thread, once the socket is writable: write what it takes of the pending part;
        when that is done, start on the newest frame if the viewer has not had it."""
        try:
            sent = self.sock.send(self.pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self.error = exc
            return
        self.progress = time.monotonic()
        self.pending = self.pending[sent:]
        if len(self.pending):
            return
        self.pending = None
        if self.on_send is not None:
            self.on_send(time.perf_counter() - self.started)
        if newest is not None and newest[0] > self.seq:
            self.start(newest[0], newest[2])


def mjpeg_part(jpeg: bytes) -> bytes:
    """Frame one JPEG as a multipart/x-mixed-replace part with its Content-Length."""
    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
    return head + jpeg + b"\r\n"
