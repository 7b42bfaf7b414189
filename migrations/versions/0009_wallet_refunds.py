"""wallet checkouts, events and refunds

Revision ID: 0009_wallet_refunds
Revises: 0008
Create Date: 2026-12-07 11:00:00.000000

Adds wallet_checkout (a checkout started at JazzCash or Easypaisa, unique per provider and
reference), wallet_event (each provider event, unique per provider and event id, written in the
payment's own transaction so a replay is a no-op) and refund (money to pay back, one row per
source of money). Nothing existing changes; downgrade drops the three tables.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_wallet_refunds"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    """Return the foreign key of `column` to `target`.id, named the metadata's way."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    op.create_table(
        "wallet_checkout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("challan_id", sa.Integer(), nullable=False),
        sa.Column("amount_paisa", sa.BigInteger(), nullable=False),
        sa.Column("redirect_url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        _fk("wallet_checkout", "challan_id", "challan"),
        _fk("wallet_checkout", "payment_id", "payment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_checkout")),
        sa.UniqueConstraint("provider", "reference", name="uq_wallet_checkout_provider_reference"),
    )
    with op.batch_alter_table("wallet_checkout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wallet_checkout_challan_id"), ["challan_id"])
        batch_op.create_index(batch_op.f("ix_wallet_checkout_status"), ["status"])
    op.create_table(
        "wallet_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("amount_paisa", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("challan_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        _fk("wallet_event", "challan_id", "challan"),
        _fk("wallet_event", "payment_id", "payment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_event")),
        sa.UniqueConstraint("provider", "event_id", name="uq_wallet_event_provider_event_id"),
    )
    with op.batch_alter_table("wallet_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wallet_event_challan_id"), ["challan_id"])
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("challan_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("rail", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("paid_reference", sa.String(length=64), nullable=False),
        sa.Column("amount_paisa", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refund_reference", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        _fk("refund", "challan_id", "challan"),
        _fk("refund", "payment_id", "payment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("source_key", name=op.f("uq_refund_source_key")),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_challan_id"), ["challan_id"])
        batch_op.create_index(batch_op.f("ix_refund_status"), ["status"])


def downgrade():
    op.drop_table("refund")
    op.drop_table("wallet_event")
    op.drop_table("wallet_checkout")
