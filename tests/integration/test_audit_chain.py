"""The audit chain: appended in order, and tampering of every kind is found by `audit verify`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.audit.models import AuditEntry
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.staff import operations as admin
from echallan.staff.models import User


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
    """Change the audit table behind the application's back: as the owner, past the trigger.

    The app's own role may not UPDATE or DELETE audit_entry (migration 0008), so a forger here
    is the database owner with the append-only trigger switched off for the transaction.
    """
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "postgresql":
        url = sa.make_url(os.environ["TEST_PG_URL"])
    owner = sa.create_engine(url)
    try:
        with owner.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.execute(statement)
    finally:
        owner.dispose()


def rewrite(app, entries) -> None:  # noqa: ANN001
    """Write forged entries (changed in the session, not flushed) behind the app's back."""
    table = AuditEntry.__table__
    forged = [(e.seq, {"data": e.data, "hash": e.hash, "prev_hash": e.prev_hash}) for e in entries]
    db.session.rollback()
    for seq, values in forged:
        tamper(app, table.update().where(table.c.seq == seq).values(**values))


def test_intact_chain_verifies(chain, runner) -> None:  # noqa: ANN001
    code, output = run_verify(runner)
    assert code == 0 and "intact: 5 entries" in output


def test_a_chain_written_on_a_local_time_clock_verifies(app, runner) -> None:  # noqa: ANN001
    app.config["CLOCK"] = lambda: datetime.fromisoformat("2026-11-25T10:15:00+05:00")
    with app.app_context(), unit_of_work():
        user = admin.create_user("officer1", "correct horse", "officer", actor="test")
        audit.record("user:officer1", "challan.note", user, note="Karachi time")
    code, output = run_verify(runner)
    assert code == 0 and "intact: 2 entries" in output


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
        rewrite(chain, [entry])
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


# Anchors: the head published outside the database catches a deleted or rewritten tail.


def anchor_to(runner, path) -> dict:  # noqa: ANN001
    """Run `echallan audit anchor --to PATH` and return the printed anchor."""
    result = runner.invoke(args=["audit", "anchor", "--to", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def verify_against(runner, path) -> tuple[int, str]:  # noqa: ANN001
    """Run `echallan audit verify --anchors PATH` and return (exit code, output)."""
    result = runner.invoke(args=["audit", "verify", "--anchors", str(path)])
    return result.exit_code, result.output


def test_anchor_appends_the_head(chain, runner, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "anchors" / "audit.jsonl"  # the folder does not exist yet
    first, second = anchor_to(runner, path), anchor_to(runner, path)
    with chain.app_context():
        last = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 5))
    assert first["seq"] == second["seq"] == 5 and first["hash"] == last.hash
    assert [a.seq for a in audit.read_anchors(path)] == [5, 5]
    code, output = verify_against(runner, path)
    assert code == 0 and "intact: 5 entries, 2 anchors checked" in output


def test_deleted_tail_is_found_only_with_anchors(chain, runner, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "audit.jsonl"
    anchored = anchor_to(runner, path)
    tamper(chain, AuditEntry.__table__.delete().where(AuditEntry.__table__.c.seq >= 4))
    code, output = run_verify(runner)
    assert code == 0 and "intact: 3 entries" in output  # the limitation anchors exist for
    code, output = verify_against(runner, path)
    assert code == 1 and "entries 4..5 are missing" in output
    assert f"anchored at {anchored['at']} but the chain ends at 3" in output
    assert "1 anchor checked" in output


def test_rewritten_and_rehashed_tail_is_found(chain, runner, tmp_path) -> None:  # noqa: ANN001
    """A forger who rehashes entry 4 and relinks entry 5 fools the walk, not the anchor."""
    path = tmp_path / "audit.jsonl"
    anchor_to(runner, path)
    with chain.app_context():
        fourth, fifth = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.seq >= 4).order_by(AuditEntry.seq)
        ).all()
        fourth.data = {"n": 2, "note": "forged"}
        fourth.hash = audit.entry_hash(fourth)
        fifth.prev_hash = fourth.hash
        fifth.hash = audit.entry_hash(fifth)
        rewrite(chain, [fourth, fifth])
    assert run_verify(runner)[0] == 0
    code, output = verify_against(runner, path)
    assert code == 1 and "entry 5 does not match its anchor" in output
    assert "rewritten at or before entry 5" in output


