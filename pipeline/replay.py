"""Replay a recording: its gaze through its effect chain over its content, rendered to an MP4.

    python -m pipeline.replay RECORDING_ID --out replay.mp4

The chain is the one the recording started with; the content starts at its beginning (a video from its
first frame, the demo from 0 s); each frame shows the newest sample at its time. H.264 (libx264) where
PyAV has it, else MPEG-4 part 2. Reads the database of GAZECAST_DATABASE_URL (or --database-url).
"""
from __future__ import annotations

import argparse
import sys
from fractions import Fraction

import cv2
import numpy as np

from render import gl
from render.compositor import Compositor, View
from render.cpu import CpuCompositor
from render.effects import load_effects

from .channel import _Renderers
from .sources import SourceError, open_source

LIVE_SOURCES = ("mirror", "camera:")  # content that was never kept: replays draw over a placeholder


class _Still:
    """A constant frame as a source (for content that cannot be replayed)."""

    def __init__(self, frame: np.ndarray, fps: float):
        self.frame, self.fps = frame, fps

    def read(self) -> np.ndarray:
        return self.frame

    def close(self) -> None:
        """Release nothing."""


def placeholder(size: tuple[int, int], text: str) -> np.ndarray:
    """Return a dark RGBA frame that says why the content is missing."""
    w, h = size
    frame = np.full((h, w, 4), 48, np.uint8)
    frame[..., 3] = 255
    cv2.putText(frame, text, (20, h // 2), cv2.FONT_HERSHEY_SIMPLEX, max(0.4, h / 1100), (220, 220, 220, 255), 1,
                cv2.LINE_AA)
    return frame


def open_content(spec: str, size: tuple[int, int], fps: float, at: float = 0.0):
    """Open a recording's content at a time, or a placeholder when it is live or gone."""
    if spec == LIVE_SOURCES[0] or spec.startswith(LIVE_SOURCES[1]):
        return _Still(placeholder(size, f"live content ({spec}) is not kept with recordings"), fps)
    try:
        source = open_source(spec, size, fps)
    except (SourceError, ValueError) as exc:
        return _Still(placeholder(size, f"content unavailable: {exc}"), fps)
    if at and hasattr(source, "seek"):
        source.seek(at)
    return source


def content_frame(spec: str, size: tuple[int, int], fps: float, at: float = 0.0) -> np.ndarray:
    """Return one RGBA frame of a recording's content (the pictures' background)."""
    source = open_content(spec, size, fps, at)
    try:
        return source.read().copy()
    finally:
        source.close()


def frame_times(duration: float, fps: float) -> np.ndarray:
    """Return the times of a replay's frames: one per 1/fps over the recording (at least one)."""
    return np.arange(max(1, int(round(duration * fps)))) / fps


def render_frames(recording: dict, series: dict, shaders_dir: str, render_path: str = "auto", gl_backend="egl",
                  gl_device=None):
    """Yield RGBA frames of the replay (on this thread's GL context, made here)."""
    size, fps = tuple(recording["size"]), recording["fps"]
    specs = load_effects(shaders_dir)
    chain = [(specs[i["name"]], {**specs[i["name"]].defaults(), **i["params"]}) for i in recording["chain"]
             if i.get("enabled") and i["name"] in specs]
    ctx = gl.create_context(gl_backend, gl_device)
    source = open_content(recording["source"], size, fps)
    try:
        compositor = Compositor(ctx, size, shaders_dir)
        for spec, _ in chain:
            compositor.load(spec)
        twins = CpuCompositor(size, shaders_dir) if render_path == "cpu" or (
            render_path == "auto" and gl.describe(ctx)["software"]) else None
        renderers = _Renderers(compositor, twins)
        t, x, y, pupil, blink = (series[k] for k in ("t", "x", "y", "pupil_mm", "blink"))
        for ft in frame_times(recording["duration"], fps):
            i = max(0, int(np.searchsorted(t, ft, side="right")) - 1)
            has = len(t) > 0
            view = View(gaze=(float(x[i]), float(y[i])) if has else (0.5, 0.5),
                        pupil_mm=float(pupil[i]) if has and np.isfinite(pupil[i]) else 4.0,
                        blink=bool(blink[i]) if has else False, time=float(ft))
            renderers.new_frame(source.read())
            _, runs = renderers.plan(chain)
            rgba = None
            for comp, effects in runs:
                renderers.upload(comp, rgba)
                rgba = comp.render(effects, view)
            yield rgba
    finally:
        source.close()
        ctx.release()


def encode(frames, out: str, fps: float, size: tuple[int, int], progress=None) -> dict:
    """Encode RGBA frames to an MP4; return the codec and the frame count."""
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(out, "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = size[0] - size[0] % 2, size[1] - size[1] % 2, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "veryfast", "crf": "23"}
        count = 0
        for rgba in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba[:stream.height, :stream.width, :3]),
                                               format="rgb24")
            container.mux(stream.encode(frame))
            count += 1
            if progress:
                progress(count)
        container.mux(stream.encode())
    return {"codec": codec, "frames": count, "fps": fps, "duration": count / fps}


def main(argv=None) -> int:
    """Render one recording to an MP4 with a progress bar; return the exit status."""
    from tqdm import tqdm

    from config import Config
    from store import Database, Recordings, StoreError, open_engine

    base = Config.from_env()
    p = argparse.ArgumentParser(prog="python -m pipeline.replay", description=__doc__.splitlines()[0])
    p.add_argument("recording", help="the recording's id (from /recordings or /api/recordings)")
    p.add_argument("--out", required=True, help="the MP4 file to write")
    p.add_argument("--database-url", default=base.database_url, help="SQLAlchemy URL (default %(default)s)")
    p.add_argument("--instance-path", default=base.instance_path, help="where a relative SQLite path lives")
    p.add_argument("--user-id", help="only a recording of this user (the server's background replays)")
    p.add_argument("--progress-lines", action="store_true", help="print 'progress DONE TOTAL' lines on stdout")
    a = p.parse_args(argv)
    config = base.replace(database_url=a.database_url, instance_path=a.instance_path)
    recordings = Recordings(Database(open_engine(config.sqlalchemy_url())))
    try:
        rec = recordings.find(a.recording, a.user_id)
        series = recordings.series(rec.user_id, rec.id)
    except StoreError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    recording = rec.to_dict()
    total = len(frame_times(recording["duration"], recording["fps"]))
    bar = tqdm(total=total, unit="frame", desc=f"replay {rec.id}", disable=a.progress_lines)

    def progress(done: int) -> None:
        bar.update(1)
        if a.progress_lines and (done % 10 == 0 or done == total):
            print(f"progress {done} {total}", flush=True)

    frames = render_frames(recording, series, config.shaders_dir, config.render_path, config.gl_backend,
                           config.gl_device)
    result = encode(frames, a.out, recording["fps"], tuple(recording["size"]), progress)
    bar.close()
    print(f"done {a.out} {result['codec']} {result['frames']} frames {result['duration']:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
