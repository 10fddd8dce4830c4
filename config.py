"""One Config object: defaults, then the environment (GAZECAST_*), then command-line flags."""
from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RENDER_PATHS = ("auto", "gl", "cpu")  # see render/cpu.py
AUTH_MODES = ("auto", "open", "tokens")
ROLES_ANONYMOUS = ("none", "viewer", "participant")
# limits that also have a flag (--max-channels, ...); each is described next to its field in Config
CLUSTER_FLAGS = ("lease_ttl", "lease_renew", "cluster_timeout", "settings_ttl")
LIMIT_FLAGS = ("max_channels", "max_channels_per_address", "max_channels_per_user", "max_connections",
               "max_connections_per_address", "header_timeout", "socket_timeout", "gaze_rate", "frame_rate",
               "control_rate", "message_rate", "max_frames_in_flight", "max_frame_pixels", "max_output_pixels",
               "max_trackers", "render_idle", "channel_idle")


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
    # ---- several processes behind that Redis (web/cluster.py, docs/deployment.md) ----
    lease_ttl: float = 2.5  # seconds a process's claim to render a channel lasts unless renewed
    lease_renew: float = 1.0  # seconds between renewals of the leases a process holds (well under lease_ttl)
    cluster_timeout: float = 2.0  # seconds to wait for the rendering process to apply a routed event
    settings_ttl: float = 600.0  # seconds a channel's settings stay in Redis after its last holder went
    max_payload: int = 1_000_000  # largest Socket.IO message accepted, bytes
    secret_key: str | None = field(default=None, repr=False)  # signs sessions and tokens; None: made once, kept in the instance folder
    log_level: str = "INFO"
    # ---- who may do what (docs/security.md) ----
    public: bool = False  # serve on an address other than loopback: must be asked for on purpose
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For / -Proto / -Host are believed (nginx: 1)
    auth: str = "auto"  # "open": anyone may do anything; "tokens": rights come from tokens; "auto": open on loopback
    anonymous_role: str = "viewer"  # what a connection without a token may do: none, viewer or participant
    token_max_age: float = 7 * 24 * 3600.0  # the longest life of an invitation token, seconds
    revocations: str = str(ROOT / "var" / "revoked.json")  # revoked token ids, kept across restarts
    # ---- limits: a storm from one client never stops the others (docs/security.md) ----
    max_channels: int = 16  # channels open at once on this server, main included
    max_channels_per_address: int = 4  # channels created by one client address and open at once
    max_channels_per_user: int = 4  # channels owned by one user (or token subject) and open at once
    max_connections: int = 512  # HTTP connections served at once (eventlet); more wait to be accepted
    max_connections_per_address: int = 64  # HTTP connections and Socket.IO sessions of one address at once
    header_timeout: float = 10.0  # seconds a client has to send a request line and its headers
    socket_timeout: float = 60.0  # seconds any one read or write of a client socket may take
    gaze_rate: float = 240.0  # `gaze` events per second per connection (a 1 s burst allowed)
    frame_rate: float = 60.0  # `frame` events per second per connection
    control_rate: float = 30.0  # control, join, calibration, invite and revoke events per second per connection
    message_rate: float = 1000.0  # Socket.IO messages per second past which a connection is cut off
    max_frames_in_flight: int = 2  # webcam frames of one connection being processed; more are refused
    max_frame_pixels: int = 1920 * 1080  # decoded pixels of a webcam frame, read from its JPEG header
    max_output_pixels: int = 1920 * 1080  # largest output size a client may set for a channel, pixels
    max_trackers: int = 64  # connections with a gaze tracker (an eye model each) at once
    render_idle: float = 10.0  # seconds without a viewer after which a channel's render thread stops
    channel_idle: float = 120.0  # seconds without viewers or connections after which a channel closes
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
    if kind == "bool":
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            raise ValueError(f"GAZECAST_{f.name.upper()} must be true or false, got {raw!r}")
        return raw.lower() in ("1", "true", "yes", "on")
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
    cluster = p.add_argument_group("several processes", "with --message-queue; see docs/deployment.md")
    for name in CLUSTER_FLAGS:
        cluster.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(base, name),
                             help="(default %(default)s)")
    p.add_argument("--log-level", default=base.log_level, help="DEBUG, INFO, WARNING, ...")
    p.add_argument("--public", action="store_true", default=base.public,
                   help="serve on an address other than loopback (refused without it; see docs/security.md)")
    p.add_argument("--trusted-proxies", type=int, default=base.trusted_proxies,
                   help="proxies in front (nginx: 1) whose X-Forwarded-For gives the client's address "
                        "(default %(default)s: believe no header)")
    p.add_argument("--auth", choices=AUTH_MODES, default=base.auth,
                   help="open: anyone may do anything; tokens: control and gaze need invitation tokens; "
                        "auto (default): open on loopback, tokens otherwise")
    p.add_argument("--anonymous-role", choices=ROLES_ANONYMOUS, default=base.anonymous_role,
                   help="what a client without a token may do in tokens mode (default %(default)s)")
    limits = p.add_argument_group("limits", "see docs/security.md; each also GAZECAST_<NAME>")
    for name in LIMIT_FLAGS:
        value = getattr(base, name)
        limits.add_argument("--" + name.replace("_", "-"), type=type(value), default=value,
                            help="(default %(default)s)")
    a = p.parse_args(argv)
    for name, value, choices in (("render_path", a.render_path, RENDER_PATHS), ("auth", a.auth, AUTH_MODES),
                                 ("anonymous_role", a.anonymous_role, ROLES_ANONYMOUS)):
        if value not in choices:  # argparse does not check a default from the environment
            p.error(f"GAZECAST_{name.upper()} must be {', '.join(choices[:-1])} or {choices[-1]}, got {value!r}")
    if not 0 < a.lease_renew < a.lease_ttl:
        p.error(f"--lease-renew ({a.lease_renew:g}) must be positive and shorter than --lease-ttl ({a.lease_ttl:g})")
    try:
        width, height = (int(v) for v in a.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 1280x720, got {a.size!r}")
    return base.replace(host=a.host, port=a.port, async_mode=a.async_mode, source=a.source, media_dir=a.media_dir,
                        width=width, height=height, fps=a.fps, jpeg_quality=a.jpeg_quality,
                        gl_device=a.gl_device, render_path=a.render_path, torch_device=a.torch_device,
                        weights=a.weights,
                        database_url=a.database_url, message_queue=a.message_queue, instance_path=a.instance_path,
                        log_level=a.log_level, public=a.public, trusted_proxies=a.trusted_proxies, auth=a.auth,
                        anonymous_role=a.anonymous_role,
                        **{name: getattr(a, name) for name in LIMIT_FLAGS + CLUSTER_FLAGS})
