"""Which devices this process computes on: torch's and GL's, probed once."""
from __future__ import annotations

import functools

from render import gl

from .osthread import threading


@functools.lru_cache(maxsize=None)
def gl_probe(backend: str = "egl", device_index: int | None = None) -> dict:
    """Create a context on a short-lived OS thread and describe it; {"error": ...} if none."""
    result = {}

    def probe():
        try:
            ctx = gl.create_context(backend, device_index)
        except gl.GLUnavailable as exc:
            result["error"] = str(exc)
            return
        result.update(gl.describe(ctx))
        ctx.release()

    t = threading.Thread(target=probe, name="gl-probe")
    t.start()
    t.join()
    return result


@functools.lru_cache(maxsize=None)
def torch_device(preference: str = "auto") -> str:
    """Return the torch device to use: CUDA when available (for "auto"), else CPU."""
    import torch  # imported here: start-up of processes that never estimate gaze stays fast

    if preference != "auto":
        return str(torch.device(preference))
    return "cuda" if torch.cuda.is_available() else "cpu"
