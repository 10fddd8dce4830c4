"""The recordings running in this server process, by user and channel, and what feeds them."""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from flask import current_app

from gaze.filters import FixationDetector
from pipeline.errors import RequestError
from pipeline.osthread import offload
from store import StoreError

from . import socketio
from .database import service


@dataclass
class LiveRecording:
    """One running recording: its id, and a fixation detector for gaze that comes without events."""

    id: str
    user_id: str
    channel: str
    detector: FixationDetector = field(default_factory=FixationDetector)


def live() -> "LiveRecordings":
    """Return the running recordings of the current app."""
    return current_app.extensions["gazecast.live"]


def stored(fn, *args, **kwargs):
    """Call a store method off the loop; turn its refusal into the protocol's error."""
    try:
        return offload(functools.partial(fn, *args, **kwargs))
    except StoreError as exc:
        raise RequestError(exc.code, str(exc)) from None


class LiveRecordings:
    """(user id, channel) -> LiveRecording, plus the task that pushes each one's progress to its user."""

    def __init__(self, app):
        self.app = app
        self.by_key: dict[tuple[str, str], LiveRecording] = {}
        self._pushing = False

    def start(self, account, channel, calibration_id=None, name=None) -> dict:
        """Start recording a user's gaze on a channel; return the start ack."""
        if (account.id, channel.name) in self.by_key:
            running = self.by_key[(account.id, channel.name)]
            raise RequestError("already_recording", f"recording {running.id} is running on this channel: stop it first")
        if calibration_id is not None:
            stored(service("calibrations").get, account.id, calibration_id)  # mine, or not found
        config = current_app.config["GAZECAST"]
        rec = stored(service("recorder").begin, account.id, channel=channel.name, source=channel.source_spec,
                     size=list(channel.size), fps=getattr(channel.source, "fps", None) or config.fps,
                     chain=channel.effects.to_list(), filter=dict(channel.filter), calibration_id=calibration_id,
                     name=name)
        self.by_key[(account.id, channel.name)] = LiveRecording(rec.id, account.id, channel.name)
        self._push_progress()
        return {"id": rec.id, "name": rec.name, "started_at": rec.started_at.isoformat()}

    def stop(self, account, channel_name: str) -> dict:
        """Stop a user's recording on a channel; return the stop ack with the stored count."""
        running = self.by_key.get((account.id, channel_name))
        if running is None:
            raise RequestError("not_recording", "no recording is running on this channel")
        self._close_fixation(running)
        result = stored(service("recorder").stop, account.id, running.id)
        self.by_key.pop((account.id, channel_name), None)
        ack = {"id": running.id, "samples": result["samples"], "dropped": result["dropped"],
               "duration": round(result["recording"].duration, 3)}
        socketio.emit("recording", {**ack, "channel": channel_name, "running": False}, to=f"u:{account.id}")
        return ack

    def keep(self, account, channel_name: str, sample, events=()) -> None:
        """Hand a gaze sample of this user's connection to their recording on the channel, if one runs."""
        running = self.by_key.get((account.id, channel_name)) if account is not None else None
        if running is None:
            return
        now = sample.t_server or time.time()
        try:
            if sample.source == "cnn":  # the tracker's filter made the events, on the client's clock
                service("recorder").add(running.id, sample.to_dict(), events, now, now - sample.t)
            else:
                found = [] if sample.blink else running.detector.update(sample.x, sample.y, now)
                service("recorder").add(running.id, sample.to_dict(), found, now, 0.0)
        except StoreError:  # stopping (a stop waits for the database), or stopped elsewhere: gaze goes on
            if service("recorder").status(running.id) is None:
                self.by_key.pop((account.id, channel_name), None)

    @staticmethod
    def _close_fixation(running: LiveRecording) -> None:
        """Keep the fixation the gaze is in when the recording stops (the detector would end it on the next move)."""
        window = running.detector.window
        if running.detector.fixating and window:
            t0, t1 = window[0][0], window[-1][0]
            x, y = sum(p[1] for p in window) / len(window), sum(p[2] for p in window) / len(window)
            end = {"type": "fixation_end", "t": t1, "start": t0, "duration": round(t1 - t0, 4), "x": x, "y": y}
            try:
                service("recorder").add_batch(running.id, [], [end])
            except StoreError:
                pass

    def status(self, account, channel_name: str) -> dict | None:
        """Return a user's running recording on a channel, with its counts."""
        running = self.by_key.get((account.id, channel_name))
        if running is None:
            return None
        return {"id": running.id, "channel": channel_name, **(service("recorder").status(running.id) or {})}

    def _push_progress(self) -> None:
        """Start (once) the task that sends each running recording's counts to its user every second."""
        if not self._pushing:
            self._pushing = True
            socketio.start_background_task(self._push_loop)

    def _push_loop(self) -> None:
        with self.app.app_context():
            while self.by_key:
                for (user_id, channel_name), running in list(self.by_key.items()):
                    counts = service("recorder").status(running.id)
                    if counts is not None:
                        socketio.emit("recording", {"id": running.id, "channel": channel_name, "running": True,
                                                    **counts}, to=f"u:{user_id}")
                socketio.sleep(1.0)
            self._pushing = False
