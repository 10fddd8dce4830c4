"""The Flask app factory: configuration, Socket.IO, the channel manager and the blueprints."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_socketio import SocketIO

from config import ROOT, Config

from .database import init_store, instance_secret

socketio = SocketIO()

from . import events  # noqa: E402,F401  registers the handlers before any init_app
from .context import room  # noqa: E402


def create_app(config: Config | None = None, test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the given Config (or the environment's), then test overrides."""
    config = config or Config.from_env()
    if test_config:
        config = config.replace(**test_config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(Path(config.instance_path).resolve()))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(SECRET_KEY=config.secret_key or instance_secret(app.instance_path), GAZECAST=config)
    socketio.init_app(app, async_mode=config.async_mode, message_queue=config.message_queue,
                      max_http_buffer_size=config.max_payload)
    if config.trusted_proxies:  # outside Socket.IO's middleware, so its connections get the client's address too
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    init_store(app, config)  # accounts and recordings: the database first, so a refused schema stops start-up

    from pipeline.authority import Authority, auth_mode
    from pipeline.devices import gl_probe, torch_device
    from pipeline.manager import ChannelManager
    from pipeline.tracking import TrackerPool

    from .connections import Connections
    from .guard import FloodGuard

    FloodGuard(socketio.server, config.message_rate, socketio.sleep)
    app.extensions["gazecast"] = ChannelManager(config, spawn=socketio.start_background_task,
                                                on_state=_emit_state)
    app.extensions["gazecast.devices"] = {"gl": gl_probe(config.gl_backend, config.gl_device),
                                          "torch": torch_device(config.torch_device)}
    app.extensions["gazecast.trackers"] = TrackerPool(config.weights, torch_device(config.torch_device),
                                                      config.max_trackers)
    app.extensions["gazecast.authority"] = Authority(auth_mode(config.auth, config.host), app.config["SECRET_KEY"],
                                                     config.anonymous_role, config.token_max_age,
                                                     config.revocations)
    app.extensions["gazecast.connections"] = Connections(config)
    if config.message_queue:  # several processes: each channel renders in one, reachable from all
        from .cluster import Cluster
        from .routing import apply

        app.extensions["gazecast.cluster"] = Cluster(config, app.extensions["gazecast"],
                                                     socketio.start_background_task, apply,
                                                     app.extensions["gazecast.authority"])
        app.extensions["gazecast.cluster"].start()

    from . import accounts

    accounts.init_app(app, config)

    from . import api, metrics, pages, stream

    app.register_blueprint(pages.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(metrics.bp)
    return app



def _emit_state(channel) -> None:
    """Send a channel's state to its clients (after a shader reload, a compile error, ...)."""
    socketio.emit("state", channel.state(), to=room(channel.name))