def test_an_earlier_anchor_is_checked_in_order(chain, runner, tmp_path) -> None:  # noqa: ANN001
    """An anchor in the middle of the chain names the rewrite before the walk reaches the end."""
    path = tmp_path / "audit.jsonl"
    with chain.app_context():
        third = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 3))
        at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
        path.write_text(audit.Anchor(3, "f" * 64, at).to_line() + "\n")
        assert third.hash != "f" * 64
    code, output = verify_against(runner, path)
    assert code == 1 and "BROKEN at entry 3" in output and "2026-11-24T03:00:00+00:00" in output


def test_malformed_or_missing_anchors_file_exits_2(chain, runner, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "audit.jsonl"
    anchor_to(runner, path)
    with path.open("a") as handle:
        handle.write('{"seq": 5, "hash": "not a hash", "at": "2026-11-24T03:00:00+00:00"}\n')
    code, output = verify_against(runner, path)
    assert code == 2 and "line 2" in output and "hash" in output
    code, output = verify_against(runner, tmp_path / "nowhere.jsonl")
    assert code == 2 and "cannot read the anchors file" in output


def test_verify_checks_the_configured_anchors_by_default(chain, runner, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "configured.jsonl"
    chain.config["AUDIT_ANCHOR_FILE"] = str(path)
    code, output = run_verify(runner)
    assert code == 0 and "no anchors published yet" in output and "0 anchors checked" in output
    anchor_to(runner, path)
    tamper(chain, AuditEntry.__table__.delete().where(AuditEntry.__table__.c.seq == 5))
    code, output = run_verify(runner)
    assert code == 1 and "entry 5 is missing" in output and "chain ends at 4" in output


def test_anchoring_is_on_by_default_under_the_instance(chain, runner) -> None:  # noqa: ANN001
    default = Path(chain.config["INSTANCE_DIR"]) / "audit-anchors.jsonl"
    assert chain.config["AUDIT_ANCHOR_FILE"] == str(default)
    from echallan.scheduler import sweeps

    assert "audit-anchor" in {s.name for s in sweeps(chain)}
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    assert len(audit.read_anchors(default)) == 1
    code, output = run_verify(runner)
    assert code == 0 and "1 anchor" in output


def test_a_chain_rebuilt_without_the_key_is_found(chain, runner) -> None:  # noqa: ANN001
    """Database write access alone: edit an entry and rehash the whole chain in plain SHA-256."""
    with chain.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)).all()
        entries[1].data = {"n": 1, "note": "forged"}
        key, chain.config["AUDIT_ANCHOR_KEY"] = chain.config["AUDIT_ANCHOR_KEY"], ""
        previous = audit.GENESIS
        for entry in entries:
            entry.prev_hash = previous
            entry.hash = previous = audit.entry_hash(entry)
        chain.config["AUDIT_ANCHOR_KEY"] = key
        rewrite(chain, entries)
    code, output = run_verify(runner)
    assert code == 1 and "entry 1" in output and "audit key" in output


def test_empty_chain_publishes_nothing(app, runner, tmp_path) -> None:  # noqa: ANN001
    result = runner.invoke(args=["audit", "anchor", "--to", str(tmp_path / "a.jsonl")])
    assert result.exit_code == 0 and "empty" in result.output
    assert not (tmp_path / "a.jsonl").exists()


def test_anchor_after_a_torn_line_starts_a_new_line(chain, tmp_path) -> None:  # noqa: ANN001
    """A line left half-written by a crash stays malformed on its own; the next anchor is whole."""
    path = tmp_path / "audit.jsonl"
    path.write_text('{"seq": 4, "ha')
    with chain.app_context():
        audit.publish_anchor(path, datetime.now(UTC))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and audit.Anchor.from_line(lines[1]).seq == 5


