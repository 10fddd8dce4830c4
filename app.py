"""gazecast entry point: parse flags, patch for eventlet, build the app, serve.

The only module with process-wide side effects (monkey patching, logging set-up, serving).
"""
from __future__ import annotations

import logging
import os
import sys
import time


def main(argv=None) -> int:
    """Serve gazecast until interrupted; return the exit status."""
    from config import parse_args

    config = parse_args(argv)
    from pipeline.authority import auth_mode, is_loopback

    if not is_loopback(config.host) and not config.public:
        print(f"gazecast: refusing to serve on {config.host}, which other machines can reach: pass --public "
              f"(GAZECAST_PUBLIC=1) to mean it; control then needs tokens (see docs/security.md)", file=sys.stderr)
        return 2
    if config.async_mode == "eventlet":
        import warnings

        # eventlet announces its own deprecation on import; it is still the default async mode here
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("gazecast")

    from pipeline.devices import gl_probe, torch_device

    gl_info = gl_probe(config.gl_backend, config.gl_device)
    if "error" in gl_info:
        print(f"gazecast: {gl_info['error']}", file=sys.stderr)
        return 2
    log.info("GL renderer: %s (%s)", gl_info["renderer"], gl_info["version"])
    log.info("torch device: %s", torch_device(config.torch_device))

    from store import StoreError
    from web import create_app
    from web.database import close_store
    from web.serving import serve

    try:
        app = create_app(config)
    except StoreError as exc:  # a database that is away, or newer than this code
        print(f"gazecast: {exc}", file=sys.stderr)
        return 2
    url = f"http://{config.host}:{config.port}"
    log.info("serving on %s/ (async mode %s)", url, config.async_mode)
    if auth_mode(config.auth, config.host) == "tokens":
        from pipeline.authority import EVERY_CHANNEL

        token, claims = app.extensions["gazecast.authority"].mint(EVERY_CHANNEL, EVERY_CHANNEL, "owner", "server")
        log.info("control needs tokens; this server's own (owner of every channel, valid %.0f days): "
                 "%s/control?token=%s", (claims.expires - time.time()) / 86400, url, token)
    elif config.public:
        log.warning("serving open to the network: anyone who reaches %s may do anything (--auth open)", url)

    import signal

    def terminate(*_) -> None:
        """A service manager's stop: write what the recorder holds, then exit (raising here would land in
        whichever green thread the signal interrupted)."""
        close_store(app)
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    try:
        serve(app, config)
    except KeyboardInterrupt:
        pass
    finally:
        close_store(app)  # the recorder's last samples reach the database
    return 0


if __name__ == "__main__":
    sys.exit(main())
