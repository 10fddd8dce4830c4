"""All channels of one server process, the effect catalogue, and the devices they run on."""
from __future__ import annotations

import re
import time

from render.effects import load_effects

from .channel import Channel
from .errors import RequestError

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class ChannelManager:
    """Create channels on demand and describe them for /healthz."""

    def __init__(self, config, spawn):
        self.config = config
        self.spawn = spawn  # starts a task on the server's loop (socketio.start_background_task)
        self.specs = load_effects(config.shaders_dir)
        self.channels: dict[str, Channel] = {}
        self.open("main")

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

    def effects(self) -> list[dict]:
        """Return every effect with its parameters."""
        return [s.to_dict() for s in self.specs.values()]

    def health(self) -> dict:
        """Return the frame rate, viewers, timings and errors of every channel."""
        now = time.time()
        return {name: {"viewers": c.viewers, "fps": round(c.stats.fps(now), 2),
                       "frames": c.stats.frames, "rerenders": c.stats.rerenders,
                       "stage_ms": c.stats.medians_ms(), "size": list(c.size),
                       "source": c.source_spec, "gl": c.gl_info, "error": c.error}
                for name, c in self.channels.items()}

    def close(self) -> None:
        """Stop every channel."""
        for channel in self.channels.values():
            channel.close()
