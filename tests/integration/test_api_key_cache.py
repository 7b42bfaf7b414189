"""Verified machine keys are kept a few seconds, and a revoked key stops working within that.

The bank path checks a key per request; the check is cached by the header's hash for
API_KEY_CACHE_S. Revoking clears this process's entry at once; another process (simulated here
by deactivating the row behind the app's back) admits the key until its entry lapses.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import sqlalchemy as sa

from echallan.challans.models import Challan
from echallan.core import auth_keys, deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.staff.models import ApiClient
from rules.errors import NotFound
from tests.integration import factories as f
from tests.integration.conftest import make_app

TTL_S = 0.5


@pytest.fixture
def bank(app, database_url, tmp_path):  # noqa: ANN001, ANN201
    """An app whose key cache lasts TTL_S, an issued challan and a bank key."""
    app.config["JOBS_MODE"] = "defer"
    short = make_app(database_url, tmp_path / "short", API_KEY_CACHE_S=TTL_S, JOBS_MODE="defer")
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"), "2026-11-23T12:00:00+05:00")
        key = f.partner_key(["payments:write"], "HBL")
        consumer = db.session.scalar(sa.select(Challan.consumer_number))
    short.config["CLOCK"] = lambda: datetime.fromisoformat("2026-11-25T10:15:00+05:00")
    yield short, key, consumer
    with short.app_context():
        db.session.remove()
        db.engine.dispose()


def inquire(app, key: str, consumer: str) -> int:  # noqa: ANN001
    """Send a BillInquiry; return the HTTP status."""
    body = {"consumer_number": consumer, "bank_mnemonic": "HBL"}
    answer = app.test_client().post(
        "/api/v1/payments/1bill/bill-inquiry", json=body, headers={"X-Api-Key": key}
    )
    return answer.status_code


def test_a_revoked_key_fails_at_once_in_the_revoking_process(bank) -> None:  # noqa: ANN001
    app, key, consumer = bank
    assert inquire(app, key, consumer) == 200  # now cached
    with app.app_context(), unit_of_work():
        auth_keys.revoke_key(key.split(".")[0], "user:admin", deps.of(app).api_keys)
    assert inquire(app, key, consumer) == 401


def test_a_key_revoked_elsewhere_fails_within_the_ttl(bank) -> None:  # noqa: ANN001
    app, key, consumer = bank
    assert inquire(app, key, consumer) == 200
    with app.app_context(), unit_of_work():  # another worker's revoke: this cache is not told
        db.session.execute(sa.update(ApiClient).values(active=False))
    assert inquire(app, key, consumer) == 200  # still trusted: the cache has not lapsed
    time.sleep(TTL_S + 0.1)
    assert inquire(app, key, consumer) == 401


def test_a_wrong_secret_never_matches_a_cached_key(bank) -> None:  # noqa: ANN001
    app, key, consumer = bank
    assert inquire(app, key, consumer) == 200
    assert inquire(app, key[:-2] + ("AA" if key[-2:] != "AA" else "BB"), consumer) == 401
    assert inquire(app, key.split(".")[0] + ".", consumer) == 401


def test_revoking_is_audited_and_an_unknown_key_is_not_found(bank) -> None:  # noqa: ANN001
    app, key, _ = bank
    with app.app_context(), unit_of_work():
        auth_keys.revoke_key(key.split(".")[0], "user:admin", deps.of(app).api_keys)
        with pytest.raises(NotFound):
            auth_keys.revoke_key("nope", "user:admin", deps.of(app).api_keys)
    with app.app_context():
        actions = db.session.scalars(sa.text("SELECT action FROM audit_entry")).all()
    assert "api_client.revoked" in actions


def test_a_warm_bill_inquiry_is_one_query(bank) -> None:  # noqa: ANN001
    app, key, consumer = bank
    assert inquire(app, key, consumer) == 200  # warms the key cache
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert inquire(app, key, consumer) == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
