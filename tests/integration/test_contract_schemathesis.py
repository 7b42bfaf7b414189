"""The OpenAPI document is a contract: schemathesis checks every operation's answers against it.

Run as each audience (a signed-in admin, a partner key with every scope, a camera's device key)
against the app served on loopback, with every conformance check: no server error, documented
status codes, content types, headers and response bodies. Kept short (10 examples an operation)
so that it fits in the normal `make test` run.

The document's shapes do not depend on the database, so the contract runs on SQLite only;
tests/integration/test_api_fuzz.py still sends its requests to both databases, which is where
an engine-specific server error would show.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from echallan.core.auth import SCOPES
from tests.integration import factories as f
from tests.integration.test_api_fuzz import run_schemathesis

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
AUDIENCES = ["staff", "partner", "device"]


def headers_for(app: Flask, who: str) -> list[str]:
    """Return the credential header lines of one audience (staff: cookie and CSRF token)."""
    if who == "staff":
        with app.app_context():
            f.staff("root", "admin")
        client = app.test_client()
        token = f.sign_in(client, "root")
        cookie = client.get_cookie("session")
        assert cookie is not None
        return [f"Cookie: session={cookie.value}", f"X-CSRFToken: {token}"]
    with app.app_context():
        key = f.partner_key(sorted(SCOPES)) if who == "partner" else f.camera_with_key()
    return [f"X-Api-Key: {key}"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", AUDIENCES)
def test_answers_conform_to_the_document(app: Flask, served: str, who: str, tmp_path: Path) -> None:
    headers = headers_for(app, who)
    done = run_schemathesis(served, CHECKS, "examples,coverage,fuzzing", 10, headers, tmp_path)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
