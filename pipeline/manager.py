"""All channels of one server process, the effect catalogue, and the devices they run on."""
from __future__ import annotations

import glob
import re
import time
from pathlib import Path

from render.effects import load_effects
from render.watch import ShaderWatcher

from .authority import CONFIGURED, Tenure
from .channel import Channel
from .errors import RequestError
from .limits import check_output_size
from .osthread import offload, trim_memory
from .sources import IMAGE_SUFFIXES

VIDEO_SUFFIXES = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mjpeg", ".mjpg", ".y4m"}

_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")  # matched against the whole name: "main\n" is not a name


def check_name(name) -> str:
    """Return a valid channel name, or raise bad_type / bad_channel."""
    if not isinstance(name, str):
        raise RequestError("bad_type", "a channel name must be a string")
    if not _NAME.fullmatch(name):
        raise RequestError("bad_channel", "a channel name is 1-40 letters, digits, '-' or '_'")
    return name


class ChannelManager:
    """Create channels on demand, within the limits; close those nobody uses; describe them for /healthz."""

    def __init__(self, config, spawn, on_state=None, watch_interval: float = 0.5):
        self.config = config
        self.spawn = spawn  # starts a task on the server's loop (socketio.start_background_task)
        self.on_state = on_state or (lambda channel: None)  # tells a channel's clients its new state
        self.specs = load_effects(config.shaders_dir)
        self.channels: dict[str, Channel] = {}
        self.on_open = lambda channel: None  # told of each channel opened (web/cluster.py)
        self.on_close = lambda channel: None  # told of each channel closed
        self.on_missing = lambda name: None  # may open a channel that another process opened (or return None)
        self._closed = False
        self.open("main", tenure=Tenure(CONFIGURED, configured=True))
        self.watcher = ShaderWatcher(config.shaders_dir)
        if watch_interval:
            spawn(self._watch, watch_interval)

    def _watch(self, interval: float) -> None:
        """On the server's loop: reload edited shaders and publish state changed by the render threads."""
        seen: dict[str, int] = {}
        while not self._closed:
            time.sleep(interval)  # eventlet's sleep when patched
            changes = self.watcher.poll()
            if changes:
                for name in changes.removed:
                    self.specs.pop(name, None)
                for spec in changes.changed + changes.added:
                    self.specs[spec.name] = spec
                for channel in list(self.channels.values()):
                    channel.reload(changes)
            for channel in list(self.channels.values()):
                if seen.get(channel.name) != channel.state_version:
                    seen[channel.name] = channel.state_version
                    self.on_state(channel)
            self.reap(time.monotonic())
            for name in set(seen) - set(self.channels):
                del seen[name]

    def open(self, name: str, source: str | None = None, tenure: Tenure | None = None) -> Channel:
        """Return channel `name`, creating it (idle until someone watches) if needed, within the limits
        of channels per server, per creating address and per owner."""
        check_name(name)
        if name in self.channels:
            return self.channels[name]
        tenure = tenure or Tenure.new()
        self._check_room(tenure)
        channel = self.channels[name] = Channel(name, self.config, self.specs, source)
        channel.tenure = tenure
        self.on_open(channel)
        self.spawn(channel.broadcaster.pump)
        return channel

    def _check_room(self, tenure: Tenure) -> None:
        """Refuse a new channel over a limit with too_many_channels."""
        c, tenures = self.config, [ch.tenure for ch in self.channels.values()]
        if len(tenures) >= c.max_channels:
            raise RequestError("too_many_channels", f"this server has its {c.max_channels} channels open")
        if tenure.address is not None and sum(t.address == tenure.address for t in tenures) >= c.max_channels_per_address:
            raise RequestError("too_many_channels", f"{tenure.address} has {c.max_channels_per_address} "
                                                    "channels open already")
        if tenure.owner is not None and sum(t.owner == tenure.owner for t in tenures) >= c.max_channels_per_user:
            raise RequestError("too_many_channels", f"you own {c.max_channels_per_user} open channels already")

    def attach(self, name: str, delta: int) -> None:
        """Count a Socket.IO connection into (+1) or out of (-1) a channel's room."""
        channel = self.channels.get(name)
        if channel is not None:
            channel.members = max(0, channel.members + delta)
            channel.last_active = time.monotonic()

    def reap(self, now: float) -> list[str]:
        """Close the channels opened by clients that nobody has watched or joined for config.channel_idle
        seconds (configured channels only lose their render thread, after config.render_idle)."""
        idle = [ch for ch in self.channels.values()
                if not ch.tenure.configured and ch.idle_for(now) >= self.config.channel_idle]
        for channel in idle:
            del self.channels[channel.name]
            self.on_close(channel)
            self.spawn(self._retire, channel)
        return [ch.name for ch in idle]

    def _retire(self, channel: Channel, patience: float = 30.0) -> None:
        """On the server's loop: stop a channel's render thread, wait for it without blocking, then close
        its broadcaster (whose pump frees the pipe) and hand the memory back."""
        thread = channel.stop()
        deadline = time.monotonic() + patience
        while thread is not None and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # eventlet's sleep when patched
        channel.broadcaster.close()
        offload(trim_memory)

    def find(self, name: str) -> Channel | None:
        """Return an open channel, opened elsewhere (with a message queue) and mirrored here, or None."""
        return self.channels.get(name) or self.on_missing(name)

    def get(self, name) -> Channel:
        """Return an existing channel or raise unknown_channel."""
        channel = self.find(name) if isinstance(name, str) else None
        if channel is None:
            raise RequestError("unknown_channel", f"no channel named {name!r}")
        return channel

    def check_reconfigure(self, source=None, size=None) -> None:
        """Check a source or size change from a client (raise RequestError if refused)."""
        if source is not None and (not isinstance(source, str) or source not in self.sources()):
            raise RequestError("unknown_source", f"{source!r} is not one of the sources of /api/sources")
        if size is not None:
            check_output_size(size, self.config.max_output_pixels)

    def sources(self) -> list[str]:
        """Return what a client may choose as content: demo, mirror, server cameras, media files."""
        media = Path(self.config.media_dir)
        files = sorted(str(p) for p in media.glob("*")
                       if p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES) if media.is_dir() else []
        cameras = sorted(f"camera:{int(d[len('/dev/video'):])}" for d in glob.glob("/dev/video[0-9]*"))
        return ["demo", "mirror", *cameras, *files]

    def effects(self) -> list[dict]:
        """Return every effect with its parameters."""
        return [s.to_dict() for s in self.specs.values()]

    def health(self) -> dict:
        """Return the frame rate, viewers, timings and errors of every channel."""
        now = time.time()
        return {name: {"viewers": c.viewers, "fps": round(c.stats.fps(now), 2),
                       "frames": c.stats.frames, "rerenders": c.stats.rerenders,
                       "stage_ms": c.stats.medians_ms(), "size": list(c.size),
                       "source": c.source_spec, "gl": c.gl_info, "render_path": c.render_path,
                       "error": c.error, "running": c.running, "connections": c.members}
                for name, c in self.channels.items()}

    def close(self) -> None:
        """Stop every channel and the watcher."""
        self._closed = True
        for channel in self.channels.values():
            channel.close()
