"""Alembic data migrations, up and down, on SQLite and on PostgreSQL.

Each test builds its own database (an SQLite file, or a database created beside the session's
PostgreSQL one) so that walking the history back and forth never disturbs the shared schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from echallan.core.extensions import db
from tests.integration.conftest import make_app

SCRATCH_DB = "echallan_migrations_test"
WHEN = datetime(2026, 11, 23, 5, 15, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own, for walking the migration history."""
    if request.param == "sqlite":
        yield make_app(f"sqlite:///{tmp_path / 'migrations.sqlite3'}", tmp_path / "evidence")
        return
    base = os.environ.get("TEST_PG_URL")
    if not base:
        pytest.skip("TEST_PG_URL is not set: run through scripts/test-services.sh (make test)")
    server = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DB}")
    url = sa.make_url(base).set(database=SCRATCH_DB).render_as_string(hide_password=False)
    app = make_app(url, tmp_path / "evidence")
    yield app
    with app.app_context():
        db.engine.dispose()
    with server.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    server.dispose()


def events_table() -> sa.Table:
    """Reflect violation_event as the database has it now."""
    return sa.Table("violation_event", sa.MetaData(), autoload_with=db.engine)


def insert_events(evidences: list[tuple[str, object]]) -> None:
    """Insert events with the given (source, evidence) in order, ids from 1."""
    table = events_table()
    rows = [
        {
            "id": number,
            "source": source,
            "rule": "wrong_way",
            "track_id": number,
            "frame": 0,
            "time_ms": 0,
            "occurred_at": WHEN,
            "bbox": [0, 0, 1, 1],
            "evidence": evidence,
            "status": "new",
            "lookup_attempts": 0,
            "created_at": WHEN,
        }
        for number, (source, evidence) in enumerate(evidences, start=1)
    ]
    with db.engine.begin() as connection:
        connection.execute(table.insert(), rows)


def column_values(name: str) -> dict[int, object]:
    """Return {id: value} for one column of violation_event."""
    table = events_table()
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.select(table.c.id, table.c[name])).all())


ODD_ROWS = [
    ("camera", {"confidence": 1}),  # red light: an integer in the JSON
    ("camera", {"frames": []}),  # no confidence recorded
    ("camera", {"confidence": "high"}),
    ("camera", {"confidence": 1.7}),
    ("camera", {"confidence": None}),
    ("camera", {"confidence": True}),
    ("field", {"photos": ["a.jpg"], "confidence": 0.5}),  # an officer's record: no machine
]
# More than one backfill batch (1,000 rows), each with its own confidence.
CAMERA_ROWS = [("camera", {"confidence": round(n / 2000, 4), "frames": []}) for n in range(1200)]


def expected_backfill() -> dict[int, float | None]:
    """Return the column each inserted row should have after the upgrade."""
    odd = [1.0, None, None, None, None, None, None]
    regular = [evidence["confidence"] for _, evidence in CAMERA_ROWS]
    return dict(enumerate([*odd, *regular], start=1))


def test_0004_adds_offence_confidence_backfilled_from_the_evidence_and_drops_it(scratch) -> None:  # noqa: ANN001
    with scratch.app_context():
        upgrade(revision="0003")
        insert_events([*ODD_ROWS, *CAMERA_ROWS])
        upgrade(revision="0004")
        assert column_values("offence_confidence") == pytest.approx(expected_backfill())

        downgrade(revision="0003")
        assert "offence_confidence" not in events_table().c
        evidence = column_values("evidence")
        assert evidence[1] == {"confidence": 1} and len(evidence) == 1207  # nothing lost

        upgrade(revision="head")
        assert column_values("offence_confidence") == pytest.approx(expected_backfill())
        db.engine.dispose()


def test_the_migrations_build_the_schema_the_models_describe(scratch) -> None:  # noqa: ANN001
    with scratch.app_context():
        upgrade(revision="head")
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
