"""Issue 23: staff sessions and sign-in, rate limits, CSRF and security headers.

Each test runs on SQLite and on PostgreSQL (the `app` fixture), through the real HTTP stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from echallan import bootstrap
from echallan.audit.models import AuditEntry
from echallan.core.extensions import db
from echallan.staff import sessions
from echallan.staff.models import StaffSession, User
from tests.integration import factories as f

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(app: Flask) -> dict[str, datetime]:
    """A clock the test moves by hand."""
    now = {"now": START}
    app.config["CLOCK"] = lambda: now["now"]
    return now


def session_cookie(client: FlaskClient) -> str:
    """Return the value of the client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    """Return a fresh client carrying a given session cookie (as a thief would)."""
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def sign_in_raw(client: FlaskClient, username: str, password: str = PASSWORD):  # noqa: ANN201
    """POST the credentials and return the response."""
    return client.post("/api/v1/session", json={"username": username, "password": password})


# --- secret key ---------------------------------------------------------------------------


def test_a_cookie_forged_with_the_old_default_key_or_old_format_is_not_a_session(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        f.staff("root", "admin")
        admin_id = db.session.scalar(sa.select(User.id))
    forged_old_key = _signed(app, {"user_id": admin_id}, key="dev-only-not-secret")
    forged_own_key = _signed(app, {"user_id": admin_id}, key=app.config["SECRET_KEY"])
    for value in (forged_old_key, forged_own_key):
        assert with_cookie(app, value).get("/api/v1/session").status_code == 401
    assert app.config["SECRET_KEY"] != "dev-only-not-secret"


def _signed(app: Flask, data: dict, key: str) -> str:
    """Sign session data the way Flask does, with a given key."""
    original = app.secret_key
    app.secret_key = key
    try:
        return app.session_interface.get_signing_serializer(app).dumps(data)  # type: ignore[attr-defined]
    finally:
        app.secret_key = original


# --- sessions: revocation and timeouts --------------------------------------------------


def test_sign_out_revokes_the_cookie_on_the_server(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        f.staff("officer", "officer")
    f.sign_in(client, "officer")
    stolen = session_cookie(client)
    assert with_cookie(app, stolen).get("/api/v1/police/review-tasks").status_code == 200
    assert client.delete("/api/v1/session").status_code == 204
    assert with_cookie(app, stolen).get("/api/v1/session").status_code == 401
    assert with_cookie(app, stolen).get("/api/v1/police/review-tasks").status_code == 401
    with app.app_context():
        row = db.session.scalar(sa.select(StaffSession))
        assert row.revoked_at is not None
        assert stolen not in row.id  # only the token's hash is stored


def test_an_idle_session_lapses(app: Flask, client: FlaskClient, clock: dict) -> None:
    bootstrap.reconfigure(app, SESSION_IDLE_TIMEOUT_S=600, SESSION_MAX_AGE_S=3600)
    with app.app_context():
        f.staff("officer", "officer")
    f.sign_in(client, "officer")
    clock["now"] += timedelta(seconds=590)
    assert client.get("/api/v1/session").status_code == 200  # used: idle time starts again
    clock["now"] += timedelta(seconds=590)
    assert client.get("/api/v1/session").status_code == 200
    clock["now"] += timedelta(seconds=601)
    assert client.get("/api/v1/session").status_code == 401


def test_a_busy_session_still_ends_at_its_maximum_age(
    app: Flask, client: FlaskClient, clock: dict
) -> None:
    bootstrap.reconfigure(app, SESSION_IDLE_TIMEOUT_S=600, SESSION_MAX_AGE_S=1800)
    with app.app_context():
        f.staff("officer", "officer")
    f.sign_in(client, "officer")
    for _ in range(3):  # used every 5 minutes, 25 minutes in all
        clock["now"] += timedelta(seconds=500)
        assert client.get("/api/v1/session").status_code == 200
    clock["now"] += timedelta(seconds=500)  # 33 minutes after sign-in
    assert client.get("/api/v1/session").status_code == 401


def test_signing_in_starts_a_new_session(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        f.staff("officer", "officer")
    f.sign_in(client, "officer")
    first = session_cookie(client)
    f.sign_in(client, "officer")
    assert session_cookie(client) != first
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 2


# --- lockout and username privacy ---------------------------------------------------------


def test_failed_sign_ins_lock_the_account_with_back_off_audited(
    app: Flask, client: FlaskClient, clock: dict
) -> None:
    bootstrap.reconfigure(app, LOGIN_LOCKOUT_THRESHOLD=3, LOGIN_LOCKOUT_BASE_S=60)
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"
    with app.app_context():
        f.staff("officer", "officer")
    for _ in range(3):
        assert sign_in_raw(client, "officer", "wrong password").status_code == 401
    refused = sign_in_raw(client, "officer")  # the right password, but locked
    assert refused.status_code == 401
    assert refused.json["detail"] == sign_in_raw(client, "nobody").json["detail"]
    clock["now"] += timedelta(seconds=61)
    assert sign_in_raw(client, "officer", "wrong again").status_code == 401  # 4th: 2 minutes
    clock["now"] += timedelta(seconds=61)
    assert sign_in_raw(client, "officer").status_code == 401
    clock["now"] += timedelta(seconds=60)
    assert sign_in_raw(client, "officer").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.failed_logins == 0 and user.locked_until is None
        locks = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "user.locked")
        ).all()
        assert [entry.data["failed_logins"] for entry in locks] == [3, 4]


def lock_out(app: Flask, client: FlaskClient) -> None:
    """Lock the officer's account with three wrong passwords."""
    bootstrap.reconfigure(app, LOGIN_LOCKOUT_THRESHOLD=3, LOGIN_LOCKOUT_BASE_S=3600)
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"
    with app.app_context():
        f.staff("officer", "officer")
        f.staff("root", "admin")
    for _ in range(3):
        sign_in_raw(client, "officer", "wrong password")
    assert sign_in_raw(client, "officer").status_code == 401


def test_an_admin_unlocks_a_locked_account_audited(
    app: Flask, client: FlaskClient, clock: dict
) -> None:
    lock_out(app, client)
    officer = app.test_client()
    token = f.sign_in(officer, "root")  # sign-in is per account: root is not locked
    url = "/api/v1/ops/staff/officer/unlock"
    headers = {"X-CSRFToken": token}
    assert officer.post("/api/v1/ops/staff/nobody/unlock", headers=headers).status_code == 404
    response = officer.post(url, headers=headers)
    assert response.status_code == 200 and response.json["locked_until"] is None
    assert sign_in_raw(client, "officer").status_code == 200
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.unlocked"))
        assert entry.actor == "user:root" and entry.data["failed_logins"] == 3


def test_only_an_admin_may_unlock(app: Flask, client: FlaskClient, clock: dict) -> None:
    lock_out(app, client)
    with app.app_context():
        f.staff("officer2", "officer")
    other = app.test_client()
    token = f.sign_in(other, "officer2")
    response = other.post("/api/v1/ops/staff/officer/unlock", headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert app.test_client().post("/api/v1/ops/staff/officer/unlock").status_code in (401, 403)


def test_users_unlock_command(app: Flask, client: FlaskClient, clock: dict, runner) -> None:  # noqa: ANN001
    lock_out(app, client)
    result = runner.invoke(args=["users", "unlock", "officer"])
    assert result.exit_code == 0 and "officer unlocked" in result.output
    assert sign_in_raw(client, "officer").status_code == 200
    missing = runner.invoke(args=["users", "unlock", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_an_unknown_username_costs_the_same_hash_check(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        f.staff("officer", "officer")
    calls = _count_calls(monkeypatch)
    for username in ("officer", "no-such-user"):
        calls.clear()
        assert sign_in_raw(client, username, "wrong password").status_code == 401
        assert len(calls) == 1, username
        assert calls[0].startswith(app.config["PASSWORD_HASH_METHOD"])


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the hash every password check is made against (the real check still runs)."""
    calls: list[str] = []
    real: Callable[[str, str], bool] = sessions.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(sessions, "verify_password", counting)
    return calls


# --- rate limits --------------------------------------------------------------------------


def assert_limited(response) -> None:  # noqa: ANN001
    """A breach: 429 problem+json telling when to retry."""
    assert response.status_code == 429, response.data
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429
    assert int(response.headers["Retry-After"]) >= 0


def test_sign_in_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert sign_in_raw(client, "nobody").status_code == 401
    assert_limited(sign_in_raw(client, "nobody"))


def test_citizen_look_ups_share_one_limit_and_contests_have_theirs(
    app: Flask, client: FlaskClient
) -> None:
    app.config.update(CITIZEN_LOOKUP_RATE_LIMIT="3 per minute", CONTEST_RATE_LIMIT="1 per hour")
    assert client.get("/api/v1/challans/KHI-1?plate=ABC-123").status_code == 404
    assert client.get("/api/v1/challans/KHI-1/evidence/0?plate=ABC-123").status_code == 404
    assert client.get("/verify/KHI-1?plate=ABC-123").status_code == 404
    made_up_key = {"X-Api-Key": "fresh.bucket"}  # an open view counts by address, not by key
    assert_limited(client.get("/api/v1/challans/KHI-2?plate=XYZ-9", headers=made_up_key))
    contest = {"plate": "ABC-123", "grounds": "I was not driving there that day."}
    assert client.post("/api/v1/challans/KHI-1/contest", json=contest).status_code == 404
    assert_limited(client.post("/api/v1/challans/KHI-1/contest", json=contest))


def test_partner_look_ups_are_limited_per_key(app: Flask, client: FlaskClient) -> None:
    app.config["PARTNER_LOOKUP_RATE_LIMIT"] = "2 per minute"
    with app.app_context():
        first, second = f.partner_key(["challans:read"]), f.partner_key(["challans:read"], "nadra")
    for _ in range(2):
        ok = client.get("/api/v1/partners/challans?plate=ABC-123", headers={"X-Api-Key": first})
        assert ok.status_code == 200
    assert_limited(client.get("/api/v1/partners/challans/KHI-1", headers={"X-Api-Key": first}))
    other = client.get("/api/v1/partners/challans?plate=ABC-123", headers={"X-Api-Key": second})
    assert other.status_code == 200


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test set-up's Redis, emptied; skip without it."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: run through scripts/test-services.sh")
    import redis

    connection = redis.Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()


@pytest.mark.redis
def test_two_processes_on_one_redis_share_the_limit(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    limits = {"RATELIMIT_STORAGE_URI": redis_url, "CITIZEN_LOOKUP_RATE_LIMIT": "3 per minute"}
    other = _serve_in_another_process(database_url, tmp_path / "other", limits)
    try:
        here = f_make_app(database_url, tmp_path / "here", limits).test_client()
        assert here.get("/api/v1/challans/KHI-1?plate=A-1").status_code == 404
        assert here.get("/api/v1/challans/KHI-1?plate=A-1").status_code == 404
        third = requests.get(f"{other.url}/api/v1/challans/KHI-1?plate=A-1", timeout=10)
        assert third.status_code == 404  # the third of three, counted in the same Redis
        breached = requests.get(f"{other.url}/api/v1/challans/KHI-1?plate=A-1", timeout=10)
        assert breached.status_code == 429 and "Retry-After" in breached.headers
        assert_limited(here.get("/api/v1/challans/KHI-1?plate=A-1"))
    finally:
        other.process.terminate()
        other.process.wait(timeout=10)


def f_make_app(url: str, evidence: Path, overrides: dict) -> Flask:
    """Build a test app (the integration fixtures' builder)."""
    from tests.integration.conftest import make_app

    return make_app(url, evidence, **overrides)


class Served:
    """A server process and its base URL."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process, self.url = process, url


SERVE = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from tests.integration.conftest import make_app
app = make_app(sys.argv[1], Path(sys.argv[2]), RATELIMIT_STORAGE_URI=sys.argv[3],
               CITIZEN_LOOKUP_RATE_LIMIT=sys.argv[4])
server = make_server("127.0.0.1", 0, app)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _serve_in_another_process(url: str, evidence: Path, limits: dict) -> Served:
    """Start the app in a separate Python process on a loopback port."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            url,
            str(evidence),
            limits["RATELIMIT_STORAGE_URI"],
            limits["CITIZEN_LOOKUP_RATE_LIMIT"],
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = process.stdout.readline().strip()  # type: ignore[union-attr]
    assert port.isdigit(), "the second app process did not start"
    return Served(process, f"http://127.0.0.1:{port}")


# --- CSRF ---------------------------------------------------------------------------------


def test_cookie_requests_need_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        f.staff("officer", "officer")
    token = f.sign_in(client, "officer")
    client.environ_base.pop("HTTP_X_CSRFTOKEN")
    missing = client.delete("/api/v1/session")
    assert missing.status_code == 403 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/session", headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 403
    assert token  # from the sign-in; GET hands one out too, and it serves as well:
    again = client.get("/api/v1/session").json["csrf_token"]
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": again}).status_code == 204


def test_cookie_requests_from_another_site_are_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        f.staff("officer", "officer")
    token = f.sign_in(client, "officer")
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        refused = client.delete("/api/v1/session", headers=header)
        assert refused.status_code == 403 and "evil.example" in refused.json["detail"]
    same_site = client.delete(
        "/api/v1/session", headers={"Origin": "http://localhost", "X-CSRFToken": token}
    )
    assert same_site.status_code == 204


def test_key_authenticated_and_cookie_less_requests_need_no_token(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        key = f.partner_key(["ownership:write"])
        f.staff("officer", "officer")
    f.sign_in(client, "officer")  # a cookie too: the partners' blueprint never reads it
    client.environ_base.pop("HTTP_X_CSRFTOKEN")
    sale = {
        "plate": "ASF-813",  # known to the registry seed
        "transferred_at": "2026-12-01T10:00:00+05:00",
        "new_owner_cnic": "42101-1234567-1",
        "new_owner_name": "A. Buyer",
    }
    headers = {"X-Api-Key": key, "Origin": "https://evil.example"}
    sold = client.post("/api/v1/partners/ownership-changes", json=sale, headers=headers)
    assert sold.status_code == 201, sold.json
    contest = {"plate": "ABC-123", "grounds": "I was not driving there that day."}
    citizen = app.test_client()  # no cookie: nothing to forge, no token asked
    assert citizen.post("/api/v1/challans/KHI-1/contest", json=contest).status_code == 404


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api/v1/session", "/api/v1/docs", "/nowhere"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # development: plain HTTP


def test_production_sends_hsts(app: Flask, client: FlaskClient) -> None:
    app.config["HSTS_SECONDS"] = 31536000
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_api_docs_load_their_assets_from_this_app(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page and "<script>" not in page
    for asset in ("swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "init.js"):
        assert f"/api/v1/docs/assets/{asset}" in page
        response = client.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.data) > 100
