"""An app per test, in threading mode, with a small output size and its own database."""
import pytest

from web import create_app, socketio
from web.database import close_store


def build_app(tmp_path, database_url: str | None = None, **settings):
    """Create a test app (threading mode, small frames) on a database, its instance folder in tmp_path."""
    app = create_app(test_config={"async_mode": "threading", "width": 320, "height": 180,
                                  "database_url": database_url or f"sqlite:///{tmp_path / 'test.db'}",
                                  "instance_path": str(tmp_path / "instance"), **settings})
    app.config["TESTING"] = True
    return app


def close_app(app) -> None:
    """Stop the channels, the recorder and the database connections of a test app."""
    app.extensions["gazecast"].close()
    close_store(app)


@pytest.fixture
def app(tmp_path):
    app = build_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sio(app, client):
    """A Socket.IO test client connected to channel main."""
    c = socketio.test_client(app, flask_test_client=client)
    yield c
    if c.is_connected():
        c.disconnect()
