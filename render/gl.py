"""The one place that creates GL contexts, and the GIL-free finish that keeps the event loop live."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

import moderngl

PACKAGES = "libegl1 libgl1 libgl1-mesa-dri"


class GLUnavailable(RuntimeError):
    """No usable GL driver: the message names what to install."""


@functools.lru_cache(maxsize=None)
def _libraries(backend: str) -> tuple[tuple[str, str], ...]:
    """The GL and EGL libraries glcontext would look up for every context (find_library runs ldconfig in a
    subprocess: under eventlet, on a render thread, that leaves an event hub and its epoll descriptor
    behind each time a thread comes and goes). Found once, on the first caller's thread (app.py's probe)."""
    if backend != "egl":
        return ()
    found = {"libgl": ctypes.util.find_library("GL"), "libegl": ctypes.util.find_library("EGL")}
    return tuple((k, v) for k, v in found.items() if v)


def create_context(backend: str = "egl", device_index: int | None = None) -> moderngl.Context:
    """Create a headless OpenGL 3.3+ context current on the calling OS thread."""
    kwargs = {"backend": backend, "require": 330, **dict(_libraries(backend))}
    if device_index is not None:
        kwargs["device_index"] = device_index
    try:
        return moderngl.create_standalone_context(**kwargs)
    except Exception as exc:  # glcontext raises bare Exceptions for missing libraries and devices
        raise GLUnavailable(
            f"cannot create a headless OpenGL context ({backend}): {exc}. "
            f"On Debian/Ubuntu install Mesa's EGL and llvmpipe: "
            f"apt-get install --no-install-recommends {PACKAGES} "
            f"(on a GPU machine, the vendor's EGL driver)") from None


def release_thread(backend: str = "egl") -> None:
    """Free the calling OS thread's EGL state (call once its context is released, before it exits).

    Mesa keeps about 4.6 MB per thread that ever made an EGL context current until eglReleaseThread:
    without it every render thread that comes and goes leaks that much."""
    if backend != "egl":
        return
    try:
        ctypes.CDLL("libEGL.so.1").eglReleaseThread()
    except (OSError, AttributeError):
        pass


def describe(ctx: moderngl.Context) -> dict:
    """Return the renderer, vendor and version strings of a context."""
    info = ctx.info
    renderer = info.get("GL_RENDERER", "?")
    return {"renderer": renderer, "vendor": info.get("GL_VENDOR", "?"),
            "version": info.get("GL_VERSION", "?"),
            "software": any(s in renderer.lower() for s in ("llvmpipe", "softpipe", "swrast"))}


def _load_finish():
    """Find glFinish in a library loaded with ctypes.CDLL, whose calls release the GIL."""
    for name in ("libGL.so.1", "libOpenGL.so.0", ctypes.util.find_library("GL")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name).glFinish
        except (OSError, AttributeError):
            continue
    return None


_finish = _load_finish()


def finish(ctx: moderngl.Context) -> None:
    """Wait for the GPU (or llvmpipe) to complete queued work without holding the GIL."""
    if _finish is not None:
        _finish()
    else:
        ctx.finish()
