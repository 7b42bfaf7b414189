"""Files a killed process left behind: staged uploads, and stored clips whose row never committed.

A worker killed between staging and commit (kill -9, OOM, a node lost) leaves a file in
`.incoming/`, or a clip moved into place whose transaction never committed. No row refers to
such a file, so nothing else would ever remove it. Only files older than a grace period go:
a live request stages and commits within seconds, and `EvidenceStore.place` freshens a file it
finds already in place, so a clip being stored again is never taken for an orphan.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from echallan.audit import operations as audit
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore

log = logging.getLogger(__name__)
ACTOR = "system:sweep"
SHA256_NAME = re.compile(r"[0-9a-f]{64}")  # a content-addressed file's name, without suffix
BATCH = 500


@dataclass(frozen=True)
class OrphanFile:
    """A file of the evidence store that no row owns: the audit entry's subject."""

    __tablename__: ClassVar[str] = "evidence_file"
    id: str  # its name without suffix: a clip's SHA-256 or a staging id (the audit keeps 64)


@dataclass
class OrphanReport:
    """What one sweep removed."""

    staged: list[str] = field(default_factory=list)
    clips: list[str] = field(default_factory=list)
    bytes: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts for the log."""
        return {"staged": len(self.staged), "clips": len(self.clips), "bytes": self.bytes}


def sweep_orphans(store: EvidenceStore, grace: timedelta, now: datetime) -> OrphanReport:
    """Remove staged files and unrecorded clip files older than `grace`, auditing each."""
    cutoff = (now - grace).timestamp()
    report = OrphanReport()
    for path in stale_files(store.root / ".incoming", cutoff):
        _count(remove_orphan(store, path, "staged upload", cutoff), report, report.staged)
    stale = stale_files(store.root / "clips", cutoff, content_addressed=True)
    recorded = hashes_named(Clip.sha256, sorted({p.stem for p in stale}))
    for path in sorted(stale):
        if path.stem not in recorded:
            why = "clip file without a clip row"
            _count(remove_orphan(store, path, why, cutoff), report, report.clips)
    return report


def _count(removed: Removed | None, report: OrphanReport, into: list[str]) -> None:
    """Add one removal to the report."""
    if removed is not None:
        into.append(removed.name)
        report.bytes += removed.size


def stale_files(folder: Path, cutoff: float, content_addressed: bool = False) -> list[Path]:
    """Return the files under a folder last modified before `cutoff` (a POSIX time).

    With `content_addressed`, only `<sha256><suffix>` names: a `.partial` being written has
    another name.
    """
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and (not content_addressed or SHA256_NAME.fullmatch(p.stem))
        and p.stat().st_mtime < cutoff
    ]


def hashes_named(column: InstrumentedAttribute[str], hashes: list[str]) -> set[str]:
    """Return which of these hashes a row names in `column` (a few hundred a query)."""
    found: set[str] = set()
    for start in range(0, len(hashes), BATCH):
        query = sa.select(column).where(column.in_(hashes[start : start + BATCH]))
        found.update(db.session.scalars(query))
    return found


@dataclass(frozen=True)
class Removed:
    """One orphan removed: its path under the store and its size."""

    name: str
    size: int


def remove_orphan(store: EvidenceStore, path: Path, why: str, cutoff: float) -> Removed | None:
    """Audit, then delete, one orphan (unless it was touched since it was listed)."""
    try:
        stat = path.stat()
    except FileNotFoundError:  # another sweeper took it
        return None
    if stat.st_mtime >= cutoff:  # a new upload of the same bytes freshened it: it is wanted
        return None
    name = str(path.relative_to(store.root))
    modified = datetime.fromtimestamp(stat.st_mtime).astimezone().isoformat()
    audit.record(
        ACTOR,
        "evidence.orphan_removed",
        OrphanFile(path.stem),
        path=name,
        why=why,
        size=stat.st_size,
        modified_at=modified,
    )
    path.unlink(missing_ok=True)
    log.info("removed orphan %s (%s, %d bytes)", name, why, stat.st_size)
    return Removed(name, stat.st_size)
