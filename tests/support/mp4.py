"""Rewrite an MP4 the way a camera's muxer often writes it: the index (moov) before the data."""

from __future__ import annotations

import struct


def _atoms(data: bytes) -> list[tuple[int, int, bytes]]:
    """Return the top-level atoms as (offset, size, kind)."""
    found, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size < 8:
            break
        found.append((at, size, kind))
        at += size
    return found


def faststart(data: bytes) -> bytes:
    """Move `moov` right after `ftyp`, shifting its chunk offsets (stco) by its own size."""
    top = _atoms(data)
    start, size = next((a, s) for a, s, k in top if k == b"moov")
    moov = bytearray(data[start : start + size])
    at = moov.find(b"stco")
    while at >= 0:
        (count,) = struct.unpack(">I", moov[at + 8 : at + 12])
        for slot in range(at + 12, at + 12 + 4 * count, 4):
            (offset,) = struct.unpack(">I", moov[slot : slot + 4])
            moov[slot : slot + 4] = struct.pack(">I", offset + size)
        at = moov.find(b"stco", at + 4)
    ftyp = next(s for a, s, k in top if k == b"ftyp")
    rest = b"".join(data[a : a + s] for a, s, k in top if k != b"moov")
    return rest[:ftyp] + bytes(moov) + rest[ftyp:]
