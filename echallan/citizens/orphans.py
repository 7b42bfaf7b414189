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

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from echallan.challans.models import Contest
from echallan.clips.orphans import hashes_named, remove_orphan, stale_files
from echallan.core.storage import EvidenceStore

FOLDER = "contests"


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
    stale = stale_files(store.root / FOLDER, cutoff, content_addressed=True)
    named = hashes_named(Contest.evidence_sha256, sorted({p.stem for p in stale}))
    for path in sorted(stale):
        if path.stem not in named:
            removed = remove_orphan(store, path, "contest upload without a contest row", cutoff)
            if removed is not None:
                report.removed.append(removed.name)
                report.bytes += removed.size
    return report
