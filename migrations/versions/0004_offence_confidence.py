"""offence confidence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:40:00.000000

Adds violation_event.offence_confidence (the detector's confidence in the offence, which the
issuance policy gates on) and fills it for existing camera rows from evidence["confidence"],
where the pipeline has always written it. The JSON is read and the rows updated from Python
with SQLAlchemy core, because SQLite and PostgreSQL spell JSON access differently. Field records
(source "field") keep NULL: an officer's record has no machine confidence. Downgrade drops the
column and loses nothing: evidence["confidence"] is still written and kept.
"""

import math

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 1000
events = sa.table(
    "violation_event",
    sa.column("id", sa.Integer()),
    sa.column("source", sa.String()),
    sa.column("evidence", sa.JSON()),
    sa.column("offence_confidence", sa.Double()),
)


def upgrade():
    with op.batch_alter_table("violation_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offence_confidence", sa.Double(), nullable=True))

    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("violation_event", schema=None) as batch_op:
        batch_op.drop_column("offence_confidence")


def backfill(connection):
    """Copy evidence["confidence"] into the column for camera rows, a batch of rows at a time."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(events.c.id, events.c.evidence)
            .where(events.c.source == "camera", events.c.id > last)
            .order_by(events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        updates = [
            {"row_id": row.id, "value": value}
            for row in rows
            if (value := confidence(row.evidence)) is not None
        ]
        if updates:
            connection.execute(
                events.update()
                .where(events.c.id == sa.bindparam("row_id"))
                .values(offence_confidence=sa.bindparam("value")),
                updates,
            )


def confidence(evidence):
    """Return evidence["confidence"] when it is a number in 0..1, else None (left unknown)."""
    value = evidence.get("confidence") if isinstance(evidence, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0.0 <= value <= 1.0 else None
