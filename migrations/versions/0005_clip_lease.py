"""clip analysis lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:30:00.000000

Adds clip.claimed_at, clip.lease_until (indexed: the clip-lease sweep looks for leases run out)
and clip.analysis_attempts (0 for existing rows). A worker takes the lease when it starts a
clip's analysis and renews it while it runs; a received clip whose lease has run out lost its
worker and is queued again. Downgrade drops the columns: clips in analysis are then found again
by their age only, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("analysis_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(batch_op.f("ix_clip_lease_until"), ["lease_until"], unique=False)


def downgrade():
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_lease_until"))
        batch_op.drop_column("analysis_attempts")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_at")
