"""audit append only

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:00:00.000000

On PostgreSQL the audit trail becomes append-only for everyone but a superuser who disables the
trigger on purpose: a trigger refuses UPDATE and DELETE on audit_entry. When the application's
own role exists (ECHALLAN_APP_ROLE, default echallan_app) it gets what the app needs on every
table (and on tables later migrations create), but only INSERT and SELECT on audit_entry.
SQLite has no roles; nothing changes there. Downgrade drops the trigger and its function
(grants stay: they are harmless and the owner can revoke them).

"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
TRIGGER = """
CREATE TRIGGER audit_entry_append_only
BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
"""


def upgrade() -> None:
    """Refuse UPDATE/DELETE on audit_entry; grant the app role INSERT, SELECT only there."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute(TRIGGER)
    role = os.environ.get("ECHALLAN_APP_ROLE", "echallan_app")
    exists = bind.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if exists:
        _grant(role)


def _grant(role: str) -> None:
    """Give the app role what it needs, and no more than INSERT and SELECT on the audit trail."""
    quoted = f'"{role}"'
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {quoted}"
    )
    op.execute(f"REVOKE ALL ON audit_entry FROM {quoted}")
    op.execute(f"GRANT INSERT, SELECT ON audit_entry TO {quoted}")


def downgrade() -> None:
    """Drop the trigger and its function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
