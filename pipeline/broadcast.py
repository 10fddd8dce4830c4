"""One broadcaster per channel: the newest JPEG in a slot, every viewer woken for it."""
from __future__ import annotations

import threading  # green under eventlet: viewers are green threads
import time

from .osthread import Wakeup


class Broadcaster:
    """Hand the newest encoded frame to any number of viewers; a slow viewer only skips frames.

    The producer (the render thread, an OS thread) calls publish(); a pump on the server's loop
    turns its wake-ups into a condition that viewers wait on, so no viewer ever blocks another.
    """

    def __init__(self):
        self.seq = 0
        self._frame: tuple[bytes, bytes] | None = None  # (jpeg, the same framed as an MJPEG part)
        self.published_at = 0.0
        self._wakeup = Wakeup()
        self._cond = threading.Condition()
        self._closed = False

    @property
    def jpeg(self) -> bytes | None:
        """The newest frame."""
        frame = self._frame
        return frame[0] if frame else None

    def publish(self, jpeg: bytes) -> None:
        """Store a new frame (called from the render thread) and wake the pump. The MJPEG part is
        framed here, once, off the loop: every viewer writes the same bytes object."""
        self._frame, self.published_at = (jpeg, mjpeg_part(jpeg)), time.time()
        self.seq += 1
        self._wakeup.set()

    def pump(self) -> None:
        """Run on the server's loop: wake viewers each time a frame is published."""
        while not self._closed:
            if self._wakeup.wait(1.0):
                with self._cond:
                    self._cond.notify_all()

    def wait_newer(self, seq: int, timeout: float = 5.0, part: bool = False) -> tuple[int, bytes | None]:
        """Return (seq, jpeg) of a frame newer than seq, or the current one after timeout; with
        part=True the JPEG comes framed as a multipart part (see mjpeg_part)."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq > seq or self._closed, timeout)
        seq, frame = self.seq, self._frame
        return seq, (frame[1 if part else 0] if frame else None)

    def close(self) -> None:
        """Stop the pump and release waiting viewers."""
        self._closed = True
        self._wakeup.set()
        with self._cond:
            self._cond.notify_all()


def mjpeg_part(jpeg: bytes) -> bytes:
    """Frame one JPEG as a multipart/x-mixed-replace part with its Content-Length."""
    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
    return head + jpeg + b"\r\n"
