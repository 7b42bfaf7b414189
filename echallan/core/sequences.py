"""Gapless named counters, safe under concurrency on PostgreSQL and SQLite."""

from __future__ import annotations

import sqlalchemy as sa

from echallan.core.extensions import db

# One statement, so two transactions can never read the same value: PostgreSQL takes the row
# lock on conflict, SQLite's writer lock is held from BEGIN IMMEDIATE. A rolled-back
# transaction rolls its increment back too, so numbers have no gaps.
_NEXT = sa.text(
    "INSERT INTO sequence_counter (name, value) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = sequence_counter.value + 1 "
    "RETURNING value"
)


def next_value(name: str) -> int:
    """Return the next value of the counter `name`, starting at 1."""
    return int(db.session.execute(_NEXT, {"name": name}).scalar_one())
