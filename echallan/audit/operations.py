"""The append-only, hash-chained audit trail: append, verify, and anchor the head outside.

The chain alone cannot show that its newest entries were deleted (or the whole tail rewritten
and rehashed): nothing in the database remembers where it ended. Anchors do: the head (last
seq and hash) published regularly to a file the database operator cannot rewrite, or pulled by
an outside party through the API, and checked by `verify(anchors)`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.core import audit_key, clock
from echallan.core.extensions import db
from rules.errors import InvalidInput

GENESIS = "0" * 64
# An arbitrary constant naming the audit chain's PostgreSQL advisory lock.
AUDIT_LOCK_KEY = 0x6563_6841


def entry_hash(entry: AuditEntry) -> str:
    """Hash an entry's content together with its predecessor's hash, keyed when a key is set.

    HMAC-SHA256 under a key kept outside the database: someone who can only write the database
    can edit an entry but cannot compute the hashes of a rebuilt, consistent chain.
    """
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
    key = audit_key.current()
    if key is None:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def record(actor: str, action: str, entity: Any, **data: Any) -> AuditEntry:
    """Append an entry about `entity` (a model instance with an id) to the chain."""
    _lock_chain()
    last = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        # Stored and hashed in UTC: the column reads back in UTC, so a local-time clock would
        # otherwise hash a text that verification can never rebuild.
        at=clock.now().astimezone(UTC),
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
    anchors: int = 0  # how many anchors were checked against the chain


@dataclass(frozen=True)
class Anchor:
    """The chain's head as published: the last entry's seq and hash, and when (UTC) it was taken."""

    seq: int
    hash: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return the anchor as JSON-ready values."""
        return {"seq": self.seq, "hash": self.hash, "at": self.at.isoformat()}

    def to_line(self) -> str:
        """Serialise as one JSON object on one line (no newline)."""
        return json.dumps(self.as_dict())

    @classmethod
    def from_line(cls, line: str) -> Anchor:
        """Parse one line written by `to_line`; ValueError says what is wrong with it."""
        try:
            fields = json.loads(line)
            seq, digest, at = fields["seq"], fields["hash"], _parse_time(fields["at"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"not an anchor object with seq, hash and at ({error})") from error
        if type(seq) is not int or seq < 1:
            raise ValueError(f"seq must be a positive integer, not {seq!r}")
        if not isinstance(digest, str) or len(digest) != 64 or not _is_hex(digest):
            raise ValueError("hash must be 64 hexadecimal characters")
        if at.tzinfo is None:
            raise ValueError("at must carry a time zone")
        return cls(seq, digest.lower(), at.astimezone(UTC))


def _parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time, saying which field is wrong when it is not one."""
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"at is not an ISO 8601 time: {text!r}") from error


def _is_hex(text: str) -> bool:
    """Say whether `text` is lower- or upper-case hexadecimal."""
    return all(c in "0123456789abcdefABCDEF" for c in text)


def head(now: datetime) -> Anchor | None:
    """Return the chain's head as an anchor taken at `now`, or None for an empty chain."""
    last = db.session.execute(
        sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return Anchor(last.seq, last.hash, now.astimezone(UTC)) if last else None


def publish_anchor(path: str | os.PathLike[str], now: datetime) -> Anchor | None:
    """Append the head to the anchors file at `path` and return it (None: empty chain, no line)."""
    anchor = head(now)
    if anchor is None:
        return None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a+b") as handle:
        # A line left unfinished by an earlier crash must not swallow this one.
        prefix = b"" if _ends_with_newline(handle) else b"\n"
        handle.write(prefix + anchor.to_line().encode() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())  # the anchor only counts once it is on disk
    return anchor


def _ends_with_newline(handle: Any) -> bool:
    """Say whether a file opened for append is empty or ends with a newline."""
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return True
    handle.seek(size - 1)
    return handle.read(1) == b"\n"


def read_anchors(path: str | os.PathLike[str]) -> list[Anchor]:
    """Read an anchors file; InvalidInput names the file and line of a malformed entry."""
    anchors = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue  # blank lines (a hand-edited file) carry no anchor
            try:
                anchors.append(Anchor.from_line(line))
            except ValueError as error:
                raise InvalidInput(f"{path}, line {number}: {error}") from error
    return anchors


def verify(anchors: Sequence[Anchor] = ()) -> ChainReport:
    """Walk the chain in order and report the first entry edited, deleted, reordered or rewritten.

    Each anchor's entry must still exist with the anchored hash: that catches what the walk alone
    cannot, a deleted or rewritten-and-rehashed tail. Only the anchors are held in memory.
    """
    pending = deque(sorted(anchors, key=lambda anchor: anchor.seq))
    expected_prev, expected_seq, count, checked = GENESIS, 1, 0, 0
    walk = sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for entry in db.session.scalars(walk):
        count += 1
        problem = _check_entry(entry, expected_seq, expected_prev)
        while not problem and pending and pending[0].seq <= entry.seq:
            problem, checked = _check_anchor(entry, pending.popleft()), checked + 1
        if problem:
            return ChainReport(count, False, entry.seq, problem, checked)
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    if pending:
        return _tail_cut(count, expected_seq - 1, pending, checked + len(pending))
    return ChainReport(count, True, anchors=checked)


def _check_anchor(entry: AuditEntry, anchor: Anchor) -> str:
    """Say whether `entry` (the anchored seq, reached in order) differs from its anchor."""
    if entry.hash == anchor.hash:
        return ""
    return (
        f"entry {entry.seq} does not match its anchor of {anchor.at.isoformat()}: "
        f"the chain was rewritten at or before entry {entry.seq}"
    )


def _tail_cut(count: int, last_seq: int, beyond: Sequence[Anchor], checked: int) -> ChainReport:
    """Report anchors past the chain's end: its newest entries were deleted."""
    furthest = max(beyond, key=lambda anchor: (anchor.seq, -anchor.at.timestamp()))
    first, last = last_seq + 1, furthest.seq
    missing = f"entry {first} is" if first == last else f"entries {first}..{last} are"
    problem = (
        f"{missing} missing: entry {furthest.seq} was anchored at {furthest.at.isoformat()} "
        f"but the chain ends at {last_seq}"
    )
    return ChainReport(count, False, last_seq + 1, problem, checked)


def _check_entry(entry: AuditEntry, expected_seq: int, expected_prev: str) -> str:
    """Say what is wrong with one entry given its expected place in the chain."""
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (deleted); the chain jumps to {entry.seq}"
    if not hmac.compare_digest(entry.hash, entry_hash(entry)):
        return (
            f"entry {entry.seq} was edited, or the chain rebuilt without this instance's audit"
            " key: its content no longer matches its keyed hash"
        )
    if entry.prev_hash != expected_prev:
        return f"entry {entry.seq} does not follow entry {entry.seq - 1} (deleted or reordered)"
    return ""
