"""One Config object: defaults, then the environment (GAZECAST_*), then command-line flags."""
from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RENDER_PATHS = ("auto", "gl", "cpu")  # see render/cpu.py


@dataclass
class Config:
    """Every setting of a gazecast server; stages get what they need from here, never from os.environ."""

    host: str = "127.0.0.1"  # address to serve on
    port: int = 5000  # port to serve on
    async_mode: str = "eventlet"  # "eventlet" or "threading"
    source: str = "demo"  # content of the main channel: "demo", a video file or an image
    width: int = 1280  # output width of a channel, pixels
    height: int = 720  # output height of a channel, pixels
    fps: float = 30.0  # content frame rate when the source does not set one
    jpeg_quality: int = 80  # quality of the MJPEG frames, 1-100
    gl_backend: str = "egl"  # moderngl standalone backend; "egl" works headless
    gl_device: int | None = None  # EGL device index (GPU) or None for the default
    render_path: str = "auto"  # "auto": CPU twins of effects when GL is software; "gl"; "cpu" (see render/cpu.py)
    torch_device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1", ...
    weights: str = str(ROOT / "models" / "gaze_cnn.pt")  # the eye CNN's checkpoint
    max_frame_bytes: int = 400_000  # largest webcam JPEG accepted by the `frame` event
    shaders_dir: str = str(ROOT / "shaders")  # where effect programs live
    media_dir: str = str(ROOT / "media")  # video and image files clients may choose as a source
    database_url: str = "sqlite:///gazecast.db"  # SQLAlchemy URL; a relative SQLite path is in the instance folder
    message_queue: str | None = None  # redis:// URL shared by several server processes
    max_payload: int = 1_000_000  # largest Socket.IO message accepted, bytes
    secret_key: str | None = field(default=None, repr=False)  # signs sessions; None: made once, kept in the instance folder
    log_level: str = "INFO"
    # ---- accounts and recordings (store/, web/auth.py, web/recordings.py) ----
    instance_path: str = str(ROOT / "instance")  # the SQLite database, the secret key, the picture cache, replays
    record_flush_s: float = 0.5  # recorded samples reach the database at least this often (seconds)
    record_stale_s: float = 10.0  # a running recording no server has flushed for this long is marked interrupted
    record_max_pending: int = 20000  # samples held per recording while the database is away (then oldest dropped)
    login_limit: str = "10 per minute"  # login and registration attempts per client address
    cache_timeout: int = 86400  # seconds a rendered picture of a recording stays cached
    max_replays: int = 2  # replay videos rendered at once by one server process

    def sqlalchemy_url(self) -> str:
        """Return the database URL with a relative SQLite path made absolute in the instance folder."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and not self.database_url.startswith(prefix + "/") \
                and ":memory:" not in self.database_url:
            return prefix + str(Path(self.instance_path) / self.database_url[len(prefix):])
        return self.database_url

    @classmethod
    def from_env(cls, environ=None) -> "Config":
        """Build a Config from defaults overridden by GAZECAST_<FIELD> variables."""
        environ = os.environ if environ is None else environ
        cfg = cls()
        for f in dataclasses.fields(cls):
            raw = environ.get(f"GAZECAST_{f.name.upper()}")
            if raw is not None:
                setattr(cfg, f.name, _convert(f, raw))
        return cfg

    def replace(self, **changes) -> "Config":
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _convert(f: dataclasses.Field, raw: str):
    """Convert one environment string to the type of field f."""
    kind = str(f.type)
    if raw == "" and "None" in kind:
        return None
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    return raw


def parse_args(argv=None, environ=None) -> Config:
    """Parse command-line flags on top of the environment's configuration."""
    base = Config.from_env(environ)
    p = argparse.ArgumentParser(prog="app.py", description="gazecast: gaze-contingent video server")
    p.add_argument("--host", default=base.host, help="address to serve on (default %(default)s)")
    p.add_argument("--port", type=int, default=base.port, help="port (default %(default)s)")
    p.add_argument("--async-mode", choices=["eventlet", "threading"], default=base.async_mode,
                   help="Flask-SocketIO async mode (default %(default)s)")
    p.add_argument("--source", default=base.source, help="content: demo, a video file or an image")
    p.add_argument("--media-dir", default=base.media_dir,
                   help="folder of videos and images the control panel may switch to")
    p.add_argument("--size", default=f"{base.width}x{base.height}", help="output WxH (default %(default)s)")
    p.add_argument("--fps", type=float, default=base.fps, help="content frame rate (default %(default)s)")
    p.add_argument("--jpeg-quality", type=int, default=base.jpeg_quality, help="MJPEG quality 1-100")
    p.add_argument("--gl-device", type=int, default=base.gl_device, help="EGL device index of the GPU")
    p.add_argument("--render-path", choices=RENDER_PATHS, default=base.render_path,
                   help="auto (default): effects with a CPU twin (foveate, spotlight, lens, exposure) render "
                        "with OpenCV when the GL renderer is software (llvmpipe); gl: always GL; "
                        "cpu: the twins even on a GPU")
    p.add_argument("--torch-device", default=base.torch_device, help="auto, cpu or cuda[:N]")
    p.add_argument("--weights", default=base.weights, help="eye CNN checkpoint (default models/gaze_cnn.pt)")
    p.add_argument("--database-url", default=base.database_url,
                   help="SQLAlchemy URL (default: SQLite in the instance folder; postgresql+psycopg://... for PostgreSQL)")
    p.add_argument("--instance-path", default=base.instance_path,
                   help="folder of the SQLite database, the secret key, cached pictures and replays")
    p.add_argument("--message-queue", default=base.message_queue,
                   help="redis:// URL to share Socket.IO events between server processes")
    p.add_argument("--log-level", default=base.log_level, help="DEBUG, INFO, WARNING, ...")
    a = p.parse_args(argv)
    if a.render_path not in RENDER_PATHS:  # argparse does not check a default from the environment
        p.error(f"GAZECAST_RENDER_PATH must be {', '.join(RENDER_PATHS[:-1])} or {RENDER_PATHS[-1]}, "
                f"got {a.render_path!r}")
    try:
        width, height = (int(v) for v in a.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 1280x720, got {a.size!r}")
    return base.replace(host=a.host, port=a.port, async_mode=a.async_mode, source=a.source, media_dir=a.media_dir,
                        width=width, height=height, fps=a.fps, jpeg_quality=a.jpeg_quality,
                        gl_device=a.gl_device, render_path=a.render_path, torch_device=a.torch_device,
                        weights=a.weights,
                        database_url=a.database_url, message_queue=a.message_queue, instance_path=a.instance_path,
                        log_level=a.log_level)
