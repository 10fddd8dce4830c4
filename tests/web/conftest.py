"""An app per test, in threading mode, with a small output size and its own database."""
import pytest

from web import create_app, socketio


@pytest.fixture
def app(tmp_path):
    app = create_app(test_config={"async_mode": "threading", "width": 320, "height": 180,
                                  "database_url": f"sqlite:///{tmp_path / 'test.db'}"})
    app.config["TESTING"] = True
    yield app
    app.extensions["gazecast"].close()


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
