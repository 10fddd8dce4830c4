"""Socket.IO handlers of the user-data half: the connection's account, `record`, `calibrations`, `preset`."""
from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask_socketio import join_room

from gaze.calibration import Calibration as Fit
from pipeline.errors import RequestError

from .acks import acked
from .authority import connections
from .context import manager
from .database import service
from .identity import current_account, forget_socket, remember_socket, sockets_of
from .live import live, stored
from .presets import apply_preset
from .replays import replays


def _channel_of(sid: str) -> str | None:
    """Return the channel a connection is in (None once it has gone)."""
    conn = connections().get(sid)
    return None if conn is None else conn.channel


def _account():
    """Return the connection's account, or refuse: keeping anything needs one."""
    account = current_account()
    if account is None:
        raise RequestError("login_required", "log in to keep recordings, calibrations and presets")
    return account


class RecordEvents:
    """Mixed into the namespace before GazecastNamespace: wraps connect/disconnect, adds the events."""

    def on_connect(self, auth=None):
        super().on_connect(auth)
        account = remember_socket(request.sid)
        if account is not None:
            join_room(f"u:{account.id}")  # recording progress and replay progress go to all of a user's pages

    def on_disconnect(self, reason=None):
        account, name = current_account(), _channel_of(request.sid)
        super().on_disconnect(reason)
        forget_socket(request.sid)
        others = [sid for sid in sockets_of(account.id) if _channel_of(sid) == name] if account else []
        if account is not None and not others and live().status(account, name):
            try:  # the user's last page on the channel closed: the recording ends, nothing it took is lost
                live().stop(account, name)
            except RequestError:
                pass

    def keep(self, channel, sample, events=()) -> None:
        """Record a gaze sample of this connection if its user records on the channel (never refuses)."""
        live().keep(current_account(), channel.name, sample, events)

    @acked
    def on_record(self, payload):
        self._conn("control")
        account, channel = _account(), self._channel(payload, "view")
        action = payload.get("action")
        if action == "start":
            return live().start(account, channel, payload.get("calibration_id"), payload.get("name"))
        if action == "stop":
            return live().stop(account, channel.name)
        if action == "status":
            return {"recording": live().status(account, channel.name)}
        if action == "samples":
            return self._samples(account, channel, payload.get("samples"))
        raise RequestError("bad_request", "action must be start, stop, status or samples")

    def _samples(self, account, channel, samples):
        """Record a batch of external samples: every one is checked before any is kept."""
        running = live().by_key.get((account.id, channel.name))
        if running is None:
            raise RequestError("not_recording", "start a recording first")
        if not isinstance(samples, list) or not 1 <= len(samples) <= 1000:
            raise RequestError("bad_request", "'samples' must be a list of 1 to 1000 samples")
        if any(not isinstance(s, dict) for s in samples):
            raise RequestError("bad_sample", "each sample must be an object")
        count = stored_now(service("recorder").add_batch, running.id, [{**s, "source": "external"} for s in samples])
        return {"id": running.id, "samples": count}

    @acked
    def on_calibrations(self, payload):
        self._conn("control")
        account, action, calibrations = _account(), payload.get("action"), service("calibrations")
        if action == "save":
            return stored(calibrations.save, account.id, _fit(payload.get("calibration")), payload.get("report"),
                          payload.get("points"))
        if action == "list":
            return {"calibrations": stored(calibrations.history, account.id)}
        if action == "load":
            return stored(calibrations.get, account.id, payload.get("id"))
        if action == "delete":
            stored(calibrations.delete, account.id, payload.get("id"))
            return {}
        raise RequestError("bad_request", "action must be save, list, load or delete")

    @acked
    def on_preset(self, payload):
        self._conn("control")
        account, action, presets = _account(), payload.get("action"), service("presets")
        if action == "save":
            channel = self._channel(payload)
            effects = {s.name: [asdict(p) for p in s.params] for s in manager().specs.values()}
            return {"preset": stored(presets.save, account.id, payload.get("name"), channel.effects.to_list(),
                                     effects, dict(channel.filter), payload.get("shared", False))}
        if action == "list":
            return stored(presets.list, account.id)
        if action == "load":
            preset = stored(presets.find, account.id, payload.get("id"), payload.get("name"), payload.get("owner"))
            return {"preset": preset, "state": apply_preset(self._channel(payload, "control"), preset)}
        if action == "delete":
            stored(presets.delete, account.id, payload.get("id"))
            return {}
        raise RequestError("bad_request", "action must be save, list, load or delete")


    @acked
    def on_replay(self, payload):
        self._conn("control")
        account = _account()
        rec = stored(service("recordings").get, account.id, payload.get("id"))
        if rec.status == "recording":
            raise RequestError("recording_running", "stop the recording before replaying it")
        return {"job": replays().start(account.id, rec.id)}


def _fit(calibration):
    """Return a calibration the gaze package can load (what `calibration` `load` will take), or refuse it."""
    try:
        Fit.from_dict(calibration)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RequestError("bad_calibration", f"not a calibration: {exc}") from None
    return calibration


def stored_now(fn, *args):
    """Call a store method that only touches memory (the recorder's buffer), on the loop."""
    from store import StoreError

    try:
        return fn(*args)
    except StoreError as exc:
        raise RequestError(exc.code, str(exc)) from None
