"""Contest uploads whose row never committed: swept, audited, once older than the grace period.

`file_contest` writes the upload after the rows flush but before the request commits, so a
failed write rolls the contest back and the citizen is told at once. The price is that a commit
failing after the write (a lost connection, a serialisation failure, a killed worker) leaves a
content-addressed file that no contest names. This sweep removes such files once they are
older than the grace period (an hour by default): a live request writes and commits within
seconds, and `EvidenceStore.put_bytes` freshens a file it finds already there, so the same bytes
uploaded again are never taken for an orphan. Files shared by several contests stay while any
contest names them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from echallan.audit import operations as audit
from echallan.challans.models import Contest
from echallan.clips.orphans import ACTOR, OrphanFile
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore

log = logging.getLogger(__name__)
FOLDER = "contests"
_SHA256 = re.compile(r"[0-9a-f]{64}")
BATCH = 500


@dataclass
class ContestOrphanReport:
    """What one sweep removed."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts for the log."""
        return {"contest_files": len(self.removed), "bytes": self.bytes}


def sweep_contest_orphans(
    store: EvidenceStore, grace: timedelta, now: datetime
) -> ContestOrphanReport:
    """Remove contest files no contest names and older than `grace`, auditing each."""
    cutoff = (now - grace).timestamp()
    report = ContestOrphanReport()
    stale = _stale_uploads(store.root / FOLDER, cutoff)
    named = _named(sorted({p.stem for p in stale}))
    for path in sorted(stale):
        if path.stem not in named:
            _remove(store, path, cutoff, report)
    return report


def _stale_uploads(folder: Path, cutoff: float) -> list[Path]:
    """Return the content-addressed files under `folder` last modified before `cutoff`.

    Only `<sha256><suffix>` names: a `.partial` being written has another name.
    """
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and _SHA256.fullmatch(p.stem) and p.stat().st_mtime < cutoff
    ]


def _named(hashes: list[str]) -> set[str]:
    """Return which of these hashes a contest row names."""
    found: set[str] = set()
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        found.update(
            db.session.scalars(
                sa.select(Contest.evidence_sha256).where(Contest.evidence_sha256.in_(chunk))
            )
        )
    return found


def _remove(store: EvidenceStore, path: Path, cutoff: float, report: ContestOrphanReport) -> None:
    """Audit, then delete, one orphan (unless it was touched since it was listed)."""
    try:
        stat = path.stat()
    except FileNotFoundError:  # another sweeper took it
        return
    if stat.st_mtime >= cutoff:  # the same bytes were uploaded again meanwhile: wanted
        return
    name = str(path.relative_to(store.root))
    audit.record(
        ACTOR,
        "evidence.orphan_removed",
        OrphanFile(path.stem),
        path=name,
        why="contest upload without a contest row",
        size=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime).astimezone().isoformat(),
    )
    path.unlink(missing_ok=True)
    report.removed.append(name)
    report.bytes += stat.st_size
    log.info("removed orphan contest upload %s (%d bytes)", name, stat.st_size)
