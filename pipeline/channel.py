"""A channel: content source + effect chain + gaze, rendered on its own OS thread, broadcast as MJPEG."""
from __future__ import annotations

import logging
import time as _time

import numpy as np

from gaze import GazeSample
from render import gl
from render.compositor import Compositor, View
from render.cpu import CpuCompositor
from render.jpeg import JpegEncoder
from render.watch import Changes, apply as apply_changes

from .broadcast import Broadcaster
from .effects import EffectChain
from .osthread import threading, time
from .sources import open_source
from .stats import FrameStats
from .tracking import FILTER_SPECS, check_filter

log = logging.getLogger(__name__)


class Channel:
    """One running pipeline. Green threads change its state; its render thread reads it."""

    def __init__(self, name: str, config, specs, source: str | None = None):
        self.name, self.config = name, config
        self.source_spec = source or config.source
        self.size = (config.width, config.height)
        self.effects = EffectChain(specs)
        self.filter = {name: spec.default for name, spec in FILTER_SPECS.items()}  # gaze filter settings
        self.gaze = GazeSample(t=0.0, x=0.5, y=0.5, source="default")
        self.broadcaster = Broadcaster()
        self.stats = FrameStats()
        self.viewers = 0
        self.error: str | None = None
        self.gl_info: dict | None = None
        self.render_path: str | None = None  # "gl", "cpu" or "mixed": how the last frame was rendered
        self.started_at = _time.time()
        self._dirty = False  # state changed since the last render
        self._snapshot = False  # render one frame even with no viewer
        self._wake = threading.Event()  # a real event: the render thread waits on it
        self._stop = False
        self._thread = None
        self._generation = 0  # bumped on a source or size change: the old render thread retires
        self.source = None  # the open source (owned by the render thread)
        self.shader_errors: dict[str, dict] = {}  # effect -> where its last compile failed
        self.state_version = 0  # bumped when state changes outside a client's request
        self._reloads: list[Changes] = []  # shader changes for the render thread to compile
        self._lock = threading.Lock()  # a render thread retiring and one being started agree through it
        self.tenure = None  # who owns the channel (pipeline.authority.Tenure), set by the manager
        self.members = 0  # Socket.IO connections in the channel's room
        self.last_active = _time.monotonic()  # when a viewer or a connection last came or went
        self.renders = True  # this process renders the channel (with a message queue: holds its lease)
        self.remote_viewers = 0  # viewers of the channel on other processes (web/cluster.py counts them)

    # ---- called from the server's loop -------------------------------------------------
    def set_gaze(self, sample: GazeSample) -> None:
        """Take a new gaze sample; the current frame is re-rendered at once."""
        self.gaze = sample
        self._touch()

    def control(self, filter=None, **change) -> None:
        """Apply a validated change of the effects (see EffectChain.apply) and the gaze filter."""
        new_filter = check_filter(filter) if filter is not None else {}
        self.effects.apply(**change)
        self.filter = {**self.filter, **new_filter}
        self._touch()

    def add_viewer(self) -> None:
        """Count a viewer in; the render loop runs while anyone watches."""
        self.viewers += 1
        self.last_active = _time.monotonic()
        self.ensure_started()
        self._wake.set()

    def remove_viewer(self) -> None:
        """Count a viewer out."""
        self.viewers = max(0, self.viewers - 1)
        self.last_active = _time.monotonic()

    def idle_for(self, now: float) -> float:
        """Seconds since the channel last had a viewer or a connection (0 while it has one)."""
        return 0.0 if self.watched or self.members else now - self.last_active

    @property
    def watched(self) -> int:
        """Viewers here and, where this process renders for others, theirs."""
        return self.viewers + self.remote_viewers

    @property
    def running(self) -> bool:
        """Whether a render thread (with its GL context and source) is alive."""
        return self._thread is not None

    def request_frame(self) -> int:
        """Ask for one frame even if nobody watches; return the sequence number to wait past."""
        seq = self.broadcaster.seq
        self._snapshot = True
        self.ensure_started()
        self._wake.set()
        return seq

    def reconfigure(self, source: str | None = None, size: tuple[int, int] | None = None) -> None:
        """Switch to another (already validated) source or output size: a fresh render thread takes over."""
        self.source_spec = source or self.source_spec
        self.size = tuple(size or self.size)
        self.error = None
        with self._lock:
            self._generation += 1
            self._wake.set()  # the old thread sees the new generation and exits
            self._wake = threading.Event()
            self._thread = None
        if self.watched:
            self.ensure_started()
        self._touch()

    def settings(self) -> dict:
        """What another process needs to render this channel as this one does."""
        g = self.gaze
        return {"source": self.source_spec, "size": list(self.size), "effects": self.effects.to_list(),
                "filter": dict(self.filter), "gaze": {"t": g.t, "x": g.x, "y": g.y, "source": g.source,
                                                      "pupil_mm": g.pupil_mm, "t_server": g.t_server}}

    def load_settings(self, settings: dict) -> None:
        """Take settings (or a state) made by another process: effects this process does not know are
        dropped, parameters checked against its own specs; a new source or size restarts rendering."""
        self.effects.items = [dict(i) for i in settings.get("effects", self.effects.items) if isinstance(i, dict)]
        self.effects.sync()
        self.filter = {**self.filter, **settings.get("filter", {})}
        if isinstance(settings.get("gaze"), dict):
            self.gaze = GazeSample(**settings["gaze"])
        source, size = settings.get("source", self.source_spec), tuple(settings.get("size", self.size))
        if source != self.source_spec or size != self.size:
            self.reconfigure(source, size)
        self._touch()

    def hand_over(self) -> None:
        """Stop rendering here (another process took the channel): the render thread ends, the channel
        and its viewers stay, fed from elsewhere."""
        with self._lock:
            self.renders = False
            self._generation += 1
            self._wake.set()
            self._wake = threading.Event()
            self._thread = None

    def reload(self, changes: Changes) -> None:
        """Take reloaded shaders: the chain follows the catalogue, the render thread recompiles."""
        self.effects.sync()
        self._reloads.append(changes)
        self.state_version += 1
        self._touch()

    def push_webcam(self, jpeg: bytes) -> None:
        """Offer a viewer's webcam frame to a mirror source (ignored by other sources)."""
        push = getattr(self.source, "push", None)
        if push is not None:
            push(jpeg)
            self._wake.set()

    def state(self) -> dict:
        """Return what every control panel shows."""
        return {"channel": self.name, "source": self.source_spec, "size": list(self.size),
                "effects": self.effects.to_list(), "filter": dict(self.filter), "error": self.error,
                "shader_errors": list(self.shader_errors.values())}

    def ensure_started(self) -> None:
        """Start the render thread unless one runs (it stops by itself once nobody watches)."""
        with self._lock:
            if self._thread is None and not self._stop and self.error is None and self.renders:
                self._thread = threading.Thread(target=self._run, args=(self._generation, self._wake),
                                                name=f"render-{self.name}", daemon=True)
                self._thread.start()

    def stop(self) -> threading.Thread | None:
        """Tell the render thread to end; return it (to wait for) or None."""
        with self._lock:
            self._stop = True
            thread, self._thread = self._thread, None
        self._wake.set()
        return thread

    def close(self) -> None:
        """Stop the render thread, wait for it (blocking: not on the server's loop), close the broadcaster."""
        thread = self.stop()
        if thread is not None:
            thread.join(timeout=5)
        self.broadcaster.close()

    def _touch(self) -> None:
        self._dirty = True
        self._wake.set()

    # ---- the render thread ---------------------------------------------------------------
    def _run(self, generation: int, wake) -> None:
        """Own the GL context and the source; render whenever there is something to show. When nobody
        has watched for config.render_idle seconds, or the channel fails, release them all and end."""
        ctx = None
        try:
            try:
                ctx = gl.create_context(self.config.gl_backend, self.config.gl_device)
                self.gl_info = gl.describe(ctx)
                compositor = Compositor(ctx, self.size, self.config.shaders_dir)
                twins = None  # the CPU twins, where this machine's GL is software or they are asked for
                if self.config.render_path == "cpu" or (self.config.render_path == "auto" and self.gl_info["software"]):
                    twins = CpuCompositor(self.size, self.config.shaders_dir)
                self._reloads.clear()
                self._compile(compositor, Changes(added=list(self.effects.specs.values())))
                source = open_source(self.source_spec, self.size, self.config.fps)
                encoder = JpegEncoder(self.config.jpeg_quality)
            except Exception as exc:
                if generation == self._generation:
                    self.error = str(exc)
                log.error("channel %s cannot start: %s", self.name, exc)
                return
            if generation == self._generation:
                self.source = source
            log.info("channel %s: %s on %s", self.name, self.source_spec, self.gl_info["renderer"])
            try:
                self._loop(_Renderers(compositor, twins), source, encoder, generation, wake)
            except Exception as exc:  # a source that fails mid-stream, a lost GL context
                if generation == self._generation:
                    self.error = str(exc)
                log.exception("channel %s stopped", self.name)
            finally:
                if self.source is source:
                    self.source = None
                source.close()
        finally:
            with self._lock:  # a failed channel stays failed (and releases everything) until reconfigured
                if self._thread is threading.current_thread():
                    self._thread = None
            if ctx is not None:
                ctx.release()
            gl.release_thread(self.config.gl_backend)

    def _loop(self, renderers, source, encoder, generation: int, wake) -> None:
        period = 1.0 / source.fps
        next_tick, have_frame = time.monotonic(), False
        watched_at = time.monotonic()  # when someone last watched or asked for a snapshot
        while not self._stop and generation == self._generation:
            while self._reloads:
                self._compile(renderers.gl, self._reloads.pop(0))
            now = time.monotonic()
            if not self.watched and not self._snapshot:
                idle = now - watched_at
                if idle >= self.config.render_idle and self._retire(generation):
                    log.info("channel %s: nobody watches, render thread stopped", self.name)
                    return
                _wait(wake, min(1.0, max(0.01, self.config.render_idle - idle)))
                next_tick = time.monotonic()
                continue
            watched_at = now
            new_content = now >= next_tick or not have_frame
            if not new_content and not self._dirty:
                _wait(wake, next_tick - now)
                continue
            timings = {}
            if new_content:
                t0 = time.perf_counter()
                renderers.new_frame(source.read())
                timings["read"] = time.perf_counter() - t0
                next_tick = max(next_tick + period, now - period)
                have_frame = True
            self._dirty = self._snapshot = False
            self._render(renderers, encoder, timings, rerender=not new_content, generation=generation)

    def _retire(self, generation: int) -> bool:
        """On the render thread: give up the thread if still nobody watches; a viewer who comes after
        this starts a new one."""
        with self._lock:
            if self.watched or self._snapshot or generation != self._generation:
                return False
            if self._thread is threading.current_thread():
                self._thread = None  # under the lock: add_viewer() from now on starts a new thread
            return True

    def _compile(self, compositor, changes: Changes) -> None:
        """Compile changed effects; a failure keeps the last good program and is reported."""
        for spec in changes.changed + changes.added:
            self.shader_errors.pop(spec.name, None)
        for name in changes.removed:
            self.shader_errors.pop(name, None)
        for exc in apply_changes(compositor, changes):
            self.shader_errors[exc.effect] = {"effect": exc.effect, "path": exc.path, "line": exc.line,
                                              "message": exc.message}
            log.warning("channel %s: %s", self.name, exc)
        self.state_version += 1

    def _render(self, renderers, encoder, timings: dict, rerender: bool, generation: int) -> None:
        g = self.gaze
        view = View(gaze=(g.x, g.y), pupil_mm=g.pupil_mm or 4.0, blink=g.blink,
                    time=_time.time() - self.started_at)
        chain = self.effects.active()
        self.render_path, runs = renderers.plan(chain)
        rgba, spent = None, {"render": 0.0, "readback": 0.0}
        for compositor, effects in runs:  # one run, but for a chain that mixes twinned and GL-only effects
            t0 = time.perf_counter()
            if renderers.upload(compositor, rgba):
                timings["upload"] = timings.get("upload", 0.0) + time.perf_counter() - t0
            rgba = compositor.render(effects, view)
            for stage, seconds in compositor.timings.items():
                spent[stage] = spent.get(stage, 0.0) + seconds
        timings.update(spent)
        t0 = time.perf_counter()
        jpeg = encoder.encode(rgba)
        timings["encode"] = time.perf_counter() - t0
        if generation != self._generation:
            return  # a retiring thread's last frame: it has the old size or source
        self.stats.record(timings, time.time(), rerender)
        self.broadcaster.publish(jpeg)


