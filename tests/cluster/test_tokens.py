"""With tokens (the mode a deployment behind a proxy runs in), a token minted by one process is honoured
by another that shares its secret key, through the scriptable client."""
import re
import subprocess
import sys
import time

import pytest
import socketio

from tests.cluster.conftest import processes
from tests.support import ROOT


@pytest.fixture(scope="module")
def pair(tmp_path_factory, redis_url, content):
    yield from processes(tmp_path_factory, "AB", redis_url, "--source", str(content), "--size", "320x180",
                         "--auth", "tokens")


def run_client(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "web.client", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_a_token_from_one_process_controls_the_channel_through_another(pair):
    a, b = pair
    token = re.search(r"control\?token=(\S+)", a.log_path.read_text()).group(1)  # A's own, owner of every channel
    refused = run_client(b.url, "--enable", "spotlight")
    assert refused.returncode == 1 and '"code": "forbidden"' in refused.stdout, refused.stdout
    done = run_client(b.url, "--token", token, "--enable", "spotlight")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "joined main as owner" in done.stdout
    assert '-> control {"effect": "spotlight", "enabled": true}  ack' in done.stdout


def test_a_token_revoked_in_one_process_is_refused_by_the_others(pair):
    a, b = pair
    owner = re.search(r"control\?token=(\S+)", a.log_path.read_text()).group(1)
    sio = socketio.Client()
    sio.connect(a.url, auth={"token": owner}, transports=["websocket"], wait_timeout=10)
    try:
        invited = sio.call("invite", {"channel": "main", "role": "operator"}, timeout=10)
        assert invited["ok"], invited
        assert run_client(b.url, "--token", invited["token"], "--disable", "spotlight").returncode == 0
        assert sio.call("revoke", {"token": invited["token"]}, timeout=10)["ok"]
    finally:
        sio.disconnect()
    time.sleep(0.3)  # the revocation is published; B hears it
    refused = run_client(b.url, "--token", invited["token"], "--enable", "spotlight")
    assert refused.returncode == 1 and '"code": "forbidden"' in refused.stdout, refused.stdout
