"""The error every layer raises for a bad request (web turns it into an error acknowledgement),
and the payload checks that raise it."""
import math


class RequestError(ValueError):
    """A request the server refuses; .code is the protocol's machine-readable error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


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
