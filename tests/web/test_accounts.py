"""Accounts through real HTTP forms: register, log in and out, CSRF, cookies, limits, tokens, Socket.IO's user."""
import html
import os
import re

import pytest

from tests.web.conftest import build_app, close_app
from tests.web.users import PASSWORD, csrf_token, login, post_form, register
from web import socketio


def test_register_logs_in_and_logout_ends_the_session(client):
    register(client, "alice")
    page = client.get("/account")
    assert page.status_code == 200 and "Account · alice" in page.get_data(as_text=True)
    assert post_form(client, "/logout", {}, form_page="/account").status_code == 302
    assert client.get("/account").status_code == 302  # to the login page
    assert login(client, "alice").status_code == 302
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("form,status,message", [
    ({"username": "alice", "password": PASSWORD}, 409, "the username 'alice' is taken"),
    ({"username": "ALICE", "password": PASSWORD}, 409, "is taken"),
    ({"username": "b" * 41, "password": PASSWORD}, 400, "between 3 and 40 characters"),
    ({"username": "bob", "password": "short"}, 400, "between 8 and 128 characters"),
    ({"username": "bob", "password": "p" * 129}, 400, "between 8 and 128 characters"),
    ({"username": "bob smith", "password": PASSWORD}, 400, "letters, digits"),
])
def test_bad_registrations_are_refused_clearly_and_change_nothing(app, client, form, status, message):
    register(app.test_client(), "alice")
    response = post_form(client, "/register", form)
    assert response.status_code == status and message in html.unescape(response.get_data(as_text=True))
    assert login(client, form["username"], form["password"]).status_code == (302 if form["username"].lower() == "alice" and form["password"] == PASSWORD else 401)


def test_a_wrong_password_is_refused(client):
    register(client, "alice")
    post_form(client, "/logout", {}, form_page="/account")
    response = login(client, "alice", "not the password")
    assert response.status_code == 401 and "wrong username or password" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post("/register", data={"username": "mallory", "password": PASSWORD})
    assert response.status_code == 400 and "CSRF token is missing" in response.get_data(as_text=True)
    assert login(client, "mallory").status_code == 401
    register(client, "alice")
    forged = client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
    assert "<code>gct_" not in client.get("/account").get_data(as_text=True)


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = register(client, "alice").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_secret_key_is_made_once_and_kept_in_the_instance_folder(tmp_path):
    first = build_app(tmp_path)
    key_file = tmp_path / "instance" / "secret_key"
    try:
        client = first.test_client()
        register(client, "alice")
        assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
        cookie = client.get_cookie("session").value
    finally:
        close_app(first)
    again = build_app(tmp_path)  # a restart keeps the key: the session still holds
    other = build_app(tmp_path / "elsewhere")
    try:
        assert again.secret_key == key_file.read_text().strip() != other.secret_key
        client = again.test_client()
        client.set_cookie("session", cookie)
        assert client.get("/account").status_code == 200
    finally:
        close_app(again)
        close_app(other)


def test_login_attempts_are_rate_limited_per_address(app):
    client = app.test_client()
    register(client, "alice")
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": "alice", "password": "wrong password",
                                         "csrf_token": token}).status_code for _ in range(11)]
    assert codes[:9].count(401) == 9 and codes[-1] == 429
    assert "too many attempts" in client.post("/login", data={"csrf_token": token}).get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(elsewhere, "alice").status_code == 302


def test_a_new_password_ends_the_other_sessions(app):
    laptop, phone = app.test_client(), app.test_client()
    register(laptop, "alice")
    login(phone, "alice")
    bad = post_form(laptop, "/account/password", {"password": "wrong one!", "new_password": "a new password"},
                    form_page="/account")
    assert bad.status_code == 401 and phone.get("/account").status_code == 200
    ok = post_form(laptop, "/account/password", {"password": PASSWORD, "new_password": "a new password"},
                   form_page="/account")
    assert ok.status_code == 302
    assert laptop.get("/account").status_code == 200 and phone.get("/account").status_code == 302
    assert login(phone, "alice", "a new password").status_code == 302


def test_api_tokens_authenticate_scripts_until_revoked(app, client):
    assert client.get("/api/recordings").status_code == 401
    register(client, "alice")
    page = post_form(client, "/account/tokens", {"name": "my script"}, form_page="/account").get_data(as_text=True)
    secret = re.search(r"<code>(gct_[^<]+)</code>", page).group(1)
    script = app.test_client()  # no cookie: only the token
    bearer = {"Authorization": f"Bearer {secret}"}
    assert script.get("/api/recordings", headers=bearer).json == {"recordings": []}
    assert script.get("/api/recordings", headers={"Authorization": "Bearer gct_guess"}).status_code == 401
    assert secret not in client.get("/account").get_data(as_text=True)  # shown once
    token_id = re.search(r'<tr data-id="([^"]+)"><td>my script', client.get("/account").get_data(as_text=True)).group(1)
    assert post_form(client, f"/account/tokens/{token_id}/revoke", {}, form_page="/account").status_code == 302
    assert script.get("/api/recordings", headers=bearer).status_code == 401


def test_a_cookie_session_needs_the_csrf_header_to_change_things_through_the_api(app, client):
    register(client, "alice")
    response = client.delete("/api/recordings/nope")
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf"
    token = csrf_token(client, "/account")
    assert client.delete("/api/recordings/nope", headers={"X-CSRFToken": token}).status_code == 404


def test_socket_io_connections_carry_the_logged_in_user(app, client):
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    ack = anonymous.emit("record", {"action": "start"}, callback=True)
    assert ack["error"]["code"] == "login_required"
    assert anonymous.emit("gaze", {"x": 0.5, "y": 0.5}, callback=True) == {"ok": True}  # anonymous gaze still works
    anonymous.disconnect()
    register(client, "alice")
    sio = socketio.test_client(app, flask_test_client=client)
    ack = sio.emit("record", {"action": "start"}, callback=True)
    assert ack["ok"] and ack["id"]
    assert sio.emit("record", {"action": "stop"}, callback=True)["samples"] == 0
    sio.disconnect()
