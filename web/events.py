"""Socket.IO handlers: decode the payload, check the rate and the right, call the channel, acknowledge."""
from __future__ import annotations

import time

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room, leave_room

from gaze import GazeSample
from pipeline.authority import EVERY_CHANNEL, ROLES, Tenure
from pipeline.errors import RequestError, number, unit
from pipeline.limits import check_rate
from pipeline.manager import check_name
from pipeline.osthread import offload
from pipeline.tracking import filter_specs

from . import socketio
from .acks import acked
from .authority import authority, connections, principal, principal_of, require, rights, role
from .connections import Connection
from .context import gaze_room, manager, room, trackers
from .routing import CONTROL_FIELDS, cluster, drive, route

PROTOCOL = 1


def check_name_ok(name: str) -> bool:
    """Whether a name a client asked for at connect is a valid channel name (a bad one gets main)."""
    try:
        check_name(name)
        return True
    except RequestError:
        return False


class GazecastNamespace(Namespace):
    """The default namespace: every client is in one channel's room, and in its operators' room if it may
    read the channel's gaze."""

    def _conn(self, kind: str | None = None) -> Connection:
        """Return the asking connection, after spending one event of its `kind` rate."""
        conn = connections().get(request.sid)
        if conn is None:
            raise RequestError("disconnected", "this connection has closed")
        if kind is not None:
            check_rate(conn.buckets[kind], kind)
        return conn

    def _channel(self, payload: dict, right: str | None = None):
        """Return the channel an event names (or the connection's), if the asker has `right` on it."""
        name = payload.get("channel")
        channel = manager().get(self._conn().channel if name is None else check_name(name))
        if right is not None:
            require(right, channel)
        return channel

    def _enter(self, conn: Connection, channel, sid: str | None = None) -> None:
        conn.channel = channel.name
        join_room(room(channel.name), sid=sid)
        self._regroup(conn, channel, sid)
        manager().attach(channel.name, +1)

    def _regroup(self, conn: Connection, channel, sid: str | None = None) -> None:
        """Put a connection in or out of the channel's operators' room, as its right to read gaze says."""
        if "read_gaze" in rights(channel, principal_of(conn)):
            join_room(gaze_room(channel.name), sid=sid)
        else:
            leave_room(gaze_room(channel.name), sid=sid)

    def _leave(self, conn: Connection) -> None:
        leave_room(room(conn.channel))
        leave_room(gaze_room(conn.channel))
        manager().attach(conn.channel, -1)

    def on_connect(self, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        name = auth.get("channel")
        channel = manager().find(name) if isinstance(name, str) and check_name_ok(name) else None
        channel = channel or manager().get("main")
        who = principal(auth.get("token"))
        try:
            require("view", channel, who)
            conn = connections().add(request.sid, who.address, channel.name)
        except RequestError as exc:
            raise ConnectionRefusedError({"code": exc.code, "message": str(exc)}) from None
        conn.user_id = who.user_id
        for token in who.tokens:
            conn.add_token(token)
        trackers().open(request.sid)
        self._enter(conn, channel)
        emit("state", channel.state())

    def on_disconnect(self, reason=None):
        conn = connections().remove(request.sid)
        if conn is not None:
            manager().attach(conn.channel, -1)
        trackers().drop(request.sid)

    @acked
    def on_join(self, payload):
        conn = self._conn("control")
        name, token = check_name(payload.get("channel", "main")), payload.get("token")
        if token is not None and not isinstance(token, str):
            raise RequestError("bad_type", "'token' must be a string")
        channel, given = manager().find(name), None
        if channel is None:
            channel, given = self._create(conn, name)
        require("view", channel, principal(token))
        conn.add_token(token)
        self._leave(conn)
        self._enter(conn, channel)
        reply = {"protocol": PROTOCOL, "state": channel.state(), "effects": manager().effects(),
                 "filter": filter_specs(), "role": role(channel), "rights": sorted(rights(channel))}
        return {**reply, "token": given} if given else reply

    def _create(self, conn: Connection, name: str):
        """Open a channel owned by the asker; in tokens mode, give it the owner's token."""
        who = principal()
        if not authority().may_create(who):
            raise RequestError("forbidden", "only invited clients may open channels on this server")
        owner = f"user:{who.user_id}" if who.user_id is not None else conn.subject
        channel = manager().open(name, tenure=Tenure.new(owner, conn.address))
        if authority().open:
            return channel, None
        token, _ = authority().mint(name, channel.tenure.instance, "owner", owner)
        conn.add_token(token)
        return channel, token

    @acked
    def on_gaze(self, payload):
        self._conn("gaze")
        channel = self._channel(payload, "gaze")
        t = number(payload, "t", time.time())
        source = payload.get("source", "mouse")
        if source not in ("mouse", "external"):
            raise RequestError("bad_request", "'source' must be 'mouse' or 'external'")
        sample = GazeSample(t=t, x=unit(payload, "x"), y=unit(payload, "y"),
                            source=source, t_server=time.time())
        drive(channel, sample, wait=True)  # acknowledged once the rendering process has it
        self.keep(channel, sample)  # into the user's recording, if one runs (web/record_events.py)
        emit("gaze", {"channel": channel.name, **sample.to_dict()}, to=gaze_room(channel.name), include_self=False)
        return None

    @acked
    def on_control(self, payload):
        self._conn("control")
        channel = self._channel(payload, "control")
        unknown = set(payload) - {"channel", "effect", "enabled", "params", "order", "filter", "source", "size"}
        if unknown:
            raise RequestError("bad_request", f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        source, size = payload.get("source"), payload.get("size")
        if source is not None or size is not None:
            require("reconfigure", channel)
        manager().check_reconfigure(source, size)
        state = route(channel, "control", {k: payload[k] for k in CONTROL_FIELDS if k in payload})["state"]
        emit("state", state, to=room(channel.name))
        return {"state": state}

    @acked
    def on_invite(self, payload):
        self._conn("control")
        channel = self._channel(payload, "invite")
        given = payload.get("role", "operator")
        if not isinstance(given, str):
            raise RequestError("bad_type", "'role' must be a string")
        if given not in ROLES[1:]:
            raise RequestError("bad_request", f"'role' must be one of {', '.join(ROLES[1:])}")
        life = number(payload, "expires_in", authority().max_age)
        if not 0 < life <= authority().max_age:
            raise RequestError("out_of_range", f"'expires_in' must be in (0, {authority().max_age:g}] seconds")
        token, claims = authority().mint(channel.name, channel.tenure.instance, given, expires_in=life)
        return {"token": token, **claims.to_dict()}

    @acked
    def on_revoke(self, payload):
        self._conn("control")
        token = payload.get("token")
        if not isinstance(token, str):
            raise RequestError("bad_type", "'token' must be a string")
        claims = authority().claims(token)
        if claims is None:
            raise RequestError("bad_token", "not a valid token, or expired, or revoked already")
        if claims.channel == EVERY_CHANNEL or claims.channel not in manager().channels:
            if not authority().is_admin(principal()):
                raise RequestError("forbidden", "only the server's token may revoke this token")
        else:
            require("invite", manager().get(claims.channel))
        authority().revoke(claims)
        offload(authority().save)
        if cluster() is not None:  # every process of the deployment refuses the token from now on
            cluster().share_revocation(claims.id, claims.expires)
        for conn in connections().holding(token):
            if conn.channel in manager().channels:
                self._regroup(conn, manager().get(conn.channel), conn.sid)
        return {"revoked": claims.id}


from .record_events import RecordEvents  # noqa: E402
from .tracking import TrackingEvents  # noqa: E402


class Handlers(RecordEvents, GazecastNamespace, TrackingEvents):
    """The default namespace with every handler."""


socketio.on_namespace(Handlers("/"))