class _Renderers:
    """The GL compositor and, where enabled, the CPU twins; each frame goes to the ones that render it.

    A chain whose effects all have twins renders on the twins, one with none on GL; a chain that mixes
    them renders in runs, each run's output the next one's input (on software GL a twin costs a
    fraction of its shader's full-frame passes, and an upload or a readback little more than a copy)."""

    def __init__(self, gl_compositor: Compositor, twins: CpuCompositor | None):
        self.gl, self.twins = gl_compositor, twins
        self.frame = None  # the source's current frame (sources reuse their buffer: count, don't compare)
        self.seq = 0  # bumped for every frame read
        self._held: dict[int, int | None] = {}  # id(compositor) -> the seq of the source frame it holds
        self._active: list = []  # the compositors that rendered the last frame
        self._owners: dict[str, object] = {}  # effect -> the compositor that last rendered it

    def new_frame(self, frame) -> None:
        """Take the source's next frame."""
        self.frame, self.seq = frame, self.seq + 1

    def plan(self, chain) -> tuple[str, list]:
        """Return the render path ("cpu", "gl" or "mixed") and the runs [(compositor, effects), ...].

        A compositor taking over carries on from the state of the one that rendered before it: the
        clock and the gaze held through a blink when it did not render the last frame, and an effect's
        feedback state (the heatmap's heat) when the effect moves to it, so a change of path does not show."""
        if self.twins is None:
            runs = [(self.gl, list(chain))]
        else:
            runs = []
            for item in chain:
                compositor = self.twins if self.twins.supports([item]) else self.gl
                if runs and runs[-1][0] is compositor:
                    runs[-1][1].append(item)
                else:
                    runs.append((compositor, [item]))
            runs = runs or [(self.twins, [])]  # no effect: the frame as it is, free on the twins
        kinds = {"cpu" if compositor is self.twins else "gl" for compositor, _ in runs}
        path = kinds.pop() if len(kinds) == 1 else "mixed"
        for compositor, effects in runs:
            if self._active and all(compositor is not c for c in self._active):
                compositor.import_state(self._active[0].export_state(effects=()))
            for spec, _ in effects:
                owner = self._owners.get(spec.name)
                if owner is not None and owner is not compositor:
                    compositor.import_state(owner.export_state(effects=(spec.name,)), clock=False)
                self._owners[spec.name] = compositor
        self._active = [compositor for compositor, _ in runs]
        return path, runs

    def upload(self, compositor, frame=None) -> bool:
        """Give a compositor the source's current frame unless it has it (a gaze-only re-render uploads
        nothing twice), or `frame`, the output of the run before it."""
        if frame is not None:
            compositor.upload(np.ascontiguousarray(frame))
            self._held[id(compositor)] = None
            return True
        if self._held.get(id(compositor)) != self.seq:
            compositor.upload(self.frame)
            self._held[id(compositor)] = self.seq
            return True
        return False


def _wait(event, timeout: float) -> None:
    """Sleep until woken or timed out, then re-arm the event."""
    event.wait(max(0.0, timeout))
    event.clear()
