"""api key last used

Revision ID: 0010_api_key_last_used
Revises: 0009_wallet_refunds
Create Date: 2026-12-07 11:20:00.000000

When an API client's key was last accepted, for the administrator's list of keys (a key unused
for months is one to revoke). Touched at most once a minute per key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_api_key_last_used"
down_revision = "0009_wallet_refunds"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_client") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("api_client") as batch:
        batch.drop_column("last_used_at")
