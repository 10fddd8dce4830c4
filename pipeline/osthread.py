"""Real OS threads and blocking primitives, even when eventlet has monkey-patched the stdlib."""
from __future__ import annotations

import ctypes
import os
import select
import sys


def _original(name: str):
    """Return the unpatched stdlib module `name` (eventlet patches threading, time, select)."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched(name if name != "threading" else "thread"):
        return patcher.original(name)
    return __import__(name)


threading = _original("threading")  # OS threads, real locks and events for the render worker
time = _original("time")  # a real sleep, for code on an OS thread
_os = _original("os")  # eventlet's os.write waits on a hub first: on an OS thread that made a hub (an epoll
# descriptor) for every render thread, never closed


class Wakeup:
    """Wake a waiter on the server's loop (green or not) from an OS thread, through a pipe.

    Only one waiter may wait at a time (eventlet allows one reader per file descriptor).
    """

    def __init__(self):
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        self._lock = threading.Lock()  # a set() racing close() must not write into a reused descriptor
        self.closed = False

    def set(self) -> None:
        """Signal from any thread; never blocks (a full pipe already means 'wake up')."""
        with self._lock:
            if self.closed:
                return
            try:
                _os.write(self._w, b"!")
            except BlockingIOError:
                pass

    def wait(self, timeout: float) -> bool:
        """Wait for a signal (cooperatively under eventlet); return True if one came."""
        ready, _, _ = select.select([self._r], [], [], timeout)
        if not ready:
            return False
        try:
            _os.read(self._r, 65536)  # one read drains it: the pipe never holds more than 64 KiB
        except BlockingIOError:
            pass
        return True

    def close(self) -> None:
        """Close both ends of the pipe (by the waiter itself: eventlet must not be waiting on it)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            for fd in (self._r, self._w):
                try:
                    os.close(fd)
                except OSError:
                    pass


def trim_memory() -> None:
    """Hand freed heap back to the operating system (glibc's malloc_trim; nothing elsewhere), so the
    memory of closed channels and dropped trackers shows up as such in the process's RSS."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def offload(fn, *args):
    """Run a blocking call (torch, image decoding) on an OS thread and wait for it without
    blocking the server's loop: eventlet's thread pool when patched, a plain call otherwise
    (in threading mode every handler already runs on its own thread)."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("thread"):
        from eventlet import tpool

        return tpool.execute(fn, *args)
    return fn(*args)
