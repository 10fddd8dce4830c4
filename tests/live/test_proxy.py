"""Behind a proxy (--trusted-proxies 1) the per-address limits count the client's address from
X-Forwarded-For, not the proxy's (the proxy caps connections per address itself: deploy/nginx.conf);
without it the header is ignored (a client cannot pick its address)."""
import pytest
import socketio

from tests.support import Server


def connect(url: str, forwarded_for: str) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(url, headers={"X-Forwarded-For": forwarded_for}, transports=["websocket"], wait_timeout=10)
    return sio


@pytest.mark.parametrize("trusted", [1, 0])
def test_the_connection_limit_per_address_counts_forwarded_addresses_only_from_trusted_proxies(tmp_path, trusted):
    server = Server("--size", "320x180", "--max-connections-per-address", "1", "--trusted-proxies", str(trusted),
                    log_path=tmp_path / "server.log")
    clients = []
    try:
        clients.append(connect(server.url, "203.0.113.5"))
        if trusted:
            clients.append(connect(server.url, "203.0.113.6"))  # another client behind the same proxy
            with pytest.raises(socketio.exceptions.ConnectionError):
                connect(server.url, "203.0.113.5")  # the same client again: over its limit
        else:
            with pytest.raises(socketio.exceptions.ConnectionError):
                connect(server.url, "203.0.113.6")  # the header is not believed: both are 127.0.0.1
    finally:
        for sio in clients:
            sio.disconnect()
        server.stop()
