"""contest waiver

Revision ID: 0011_contest_waiver
Revises: 0010_api_key_last_used
Create Date: 2026-12-07 11:00:00.000000

A contest keeps the reason chosen from the list, its optional upload (by SHA-256 and media type)
and the officer's decision as the citizen reads it (who, why, the fine before and after a
reduction); existing contests get reason "other" and no upload. Adds waiver_request: a
first-offence waiver asked for with a written apology, one row per request. Downgrade drops the
table and the columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_contest_waiver"
down_revision = "0010_api_key_last_used"
branch_labels = None
depends_on = None


def contest_columns() -> list[sa.Column]:
    """Return the contest's new columns (fresh objects: a Column belongs to one table)."""
    return [
        sa.Column("reason", sa.String(32), nullable=False, server_default="other"),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("evidence_type", sa.String(40), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decision_reasons", sa.JSON(), nullable=True),
        sa.Column("fine_before_paisa", sa.BigInteger(), nullable=True),
        sa.Column("new_fine_paisa", sa.BigInteger(), nullable=True),
    ]


def upgrade():
    with op.batch_alter_table("contest") as batch:
        for column in contest_columns():
            batch.add_column(column)
    op.create_table(
        "waiver_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("challan_id", sa.Integer(), sa.ForeignKey("challan.id"), nullable=False),
        sa.Column("cnic", sa.String(13), nullable=False),
        sa.Column("apology", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_waiver_request_challan_id", "waiver_request", ["challan_id"])
    op.create_index("ix_waiver_request_cnic", "waiver_request", ["cnic"])


def downgrade():
    op.drop_index("ix_waiver_request_cnic", "waiver_request")
    op.drop_index("ix_waiver_request_challan_id", "waiver_request")
    op.drop_table("waiver_request")
    with op.batch_alter_table("contest") as batch:
        for column in reversed(contest_columns()):
            batch.drop_column(column.name)
