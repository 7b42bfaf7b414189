"""Sweeps: due dates applied to challans (discount, surcharge, overdue, flags), idempotently."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from echallan import sweeps
from echallan.audit.models import AuditEntry
from echallan.challans.models import Challan, Notice
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from tests.integration import factories as f

ISSUED = "2026-05-04T12:00:00+05:00"


@pytest.fixture
def old_challan(app):  # noqa: ANN001, ANN201
    """A challan issued on 4 May 2026 for an offence the day before."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813", occurred_at="2026-05-03T18:00:00+05:00"), ISSUED)
    return app


def sweep_at(when: str) -> int:
    """Apply due dates as the sweep would at `when`."""
    with unit_of_work():
        return sweeps.apply_due_dates(datetime.fromisoformat(when))


def test_discount_then_surcharge_then_escalations(old_challan) -> None:  # noqa: ANN001
    with old_challan.app_context():
        assert sweep_at("2026-05-10T12:00:00+05:00") == 0  # inside the discount
        sweep_at("2026-05-20T12:00:00+05:00")
        challan = db.session.scalar(sa.select(Challan))
        assert challan.status == "issued" and "discount_ended" in challan.flags
        sweep_at("2026-05-27T12:00:00+05:00")
        db.session.refresh(challan)
        assert challan.status == "overdue" and challan.surcharge_paisa == challan.fine_paisa
        sweep_at("2026-11-23T12:00:00+05:00")
        db.session.refresh(challan)
        assert {"licence_suspension", "cnic_block"} <= set(challan.flags)


def test_sweeping_twice_changes_nothing(old_challan) -> None:  # noqa: ANN001
    with old_challan.app_context():
        sweep_at("2026-11-23T12:00:00+05:00")
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        assert sweep_at("2026-11-23T12:00:00+05:00") == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_sweep_command_delivers_waiting_notices(old_challan, runner) -> None:  # noqa: ANN001
    """Notices written while jobs were off go out on the next sweep."""
    old_challan.config["JOBS_MODE"] = "sync"
    result = runner.invoke(["sweep"])
    assert result.exit_code == 0, result.output
    assert "notices=2" in result.output
    with old_challan.app_context():
        assert set(db.session.scalars(sa.select(Notice.status))) == {"sent"}


def test_sweep_command_prints_json(old_challan, runner) -> None:  # noqa: ANN001
    old_challan.config["JOBS_MODE"] = "sync"
    result = runner.invoke(["sweep", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["notices"] == 2 and all(isinstance(n, int) for n in counts.values())
