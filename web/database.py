"""The database of the app: Flask-SQLAlchemy over store's models, migrated at start-up by Flask-Migrate."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from alembic import command
from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from config import ROOT
from pipeline.osthread import threading
from store import Accounts, Base, Calibrations, Database, Presets, Recorder, Recordings
from store.db import engine_options, prepare_engine
from store.schema import check_revision

MIGRATIONS = str(ROOT / "migrations")
db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_store(app: Flask, config) -> None:
    """Bind the database, bring its schema up to date (or refuse a newer one) and start the recorder."""
    url = config.sqlalchemy_url()
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options(url))
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    with app.app_context():
        engine = prepare_engine(db.engine)
        check_revision(engine, MIGRATIONS)
        command.upgrade(app.extensions["migrate"].migrate.get_config(MIGRATIONS), "head")
    database = Database(engine, threading.RLock())  # a real lock: see Database
    app.extensions["gazecast.store"] = {
        "accounts": Accounts(database), "recordings": Recordings(database), "calibrations": Calibrations(database),
        "presets": Presets(database),
        "recorder": Recorder(database, threading, interval=config.record_flush_s, stale=config.record_stale_s,
                             max_pending=config.record_max_pending)}


def close_store(app: Flask) -> None:
    """Write what the recorder holds and close the database's connections (tests, shutdown)."""
    app.extensions["gazecast.store"]["recorder"].close()
    with app.app_context():
        db.engine.dispose()


def service(name: str):
    """Return one store service of the current app: accounts, recordings, calibrations, presets, recorder."""
    return current_app.extensions["gazecast.store"][name]


def instance_secret(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, made on first use (readable by the owner only)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # atomic: of two servers starting at once, both keep the first key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
