"""deploy/nginx.conf is valid (`nginx -t`) and works: TLS, Socket.IO over a WebSocket, unbuffered MJPEG and
the JSON endpoints, in front of three processes behind one Redis (the only changes to the file are the
ports, the certificate and the paths of its pid and logs)."""
import re
import shutil
import ssl
import subprocess
import time
import urllib.request

import pytest
import requests
import socketio

from tests.support import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # installed by `make test` (scripts/setup-system.sh test)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, cluster):
    folder = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    http_port, https_port = free_port(), free_port()
    ports = iter(s.port for s in cluster)
    text = re.sub(r"server 127\.0\.0\.1:500[123];", lambda m: f"server 127.0.0.1:{next(ports)};", text)
    for old, new in (("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("/etc/ssl/gazecast/fullchain.pem", str(folder / "cert.pem")),
                     ("/etc/ssl/gazecast/privkey.pem", str(folder / "key.pem")),
                     ("/run/nginx-gazecast.pid", str(folder / "nginx.pid")),
                     ("/var/log/nginx/gazecast-error.log", str(folder / "error.log")),
                     ("/var/log/nginx/gazecast-access.log", str(folder / "access.log"))):
        assert old in text, old
        text = text.replace(old, new)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log"),
                             "-g", "daemon off;"])
    url = f"https://127.0.0.1:{https_port}"
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", context=context, timeout=5).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url, context, http_port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # the test's self-signed certificate
def test_nginx_serves_the_cluster_over_tls(nginx):
    url, context, http_port = nginx
    with urllib.request.urlopen(url + "/healthz", context=context, timeout=10) as r:
        assert r.status == 200 and "cluster" in r.read().decode()
    with urllib.request.urlopen(url + "/stream/main.mjpg", context=context, timeout=20) as r:
        assert r.headers["Content-Type"] == "multipart/x-mixed-replace; boundary=frame"
        t0, parts = time.monotonic(), 0
        while parts < 5:  # parts come one by one (unbuffered), not in one burst at the end
            line = r.readline()
            if line.strip() == b"--frame":
                parts += 1
        assert time.monotonic() - t0 < 15
    sio = socketio.Client(ssl_verify=False)
    sio.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        assert sio.transport() == "websocket"
        ack = sio.call("control", {"effect": "spotlight", "enabled": True}, timeout=10)
        assert ack["ok"], ack
        assert sio.call("gaze", {"x": 0.3, "y": 0.3}, timeout=10)["ok"]
    finally:
        sio.disconnect()
    session = requests.Session()
    session.verify, session.trust_env = False, False  # the self-signed certificate (REQUESTS_CA_BUNDLE would win)
    polling = socketio.Client(http_session=session)  # long-polling: several requests, kept on one process
    polling.connect(url, transports=["polling"], wait_timeout=10)
    try:
        for _ in range(3):
            assert polling.call("gaze", {"x": 0.5, "y": 0.5}, timeout=10)["ok"]
    finally:
        polling.disconnect()
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}/healthz")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=5)
        raise AssertionError("plain HTTP was served")
    except urllib.error.HTTPError as exc:
        assert exc.code == 301 and exc.headers["Location"].startswith("https://")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
