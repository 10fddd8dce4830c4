"""The acknowledgement wrapper of the Socket.IO handlers."""
from __future__ import annotations

import functools
import logging

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
