"""The append-only, hash-chained audit trail: append and verify."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from echallan.extensions import db
from echallan.models import AuditEntry
from echallan.models.types import utcnow

GENESIS = "0" * 64
# An arbitrary constant naming the audit chain's PostgreSQL advisory lock.
AUDIT_LOCK_KEY = 0x6563_6841


def entry_hash(entry: AuditEntry) -> str:
    """Hash an entry's content together with its predecessor's hash."""
    content = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(actor: str, action: str, entity: Any, **data: Any) -> AuditEntry:
    """Append an entry about `entity` (a model instance with an id) to the chain."""
    _lock_chain()
    last = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        entity_type=type(entity).__tablename__,
        entity_id=str(entity.id),
        data=json.loads(json.dumps(data, default=str)),
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def _lock_chain() -> None:
    """Serialise appends on PostgreSQL until commit; SQLite transactions are serialised already."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain: ok, or the first broken entry and why."""

    entries: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""


def verify() -> ChainReport:
    """Walk the chain in order and report the first entry edited, deleted or reordered."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        problem = _check_entry(entry, expected_seq, expected_prev)
        if problem:
            return ChainReport(count, False, entry.seq, problem)
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return ChainReport(count, True)


def _check_entry(entry: AuditEntry, expected_seq: int, expected_prev: str) -> str:
    """Say what is wrong with one entry given its expected place in the chain."""
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (deleted); the chain jumps to {entry.seq}"
    if entry.hash != entry_hash(entry):
        return f"entry {entry.seq} was edited: its content no longer matches its hash"
    if entry.prev_hash != expected_prev:
        return f"entry {entry.seq} does not follow entry {entry.seq - 1} (deleted or reordered)"
    return ""
