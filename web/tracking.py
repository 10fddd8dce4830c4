"""Socket.IO handlers for webcam frames and calibration (mixed into the default namespace)."""
from __future__ import annotations

import time

from flask import current_app, request
from flask_socketio import emit

from pipeline.errors import RequestError, number
from pipeline.tracking import check_view

from .acks import acked
from .context import trackers


def _frame_payload(payload: dict) -> tuple[bytes, float, list | None]:
    """Check a `frame` payload: JPEG bytes within the size limit, a timestamp, an optional view."""
    jpeg = payload.get("jpeg")
    if not isinstance(jpeg, (bytes, bytearray)):
        raise RequestError("bad_type", "'jpeg' must be binary JPEG data")
    limit = current_app.config["GAZECAST"].max_frame_bytes
    if len(jpeg) > limit:
        raise RequestError("payload_too_large", f"a frame may have at most {limit} bytes, got {len(jpeg)}")
    return bytes(jpeg), number(payload, "t", time.time()), check_view(payload.get("view"))


class TrackingEvents:
    """Webcam frames and calibration, mixed into the namespace."""

    @acked
    def on_frame(self, payload):
        channel = self._channel(payload)
        jpeg, t, view = _frame_payload(payload)
        channel.push_webcam(jpeg)
        result = trackers().get(request.sid).process(jpeg, t, view, channel.filter)
        sample = result["sample"]
        if sample is not None:
            channel.set_gaze(sample)
            self.keep(channel, sample, result["events"])  # into the user's recording (web/record_events.py)
            emit("gaze", {"channel": channel.name, **sample.to_dict()}, to=f"ch:{channel.name}",
                 include_self=False)
        return {"gaze": sample.to_dict() if sample else None, "reason": result["reason"],
                "events": result["events"], "timings": result["timings"]}

    @acked
    def on_calibration(self, payload):
        return trackers().get(request.sid).calibration(payload.get("action"), payload)
