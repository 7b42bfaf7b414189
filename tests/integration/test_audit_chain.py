"""The audit chain: appended in order, and tampering of every kind is found by `audit verify`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from echallan.extensions import db
from echallan.models import AuditEntry, User
from echallan.services import admin, audit
from echallan.uow import unit_of_work


@pytest.fixture
def chain(app):  # noqa: ANN001, ANN201
    """Five entries about real rows."""
    with app.app_context(), unit_of_work():
        user = admin.create_user("officer1", "correct horse", "officer", actor="test")
        for n in range(4):
            audit.record("user:officer1", "challan.note", user, n=n, note=f"entry {n}")
    return app


def run_verify(runner) -> tuple[int, str]:  # noqa: ANN001
    """Run `echallan audit verify` and return (exit code, output)."""
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def tamper(app, statement) -> None:  # noqa: ANN001
    """Change the audit table behind the application's back."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(statement)


def test_intact_chain_verifies(chain, runner) -> None:  # noqa: ANN001
    code, output = run_verify(runner)
    assert code == 0 and "intact: 5 entries" in output


def test_entries_link_to_their_predecessor(chain) -> None:  # noqa: ANN001
    with chain.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_edited_entry_is_found(chain, runner) -> None:  # noqa: ANN001
    table = AuditEntry.__table__
    tamper(chain, table.update().where(table.c.seq == 3).values(actor="user:someone-else"))
    code, output = run_verify(runner)
    assert code == 1 and "entry 3" in output and "edited" in output


def test_edited_data_is_found(chain, runner) -> None:  # noqa: ANN001
    table = AuditEntry.__table__
    tamper(chain, table.update().where(table.c.seq == 2).values(data={"n": 99}))
    code, output = run_verify(runner)
    assert code == 1 and "entry 2" in output


def test_deleted_entry_is_found(chain, runner) -> None:  # noqa: ANN001
    tamper(chain, AuditEntry.__table__.delete().where(AuditEntry.__table__.c.seq == 4))
    code, output = run_verify(runner)
    assert code == 1 and "entry 4 is missing" in output


def test_rehashed_forgery_is_found(chain, runner) -> None:  # noqa: ANN001
    """An edit whose author recomputes the entry's own hash still breaks the next link."""
    with chain.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 2))
        entry.data = {"n": 1, "note": "forged"}
        entry.hash = audit.entry_hash(entry)
        db.session.commit()
    code, output = run_verify(runner)
    assert code == 1 and "entry 3 does not follow entry 2" in output


def test_reordered_entries_are_found(chain, runner) -> None:  # noqa: ANN001
    table = AuditEntry.__table__
    tamper(chain, table.update().where(table.c.seq == 2).values(seq=-2))
    tamper(chain, table.update().where(table.c.seq == 3).values(seq=2))
    tamper(chain, table.update().where(table.c.seq == -2).values(seq=3))
    code, output = run_verify(runner)
    assert code == 1 and "entry 2" in output


def test_audit_entries_are_written_with_the_change(chain) -> None:  # noqa: ANN001
    """Creating a user wrote its audit entry in the same transaction."""
    with chain.app_context():
        user = db.session.scalar(sa.select(User))
        first = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 1))
    assert first.action == "user.created" and first.entity_id == str(user.id)
