"""Recognise video containers by their first bytes, not by what the client claims."""

from __future__ import annotations

# (offset, magic, media type, file suffix)
_SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (4, b"ftypqt", "video/quicktime", ".mov"),
    (4, b"ftyp", "video/mp4", ".mp4"),
    (4, b"moov", "video/quicktime", ".mov"),
    (4, b"mdat", "video/quicktime", ".mov"),
    (4, b"wide", "video/quicktime", ".mov"),
    (0, b"\x1a\x45\xdf\xa3", "video/x-matroska", ".mkv"),
)


def sniff_video(head: bytes) -> tuple[str, str] | None:
    """Return (media type, suffix) for a known video container, else None."""
    for offset, magic, media_type, suffix in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return media_type, suffix
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo", ".avi"
    if len(head) > 188 and head[0] == head[188] == 0x47:
        return "video/mp2t", ".ts"
    return None
