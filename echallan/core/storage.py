"""Evidence storage on a local or shared file system, content-addressed by SHA-256."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rules.errors import TooLarge

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedFile:
    """An upload written to the staging area, hashed, not yet in place."""

    path: Path
    sha256: str
    size: int
    head: bytes


class EvidenceStore:
    """Clips and evidence frames under one root; writers stage first, then move into place."""

    def __init__(self, root: str | Path) -> None:
        """Use `root` (created on demand) for evidence files."""
        self.root = Path(root)

    def stage(self, stream: BinaryIO, max_bytes: int) -> StagedFile:
        """Copy a stream to a staging file while hashing it; refuse more than `max_bytes`."""
        staging = self.root / ".incoming"
        staging.mkdir(parents=True, exist_ok=True)
        path = staging / uuid.uuid4().hex
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            with path.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"the clip exceeds the limit of {max_bytes} bytes")
                    head = head or chunk[:512]
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedFile(path, digest.hexdigest(), size, head)

    def clip_path(self, sha256: str, suffix: str) -> Path:
        """Return where the clip with this hash lives."""
        return self.root / "clips" / sha256[:2] / f"{sha256}{suffix}"

    def place(self, staged: StagedFile, target: Path) -> bool:
        """Move a staged file into place; return False if identical content was there already."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            staged.path.unlink(missing_ok=True)
            os.utime(target)  # fresh again: the orphan sweep must not take it while it is reused
            return False
        os.replace(staged.path, target)
        return True

    def evidence_dir(self, sha256: str) -> Path:
        """Return the folder for a clip's evidence frames."""
        return self.root / "frames" / sha256[:2] / sha256

    def put_bytes(self, data: bytes, folder: str, suffix: str) -> tuple[Path, str, bool]:
        """Store `data` under `folder` by its SHA-256; return (path, sha256, newly written)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.root / folder / sha256[:2] / f"{sha256}{suffix}"
        if target.exists():
            os.utime(target)
            return target, sha256, False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{uuid.uuid4().hex}.partial")
        try:
            partial.write_bytes(data)
            os.replace(partial, target)  # whole or absent: a reader never sees half a file
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target, sha256, True

    def contest_path(self, sha256: str, suffix: str) -> Path:
        """Return where a contest upload with this hash lives."""
        return self.root / "contests" / sha256[:2] / f"{sha256}{suffix}"
