"""Socket.IO handlers for webcam frames and calibration (mixed into the default namespace)."""
from __future__ import annotations

import time

from flask import current_app, request
from flask_socketio import emit

from pipeline.errors import RequestError, number
from pipeline.limits import check_frame_image
from pipeline.tracking import check_view

from .acks import acked
from .authority import rights
from .context import gaze_room, trackers
from .routing import drive


def _frame_payload(payload: dict) -> tuple[bytes, float, list | None]:
    """Check a `frame` payload: JPEG bytes within the size limit, a timestamp, an optional view, and
    decoded pixels within the limit as its header declares them (nothing is decoded here)."""
    jpeg = payload.get("jpeg")
    if not isinstance(jpeg, (bytes, bytearray)):
        raise RequestError("bad_type", "'jpeg' must be binary JPEG data")
    config = current_app.config["GAZECAST"]
    if len(jpeg) > config.max_frame_bytes:
        raise RequestError("payload_too_large", f"a frame may have at most {config.max_frame_bytes} bytes, "
                                                f"got {len(jpeg)}")
    t, view = number(payload, "t", time.time()), check_view(payload.get("view"))
    check_frame_image(jpeg, config.max_frame_pixels)
    return bytes(jpeg), t, view


class TrackingEvents:
    """Webcam frames and calibration, mixed into the namespace."""

    @acked
    def on_frame(self, payload):
        conn = self._conn("frame")
        limit = current_app.config["GAZECAST"].max_frames_in_flight
        if conn.frames >= limit:  # refused at once: a frame that waited would hold its bytes and a worker
            raise RequestError("rate_limited", f"at most {limit} frames in flight: wait for an ack")
        conn.frames += 1
        try:
            return self._frame(payload)
        finally:
            conn.frames -= 1

    def _frame(self, payload: dict) -> dict:
        channel = self._channel(payload, "gaze")
        jpeg, t, view = _frame_payload(payload)
        if "reconfigure" in rights(channel):  # a `mirror` channel shows its operators' webcam
            channel.push_webcam(jpeg)
        result = trackers().get(request.sid).process(jpeg, t, view, channel.filter)
        sample = result["sample"]
        if sample is not None:
            drive(channel, sample)  # here, or where the channel renders (web/routing.py)
            self.keep(channel, sample, result["events"])  # into the user's recording (web/record_events.py)
            emit("gaze", {"channel": channel.name, **sample.to_dict()}, to=gaze_room(channel.name), include_self=False)
        return {"gaze": sample.to_dict() if sample else None, "reason": result["reason"],
                "events": result["events"], "timings": result["timings"]}

    @acked
    def on_calibration(self, payload):
        self._conn("control")
        self._channel(payload, "gaze")  # calibrating is for those whose gaze may drive the channel
        return trackers().get(request.sid).calibration(payload.get("action"), payload)
