"""Several server processes behind one Redis: which process renders each channel, and the way there.

Each channel renders in exactly one process, the one holding its lease (a Redis key set with NX and a
TTL, renewed by its holder). Its settings live in Redis beside the lease, so that another process can
take it over when the holder dies. Every other process keeps a mirror of the channel: its clients'
control and gaze events are sent to the holder (request and reply over Redis pub/sub, acknowledged once
the holder applied them), and the holder's frames, published once per frame, feed the mirror's viewers.

Keys (all expire): lease:<channel> (holder id, lease_ttl), settings:<channel> (JSON, settings_ttl),
watchers:<channel> (a sorted set of the processes with viewers, one member each, lease_ttl), revoked
(a sorted set of revoked token ids, each until its token would have expired).
Pub/sub channels: inbox:<process> (requests and replies), frames:<channel> (JPEGs), settings (changes),
revoked (new revocations).

Without a message queue none of this exists: every channel renders in the one process (web/routing.py).
Everything here runs on the server's loop (green threads under eventlet: the redis client's sockets are
patched), never on a render thread.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading  # green under eventlet
import time

import redis

from pipeline.authority import Tenure
from pipeline.errors import RequestError

log = logging.getLogger(__name__)
PREFIX = "gazecast:"
SETTINGS = PREFIX + "settings"  # the pub/sub channel of settings changes
REVOKED = PREFIX + "revoked"  # a sorted set of revoked token ids by expiry, and the pub/sub channel of new ones
LISTEN_TICK = 0.1  # seconds between checks of which channels' frames this process needs
REPLY_BATCH = 200  # replies sent to Redis in one round trip at most
SNAPSHOT_LISTEN = 15.0  # seconds a process listens to a channel's frames after a snapshot was asked for
# renew or release a lease only if this process still holds it
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def lease_key(name: str) -> str:
    return f"{PREFIX}lease:{name}"


def settings_key(name: str) -> str:
    return f"{PREFIX}settings:{name}"


def watchers_key(name: str) -> str:
    return f"{PREFIX}watchers:{name}"


def inbox(process: str) -> str:
    return f"{PREFIX}inbox:{process}"


def frames(name: str) -> str:
    return f"{PREFIX}frames:{name}"


class Cluster:
    """This process's part in a deployment of several: its leases, its mirrors, its requests in flight."""

    def __init__(self, config, manager, spawn, apply, authority=None):
        self.config, self.manager, self.spawn, self.authority = config, manager, spawn, authority
        self.apply = apply  # (channel, op, args) -> reply dict: how the holder applies a routed event
        self.id = secrets.token_hex(8)
        self.redis = redis.Redis.from_url(config.message_queue)
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self._waiting: dict[str, list] = {}  # request id -> [Event, reply]
        self._stopped = False
        self._snapshots: dict[str, float] = {}  # channel -> until when its frames are wanted for a snapshot
        self._subscribed: set[str] = set()  # the frame channels the listener has subscribed to
        self._holders: dict[str, tuple[str, float]] = {}  # channel -> (holder, until when to believe it)
        self._saved_gaze: dict[str, object] = {}  # channel -> the gaze sample last written to Redis
        self._unsaved: set[str] = set()  # channels whose last change could not be written to Redis
        manager.on_open = self._opened
        manager.on_close = self._closed
        manager.on_missing = self.adopt
        for channel in manager.channels.values():
            self._opened(channel)
        if authority is not None:
            try:
                now = time.time()
                for token_id, expires in self.redis.zrangebyscore(REVOKED, now, "+inf", withscores=True):
                    authority.revoked[token_id.decode()] = expires
            except redis.RedisError as exc:
                log.warning("cluster: revocations not loaded: %s", exc)

    def start(self) -> None:
        """Listen to this process's inbox, the frames and settings of every channel; tend the leases."""
        self.spawn(self._listen)
        self.spawn(self._tend)

    def stop(self) -> None:
        self._stopped = True

    # ---- placement -------------------------------------------------------------------------
    def _opened(self, channel) -> None:
        """A channel opened here starts as a mirror; its frames go to Redis whenever this process renders it."""
        channel.renders = False
        channel.broadcaster.on_frame = lambda jpeg, channel=channel: self._publish_frame(channel, jpeg)
        try:
            self.holder(channel)  # placed at once (here if free), so other processes find its settings
        except redis.RedisError as exc:
            log.warning("cluster: channel %s not placed yet: %s", channel.name, exc)

    def _closed(self, channel) -> None:
        self._saved_gaze.pop(channel.name, None)
        self.forget(channel.name)
        if channel.renders:
            self._save(channel)
            self._release(keys=[lease_key(channel.name)], args=[self.id])

    def holder(self, channel) -> str | None:
        """Return the process that renders the channel, taking the lease here if nobody holds it.

        Another process's lease is believed for lease_renew seconds without asking Redis again (one
        round trip less per routed event); a holder found gone is forgotten at once (forget())."""
        if channel.renders:
            return self.id
        cached = self._holders.get(channel.name)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        held = self.redis.get(lease_key(channel.name))
        if held is None and self._acquire(channel):
            return self.id
        held = held or self.redis.get(lease_key(channel.name))
        if held is None:
            return None
        self._holders[channel.name] = (held.decode(), time.monotonic() + self.config.lease_renew)
        return held.decode()

    def forget(self, name: str) -> None:
        """Ask Redis for the channel's holder next time."""
        self._holders.pop(name, None)

    def _acquire(self, channel) -> bool:
        """Try to take a free lease; on success render the channel here, with the settings in Redis."""
        if not self.redis.set(lease_key(channel.name), self.id, nx=True, px=self._ms(self.config.lease_ttl)):
            return False
        self.forget(channel.name)
        raw = self.redis.get(settings_key(channel.name))
        if raw is not None:
            channel.load_settings(json.loads(raw))
        channel.renders = True
        self._save(channel)
        channel.remote_viewers = self._remote_viewers(channel)
        log.info("process %s renders channel %s", self.id, channel.name)
        if channel.watched:
            channel.ensure_started()
        return True

    def _tend(self) -> None:
        """Every lease_renew seconds: renew the leases held here (a lost one stops rendering here), say
        which channels have viewers here, and take over the free leases of channels used here."""
        while not self._stopped:
            time.sleep(self.config.lease_renew)  # eventlet's sleep when patched
            for channel in list(self.manager.channels.values()):
                try:
                    self._tend_one(channel)
                except redis.RedisError as exc:
                    log.warning("cluster: channel %s: %s", channel.name, exc)

    def _tend_one(self, channel) -> None:
        name = channel.name
        if channel.renders:
            if not self._renew(keys=[lease_key(name)], args=[self.id, self._ms(self.config.lease_ttl)]):
                log.warning("process %s lost the lease of channel %s", self.id, name)
                channel.hand_over()
                return
            if name in self._unsaved or self._saved_gaze.get(name) is not channel.gaze:  # (the gaze a successor starts from)
                self._save(channel)
            else:
                self.redis.pexpire(settings_key(name), self._ms(self.config.settings_ttl))
            channel.remote_viewers = self._remote_viewers(channel)
            return
        if channel.viewers:
            self._watch(channel)
        if channel.viewers or channel.members:
            self._acquire(channel)

    def _watch(self, channel) -> None:
        """Count this process among those with viewers of the channel (until lease_ttl passes)."""
        key, ttl = watchers_key(channel.name), self.config.lease_ttl
        with self.redis.pipeline() as pipe:
            pipe.zadd(key, {self.id: time.time() + ttl})
            pipe.pexpire(key, self._ms(ttl))
            pipe.execute()

    def _remote_viewers(self, channel) -> int:
        """The other processes with viewers of the channel (stale members are dropped)."""
        key = watchers_key(channel.name)
        with self.redis.pipeline() as pipe:
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.zrange(key, 0, -1)
            members = pipe.execute()[1]
        return sum(m.decode() != self.id for m in members)

    def viewer_came(self, channel) -> None:
        """A viewer connected here: render here if nobody does, else tell the holder at once."""
        if channel.renders or self.holder(channel) == self.id:
            return
        self._watch(channel)
        self.call(channel, "watch", {}, wait=False)

    def adopt(self, name: str):
        """Open here a channel that another process opened (its settings are in Redis), or return None."""
        raw = self.redis.get(settings_key(name))
        if raw is None:
            return None
        settings = json.loads(raw)
        tenure = Tenure(**settings["tenure"]) if isinstance(settings.get("tenure"), dict) else None
        channel = self.manager.open(name, settings.get("source"), tenure=tenure)
        channel.load_settings(settings)
        return channel

    def _save(self, channel) -> None:
        """Write the settings of a channel rendered here to Redis and tell the mirrors."""
        tenure = channel.tenure
        settings = {**channel.settings(), "tenure": None if tenure is None else {
            "instance": tenure.instance, "owner": tenure.owner, "address": tenure.address,
            "configured": tenure.configured}}
        data = json.dumps(settings)
        with self.redis.pipeline() as pipe:
            pipe.set(settings_key(channel.name), data, px=self._ms(self.config.settings_ttl))
            pipe.publish(SETTINGS, json.dumps({"from": self.id, "channel": channel.name, "settings": settings}))
            pipe.execute()
        self._saved_gaze[channel.name] = channel.gaze
        self._unsaved.discard(channel.name)

    # ---- routing -----------------------------------------------------------------------------
    def call(self, channel, op: str, args: dict, wait: bool = True) -> dict | None:
        """Apply an event to a channel where it renders; return the holder's reply (raise its error).

        A reply that does not come within cluster_timeout is cluster_timeout; a holder whose inbox
        nobody reads any more (it died; its lease has not expired yet) is channel_moving; Redis out of
        reach is cluster_unavailable."""
        try:
            return self._call(channel, op, args, wait)
        except redis.RedisError as exc:
            raise RequestError("cluster_unavailable", f"Redis cannot be reached: {exc}") from None

    def _call(self, channel, op: str, args: dict, wait: bool) -> dict | None:
        holder = self.holder(channel)
        if holder == self.id:
            return self._apply_here(channel, op, args)
        if holder is None:
            raise RequestError("channel_moving", f"no process renders channel {channel.name!r} right now: retry")
        rid = secrets.token_hex(8)
        message = json.dumps({"id": rid, "from": self.id if wait else None, "op": op, "channel": channel.name,
                              "args": args})  # no sender: no reply wanted
        if not wait:
            if not self.redis.publish(inbox(holder), message):
                self.forget(channel.name)
            return None
        slot = self._waiting[rid] = [threading.Event(), None]
        try:
            if not self.redis.publish(inbox(holder), message):
                self.forget(channel.name)
                raise RequestError("channel_moving", f"the process rendering channel {channel.name!r} is gone: "
                                                     "another takes it over within seconds, retry")
            if not slot[0].wait(self.config.cluster_timeout):
                self.forget(channel.name)
                raise RequestError("cluster_timeout", f"the process rendering channel {channel.name!r} did not "
                                                      f"answer within {self.config.cluster_timeout:g} s")
        finally:
            self._waiting.pop(rid, None)
        reply = slot[1]
        if not reply.get("ok"):
            error = reply.get("error", {})
            if error.get("code") == "channel_moving":
                self.forget(channel.name)
            raise RequestError(error.get("code", "internal"), error.get("message", "failed"))
        if op == "control" and not channel.renders:
            channel.load_settings(reply["state"])  # this mirror shows the change before the ack, not after
        return reply

    def _apply_here(self, channel, op: str, args: dict) -> dict:
        reply = self.apply(channel, op, args)
        if op == "control":
            try:
                self._save(channel)  # before the ack: a process taking over from now on has the change
            except redis.RedisError as exc:  # applied here all the same: saved at the next renewal
                self._unsaved.add(channel.name)
                log.warning("cluster: settings of %s not saved yet: %s", channel.name, exc)
        return reply

    def _serve(self, request: dict) -> dict:
        """Apply a request from another process to a channel rendered here; return the reply to send."""
        channel = self.manager.channels.get(request.get("channel"))
        if channel is None or not channel.renders:
            return {"ok": False, "error": {"code": "channel_moving",
                                           "message": "this process does not render the channel any more: retry"}}
        try:
            return {"ok": True, **(self._apply_here(channel, request["op"], request.get("args") or {}) or {})}
        except RequestError as exc:
            return {"ok": False, "error": {"code": exc.code, "message": str(exc)}}
        except Exception:
            log.exception("cluster: %s failed", request.get("op"))
            return {"ok": False, "error": {"code": "internal", "message": "the rendering process failed"}}

    # ---- the listener ----------------------------------------------------------------------------
    def _publish_frame(self, channel, jpeg: bytes) -> None:
        """On the broadcaster's pump: send a frame rendered here to the other processes, once."""
        if channel.renders:
            try:
                self.redis.publish(frames(channel.name), jpeg)
            except redis.RedisError as exc:
                log.warning("cluster: frame of %s not published: %s", channel.name, exc)

    def _listen(self) -> None:
        """Read this process's inbox, the settings changes and the frames of the channels watched here
        but rendered elsewhere, until stopped. Subscriptions change here only (one thread owns the
        pub/sub connection), checked every LISTEN_TICK: a new viewer's first frame may wait that long."""
        while not self._stopped:
            pubsub, subscribed = self.redis.pubsub(ignore_subscribe_messages=True), set()
            try:
                pubsub.subscribe(inbox(self.id), SETTINGS, REVOKED)
                while not self._stopped:
                    wanted = self._wanted_frames()
                    if wanted - subscribed:
                        pubsub.subscribe(*(wanted - subscribed))
                    if subscribed - wanted:
                        pubsub.unsubscribe(*(subscribed - wanted))
                    subscribed = self._subscribed = wanted
                    deadline = time.monotonic() + LISTEN_TICK
                    while (left := deadline - time.monotonic()) > 0:
                        self._drain(pubsub, pubsub.get_message(timeout=left))
            except redis.RedisError as exc:
                log.warning("cluster: Redis listener: %s; again in 1 s", exc)
                time.sleep(1.0)
            finally:
                pubsub.close()

    def _wanted_frames(self) -> set[str]:
        """The frame channels to listen to: those of mirrors with viewers or a snapshot asked for."""
        now = time.monotonic()
        for name, until in list(self._snapshots.items()):
            if until < now:
                del self._snapshots[name]
        return {frames(name) for name, channel in self.manager.channels.items()
                if not channel.renders and (channel.viewers or name in self._snapshots)}

    def want_frame(self, channel, patience: float = 1.0) -> None:
        """A snapshot is asked for here: listen to the channel's frames for a while (from now on: this
        returns once the subscription is sent, so a frame asked for after it is not missed)."""
        self._snapshots[channel.name] = time.monotonic() + SNAPSHOT_LISTEN
        deadline = time.monotonic() + patience
        while frames(channel.name) not in self._subscribed and time.monotonic() < deadline:
            time.sleep(0.01)  # eventlet's sleep when patched

    def _drain(self, pubsub, message) -> None:
        """Handle a message and every one already waiting behind it (up to REPLY_BATCH), then send
        their replies in one round trip to Redis: under load, one per batch instead of one per event."""
        replies = []
        while message is not None:
            reply = self._dispatch(message)
            if reply is not None:
                replies.append(reply)
            if len(replies) >= REPLY_BATCH:
                break
            message = pubsub.get_message(timeout=0)
        if replies:
            with self.redis.pipeline(transaction=False) as pipe:
                for to, data in replies:
                    pipe.publish(to, data)
                pipe.execute()

    def _dispatch(self, message: dict) -> tuple[str, str] | None:
        """Handle one pub/sub message; return the reply to send, if it was a request."""
        topic, data = message["channel"].decode(), message["data"]
        if topic.startswith(PREFIX + "frames:"):
            channel = self.manager.channels.get(topic[len(PREFIX + "frames:"):])
            if channel is not None and not channel.renders:
                channel.broadcaster.publish(data)
            return None
        try:
            body = json.loads(data)
        except ValueError:
            return None
        if topic == REVOKED:
            if self.authority is not None and isinstance(body.get("id"), str):
                self.authority.revoked[body["id"]] = float(body.get("expires", 0))
        elif topic == SETTINGS:
            channel = self.manager.channels.get(body.get("channel"))
            if body.get("from") != self.id and channel is not None and not channel.renders:
                channel.load_settings(body["settings"])
        elif "reply" in body:
            slot = self._waiting.get(body.get("id"))
            if slot is not None:
                slot[1] = body["reply"]
                slot[0].set()
        else:
            reply = self._serve(body)
            if body.get("from"):
                return inbox(body["from"]), json.dumps({"id": body.get("id"), "reply": reply})
        return None

    # ---- revocations ---------------------------------------------------------------------------
    def share_revocation(self, token_id: str, expires: float) -> None:
        """Tell every process (and those started later) that a token is revoked. The set keeps a token
        until it expires anyway, so it holds at most the tokens still valid."""
        now = time.time()
        with self.redis.pipeline() as pipe:
            pipe.zadd(REVOKED, {token_id: expires})
            pipe.zremrangebyscore(REVOKED, "-inf", now)
            pipe.expireat(REVOKED, int(max(expires, now)) + 1, gt=True)
            pipe.expireat(REVOKED, int(max(expires, now)) + 1, nx=True)
            pipe.publish(REVOKED, json.dumps({"id": token_id, "expires": expires}))
            pipe.execute()

    # ---- reporting -------------------------------------------------------------------------------
    def health(self) -> dict:
        return {"process": self.id, "renders": sorted(n for n, c in self.manager.channels.items() if c.renders)}

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, int(seconds * 1000))

