"""Real HTTP sessions and Socket.IO clients of a logged-in user against a live server."""
import re

import requests
import socketio

PASSWORD = "correct horse battery"


def session_for(url: str, username: str, register: bool = True) -> requests.Session:
    """Register (or log in) through the form, with its CSRF token; return the cookie-carrying session."""
    http = requests.Session()
    path = "/register" if register else "/login"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', http.get(url + path, timeout=30).text).group(1)
    r = http.post(url + path, data={"username": username, "password": PASSWORD, "csrf_token": token},
                  allow_redirects=False, timeout=60)
    assert r.status_code == 302, r.text
    return http


def socket_for(url: str, http: requests.Session) -> socketio.Client:
    """Connect a Socket.IO client (websocket) with the session's cookie: it carries the user."""
    client = socketio.Client()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=20)
    return client
