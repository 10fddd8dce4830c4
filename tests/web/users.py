"""Helpers for tests with real accounts: forms with their CSRF token, as a browser posts them."""
import re

PASSWORD = "correct horse battery"


def csrf_token(client, path: str = "/login") -> str:
    """Return the CSRF token of the form on a page."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def post_form(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST a form with the CSRF token of the page that shows it."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page or path)}, **kwargs)


def register(client, username: str, password: str = PASSWORD):
    """Register (and so log in) through the form."""
    response = post_form(client, "/register", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form."""
    return post_form(client, "/login", {"username": username, "password": password})
