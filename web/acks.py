"""The acknowledgement wrapper and payload checks shared by the Socket.IO handlers."""
from __future__ import annotations

import functools
import logging
import math

from pipeline.errors import RequestError

from .context import error

log = logging.getLogger(__name__)


def acked(handler):
    """Turn a handler's result into {"ok": true, ...} and its RequestError into an error ack."""

    @functools.wraps(handler)
    def wrapper(self, payload=None, *extra):
        try:
            if not isinstance(payload, dict):
                raise RequestError("bad_request", "the payload must be a JSON object")
            return {"ok": True, **(handler(self, payload) or {})}
        except RequestError as exc:
            return error(exc.code, str(exc))
        except Exception:
            log.exception("%s failed", handler.__name__)
            return error("internal", "the server failed to handle this event")

    return wrapper


def _unit(payload: dict, key: str) -> float:
    """Return payload[key] as a finite number in [0, 1], or raise."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError("bad_type", f"'{key}' must be a number in [0, 1]")
    if not math.isfinite(value):
        raise RequestError("not_finite", f"'{key}' must be finite, got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise RequestError("out_of_range", f"'{key}' must be in [0, 1], got {value}")
    return float(value)


def number(payload: dict, key: str, default=None) -> float:
    """Return payload[key] as a finite number (or default when absent), or raise."""
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError("bad_type", f"'{key}' must be a number")
    if not math.isfinite(value):
        raise RequestError("not_finite", f"'{key}' must be finite, got {value!r}")
    return float(value)


def unit(payload: dict, key: str) -> float:
    """Return payload[key] as a finite number in [0, 1], or raise."""
    value = number(payload, key)
    if not 0.0 <= value <= 1.0:
        raise RequestError("out_of_range", f"'{key}' must be in [0, 1], got {value}")
    return value
