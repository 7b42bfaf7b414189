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

from echallan.audit import operations as audit
from echallan.clips.models import Clip
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore

log = logging.getLogger(__name__)
ACTOR = "system:sweep"
_SHA256 = re.compile(r"[0-9a-f]{64}")
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
    for path in _stale(store.root / ".incoming", cutoff):
        _remove(store, path, "staged upload", cutoff, report, report.staged)
    stale = {p.stem: p for p in _stale(store.root / "clips", cutoff) if _SHA256.fullmatch(p.stem)}
    recorded = _recorded(list(stale))
    for sha256, path in sorted(stale.items()):
        if sha256 not in recorded:
            _remove(store, path, "clip file without a clip row", cutoff, report, report.clips)
    return report


def _stale(folder: Path, cutoff: float) -> list[Path]:
    """Return the files under a folder last modified before `cutoff` (a POSIX time)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]


def _recorded(hashes: list[str]) -> set[str]:
    """Return which of these hashes have a clip row."""
    found: set[str] = set()
    for start in range(0, len(hashes), BATCH):
        query = sa.select(Clip.sha256).where(Clip.sha256.in_(hashes[start : start + BATCH]))
        found.update(db.session.scalars(query))
    return found


def _remove(
    store: EvidenceStore, path: Path, why: str, cutoff: float, report: OrphanReport, into: list
) -> None:
    """Audit, then delete, one orphan (unless it was touched since it was listed)."""
    try:
        stat = path.stat()
    except FileNotFoundError:  # another sweeper took it
        return
    if stat.st_mtime >= cutoff:  # a new upload of the same bytes freshened it: it is wanted
        return
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
    into.append(name)
    report.bytes += stat.st_size
    log.info("removed orphan %s (%s, %d bytes)", name, why, stat.st_size)
