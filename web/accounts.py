"""The user-data half of the app bound in one place: sessions, CSRF, login limits, the picture cache, pages."""
from __future__ import annotations

from datetime import timezone

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError

from .context import error
from .identity import current_account, login_manager
from .limits import cache, cache_config, csrf, limiter


def init_app(app: Flask, config) -> None:
    """Bind Flask-Login, CSRF protection, the rate limiter and the cache; register the blueprints."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                      WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session: a page left open still posts
                      RATELIMIT_STORAGE_URI=config.message_queue or "memory://",
                      RATELIMIT_HEADERS_ENABLED=True)
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app, config=cache_config(config, app.instance_path))
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(RateLimitExceeded, _too_many)
    app.context_processor(lambda: {"account": current_account()})
    app.add_template_filter(_utc, "utc")

    from . import api_records, auth, recordings
    from .live import LiveRecordings
    from .replays import ReplayJobs

    app.extensions["gazecast.live"] = LiveRecordings(app)
    app.extensions["gazecast.replays"] = ReplayJobs(config, app.instance_path)

    csrf.exempt(api_records.bp)  # it checks CSRF itself, for cookie sessions only (a bearer token is no cookie)
    app.register_blueprint(auth.bp)
    app.register_blueprint(recordings.bp)
    app.register_blueprint(api_records.bp)


def _utc(dt) -> str:
    """Format a database time as UTC (SQLite hands back naive times, PostgreSQL the session's zone)."""
    from store.models import aware

    return aware(dt).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _unauthorized():
    """401 for the API; a redirect to the login page for pages."""
    if _wants_json():
        return jsonify(error("unauthorized", "log in, or send Authorization: Bearer <API token>")), 401
    from flask import redirect, url_for

    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _csrf_refused(exc: CSRFError):
    message = f"refused: {exc.description} Reload the page and try again."
    if _wants_json():
        return jsonify(error("csrf", message)), 400
    return render_template("error.html", message=message, code="csrf"), 400


def _too_many(exc: RateLimitExceeded):
    message = f"too many attempts ({exc.description}): wait a minute and try again"
    if _wants_json():
        return jsonify(error("rate_limited", message)), 429
    return render_template("error.html", message=message, code="rate_limited"), 429
