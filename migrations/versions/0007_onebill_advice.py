"""onebill advice

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:00:00.000000

Adds onebill_advice: one row per bank BillPayment (unique per bank and authorisation id) with
the first answer it got, so a replayed advice answers byte for byte as the first time, and
refused advices (already paid, out of the clock window, wrong amount) stay for reconciliation.
Existing 1Bill payments get their advice row (answer 00, their reference, "payment recorded",
as the first answer was), so their replays still answer 00; their bank time stands in for the
time received, which was not kept. Downgrade drops the table (payments are untouched).
"""

import sqlalchemy as sa
from alembic import op

payments = sa.table(
    "payment",
    sa.column("id", sa.Integer()),
    sa.column("challan_id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("reference", sa.String()),
    sa.column("amount_paisa", sa.BigInteger()),
    sa.column("paid_at", sa.DateTime(timezone=True)),
    sa.column("payer", sa.JSON()),
)
challans = sa.table(
    "challan", sa.column("id", sa.Integer()), sa.column("consumer_number", sa.String())
)
advices = sa.table(
    "onebill_advice",
    *(
        sa.column(name)
        for name in (
            "bank",
            "auth_id",
            "consumer_number",
            "amount_paisa",
            "tran_at",
            "received_at",
            "challan_id",
            "payment_id",
            "response_code",
            "identification",
            "detail",
        )
    ),
)

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "onebill_advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=8), nullable=False),
        sa.Column("auth_id", sa.String(length=12), nullable=False),
        sa.Column("consumer_number", sa.String(length=24), nullable=False),
        sa.Column("amount_paisa", sa.BigInteger(), nullable=False),
        sa.Column("tran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("challan_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("response_code", sa.String(length=2), nullable=False),
        sa.Column("identification", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["challan_id"], ["challan.id"], name=op.f("fk_onebill_advice_challan_id_challan")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_onebill_advice_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onebill_advice")),
        sa.UniqueConstraint("bank", "auth_id", name="uq_onebill_advice_bank_auth_id"),
    )
    with op.batch_alter_table("onebill_advice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onebill_advice_consumer_number"), ["consumer_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onebill_advice_challan_id"), ["challan_id"], unique=False
        )
    backfill(op.get_bind())


def backfill(connection):
    """Give every 1Bill payment made so far the advice row its first answer came from."""
    rows = connection.execute(
        sa.select(payments, challans.c.consumer_number)
        .join(challans, challans.c.id == payments.c.challan_id)
        .where(payments.c.channel == "1bill")
    ).all()
    values = [_advice_of(row) for row in rows]
    if values:
        connection.execute(sa.insert(advices), values)


def _advice_of(row):
    """Return the advice row of one earlier 1Bill payment."""
    payer = row.payer or {}
    _, bank, auth_id = row.reference.split(":", 2)
    return {
        "bank": payer.get("bank", bank),
        "auth_id": payer.get("auth_id", auth_id),
        "consumer_number": row.consumer_number,
        "amount_paisa": row.amount_paisa,
        "tran_at": row.paid_at,
        "received_at": row.paid_at,
        "challan_id": row.challan_id,
        "payment_id": row.id,
        "response_code": "00",
        "identification": row.reference,
        "detail": "payment recorded",
    }


def downgrade():
    with op.batch_alter_table("onebill_advice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onebill_advice_challan_id"))
        batch_op.drop_index(batch_op.f("ix_onebill_advice_consumer_number"))
    op.drop_table("onebill_advice")