def test_sweep_and_task_publish_the_head(chain, database_url, tmp_path) -> None:  # noqa: ANN001
    from echallan.audit import tasks
    from echallan.core.jobs import celery
    from echallan.scheduler import Scheduler, sweeps
    from tests.integration.conftest import make_app

    path = tmp_path / "audit.jsonl"
    anchored = make_app(database_url, tmp_path / "ev", AUDIT_ANCHOR_FILE=str(path))
    sweep = next(s for s in sweeps(anchored) if s.name == "audit-anchor")
    assert sweep.period_s == 900 and sweep.task is tasks.publish_audit_anchor
    assert celery.conf.beat_schedule["sweep-audit-anchor"]["task"] == sweep.task.name
    published = Scheduler(anchored, [sweep]).run_once(sweep)
    assert published.seq == 5 and [a.seq for a in audit.read_anchors(path)] == [5]
    assert tasks.publish_audit_anchor()["seq"] == 5
    assert len(audit.read_anchors(path)) == 2


def test_head_api_returns_the_head_to_staff_only(chain, client) -> None:  # noqa: ANN001
    from tests.integration.factories import sign_in

    refused = client.get("/api/v1/ops/audit/head")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    sign_in(client, "officer1", "correct horse")
    answer = client.get("/api/v1/ops/audit/head")
    with chain.app_context():
        last = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert answer.status_code == 200
    assert answer.json["seq"] == last.seq and answer.json["hash"] == last.hash
    assert datetime.fromisoformat(answer.json["at"]).tzinfo is not None


def test_head_api_admits_a_machine_key_with_the_audit_scope_only(chain, client) -> None:  # noqa: ANN001
    from tests.integration.factories import partner_key

    with chain.app_context():
        auditor = partner_key(["audit:read"], name="auditor-general")
        excise = partner_key(["challans:read"], name="excise")
    answer = client.get("/api/v1/ops/audit/head", headers={"X-Api-Key": auditor})
    assert answer.status_code == 200 and answer.json["seq"] == 7  # the two keys were audited
    refused = client.get("/api/v1/ops/audit/head", headers={"X-Api-Key": excise})
    assert refused.status_code == 403 and "audit:read" in refused.json["detail"]
    forged = client.get("/api/v1/ops/audit/head", headers={"X-Api-Key": "abc.not-a-key"})
    assert forged.status_code == 401


def test_the_apps_role_cannot_update_or_delete_audit_entries(chain) -> None:  # noqa: ANN001
    """On PostgreSQL the app connects as its own role: INSERT and SELECT only, and a trigger."""
    with chain.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("roles and triggers are PostgreSQL's")
        assert db.session.scalar(sa.text("SELECT current_user")) == "echallan_app"
        table = AuditEntry.__table__
        for statement in (
            table.update().where(table.c.seq == 2).values(actor="user:forger"),
            table.delete().where(table.c.seq == 5),
        ):
            refused = pytest.raises(sa.exc.DBAPIError, match="permission denied|append-only")
            with refused, db.engine.begin() as connection:
                connection.execute(statement)
    # even the owner is refused by the trigger unless it switches triggers off on purpose
    owner = sa.create_engine(os.environ["TEST_PG_URL"])
    try:
        refused = pytest.raises(sa.exc.DBAPIError, match="append-only")
        with refused, owner.begin() as connection:
            connection.execute(table.delete().where(table.c.seq == 5))
    finally:
        owner.dispose()
    with chain.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 5


def test_verify_and_anchor_print_json(chain, runner, tmp_path) -> None:  # noqa: ANN001
    intact = runner.invoke(args=["audit", "verify", "--json"])
    assert intact.exit_code == 0, intact.output
    assert json.loads(intact.stdout) == {
        "entries": 5,
        "ok": True,
        "first_bad_seq": None,
        "problem": "",
        "anchors": 0,
    }
    printed = runner.invoke(args=["audit", "anchor", "--to", str(tmp_path / "a.jsonl"), "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["seq"] == 5
    table = AuditEntry.__table__
    tamper(chain, table.update().where(table.c.seq == 3).values(actor="user:someone-else"))
    broken = runner.invoke(args=["audit", "verify", "--json"])
    report = json.loads(broken.stdout)
    assert broken.exit_code == 1 and not report["ok"] and report["first_bad_seq"] == 3
