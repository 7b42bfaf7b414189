"""Helpers for testing server-rendered pages with Flask's test client: tokens and sign-in."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def form_token(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a csrf_token field"
    return found.group(1) or found.group(2)


def sign_in_page(
    client: FlaskClient, username: str, password: str = "correct horse battery", next: str = ""
) -> object:
    """Sign in through the staff sign-in form, as a browser does; return the response."""
    url = "/staff/sign-in" + (f"?next={next}" if next else "")
    token = form_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "username": username, "password": password})


def post_form(client: FlaskClient, page: str, action: str, **fields: str) -> object:
    """Post a form found on `page` to `action`, with that page's CSRF token."""
    token = form_token(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **fields})
