"""Reading plates: localisation, the project's recogniser (via fast-plate-ocr) and plate rules.

`PlateReader`, `PlateRead` and `vote` are imported lazily so that `import ocr` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocr.reader import PlateRead, PlateReader, vote

__all__ = ["PlateRead", "PlateReader", "vote"]


def __getattr__(name: str) -> Any:
    """Import the reader on first use of one of its names."""
    if name in __all__:
        from ocr import reader

        return getattr(reader, name)
    raise AttributeError(f"module 'ocr' has no attribute {name!r}")
