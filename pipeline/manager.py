"""All channels of one server process, the effect catalogue, and the devices they run on."""
from __future__ import annotations

import glob
import re
import time
from pathlib import Path

from render.effects import load_effects
from render.watch import ShaderWatcher

from .channel import Channel
from .errors import RequestError
from .sources import IMAGE_SUFFIXES

VIDEO_SUFFIXES = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mjpeg", ".mjpg", ".y4m"}

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class ChannelManager:
    """Create channels on demand and describe them for /healthz."""

    def __init__(self, config, spawn, on_state=None, watch_interval: float = 0.5):
        self.config = config
        self.spawn = spawn  # starts a task on the server's loop (socketio.start_background_task)
        self.on_state = on_state or (lambda channel: None)  # tells a channel's clients its new state
        self.specs = load_effects(config.shaders_dir)
        self.channels: dict[str, Channel] = {}
        self._closed = False
        self.open("main")
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

    def open(self, name: str, source: str | None = None) -> Channel:
        """Return channel `name`, creating it (idle until someone watches) if needed."""
        if name in self.channels:
            return self.channels[name]
        if not isinstance(name, str) or not _NAME.match(name):
            raise RequestError("bad_channel", "a channel name is 1-40 letters, digits, '-' or '_'")
        channel = self.channels[name] = Channel(name, self.config, self.specs, source)
        self.spawn(channel.broadcaster.pump)
        return channel

    def get(self, name) -> Channel:
        """Return an existing channel or raise unknown_channel."""
        channel = self.channels.get(name) if isinstance(name, str) else None
        if channel is None:
            raise RequestError("unknown_channel", f"no channel named {name!r}")
        return channel

    def check_reconfigure(self, source=None, size=None) -> None:
        """Check a source or size change from a client (raise RequestError if refused)."""
        if source is not None and source not in self.sources():
            raise RequestError("unknown_source", f"{source!r} is not one of the sources of /api/sources")
        if size is not None:
            ok = (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                    for v in size))
            if not ok or not (64 <= size[0] <= 3840 and 64 <= size[1] <= 2160) or size[0] % 2 or size[1] % 2:
                raise RequestError("bad_size", "size must be [width, height], even, 64x64 to 3840x2160")

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
                       "error": c.error}
                for name, c in self.channels.items()}

    def close(self) -> None:
        """Stop every channel and the watcher."""
        self._closed = True
        for channel in self.channels.values():
            channel.close()
