"""The store on a real database (SQLite file, then PostgreSQL), migrated from empty through the app's path."""
import contextlib

import pytest
from flask import Flask

from config import Config
from web.database import close_store, init_store


@contextlib.contextmanager
def make_store(database_url: str, tmp_path):
    """Migrate a database through the app's start-up path and yield its services (+ app, url)."""
    app = Flask("store-test", instance_path=str(tmp_path / "instance"))
    init_store(app, Config(database_url=database_url, instance_path=str(tmp_path / "instance"),
                           record_flush_s=0.2, record_stale_s=2.0))
    try:
        yield dict(app.extensions["gazecast.store"], app=app, url=database_url)
    finally:
        close_store(app)


@pytest.fixture
def store(database_url, tmp_path):
    """The store services (accounts, recordings, calibrations, presets, recorder) on a fresh database."""
    with make_store(database_url, tmp_path) as services:
        yield services


@pytest.fixture
def alice(store):
    return store["accounts"].register("alice", "correct horse battery")


@pytest.fixture
def bob(store):
    return store["accounts"].register("bob", "another good password")


CHAIN = [{"name": "foveate", "enabled": True, "params": {"radius": 0.2, "strength": 3.0}},
         {"name": "lens", "enabled": False, "params": {}}]
EFFECTS = {"foveate": [{"name": "radius", "type": "float", "min": 0.0, "max": 0.6},
                       {"name": "strength", "type": "float", "min": 0.0, "max": 6.0}],
           "lens": [{"name": "zoom", "type": "float", "min": 1.0, "max": 4.0}]}


def begin(store, user, **extra):
    """Start a recording of a user on channel main with the demo."""
    return store["recorder"].begin(user.id, channel="main", source="demo", size=[320, 180], fps=30.0,
                                   chain=CHAIN, filter={}, **extra)
