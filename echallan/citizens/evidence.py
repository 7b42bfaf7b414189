"""The citizen's copy of an evidence frame: their own vehicle marked, everyone else blurred.

The analysis burns every tracked vehicle's box and track number into the frames the police see
(vision.evidence.annotate). A citizen sees only their own vehicle: the offender's box is drawn in
pure red (BGR 0,0,255) three pixels wide, so the largest pure-red outline finds it again without
the tracks; everything outside it (and outside the caption strip and plate inset at the top) is
blurred, bystanders' plates and track numbers included. A frame without the red box is blurred
whole but for the caption strip: showing too little is safer than showing a stranger.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

OFFENDER_BGR = (0, 0, 255)
CAPTION_ROWS = 24  # the black strip with frame, time, signal state and camera
INSET = (0, 0, 128, 96)  # x, y, w, h of the caption strip and the pasted plate crop
MARGIN = 12  # pixels kept sharp around the offender's box (its label sits above it)
LABEL_ROWS = 28
JPEG_QUALITY = 88


def offender_box(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """Return (x, y, w, h) of the largest pure-red outline, or None when there is none."""
    mask = cv2.inRange(image, OFFENDER_BGR, OFFENDER_BGR)
    mask[:CAPTION_ROWS] = 0
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
    return (x, y, w, h) if w * h >= 64 else None


def citizen_copy(image: np.ndarray) -> np.ndarray:
    """Return the frame with all but the offender (and the caption strip) blurred."""
    height, width = image.shape[:2]
    kernel = max(15, (min(height, width) // 12) | 1)
    out = cv2.GaussianBlur(image, (kernel, kernel), 0)
    keep = [(0, 0, width, CAPTION_ROWS)]
    box = offender_box(image)
    if box is not None:
        x, y, w, h = box
        keep += [
            INSET,
            (x - MARGIN, y - MARGIN - LABEL_ROWS, w + 2 * MARGIN, h + 2 * MARGIN + LABEL_ROWS),
        ]
    for x, y, w, h in keep:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(width, x + w), min(height, y + h)
        out[y0:y1, x0:x1] = image[y0:y1, x0:x1]
    return out


def citizen_jpeg(path: Path) -> bytes:
    """Return the citizen's copy of the frame at `path` as JPEG; raise OSError if unreadable."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read evidence frame {path}")
    ok, data = cv2.imencode(".jpg", citizen_copy(image), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OSError(f"cannot encode evidence frame {path}")
    return data.tobytes()


# A contest upload: what its first bytes must be, and what we store it as.
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


class UploadRefused(ValueError):
    """An upload we will not keep; `kind` picks the citizen's message (type, size, ...)."""

    def __init__(self, kind: str, detail: str, limit_mb: int = 0) -> None:
        super().__init__(detail)
        self.kind, self.limit_mb = kind, limit_mb


def sniff(data: bytes) -> tuple[str, str]:
    """Return (media type, suffix) from the file's first bytes; the name and header lie."""
    for magic, media_type, suffix in MAGIC:
        if data.startswith(magic):
            return media_type, suffix
    raise UploadRefused("type", "only a JPEG or PNG photo or a PDF can be attached")


def clean_upload(data: bytes, max_bytes: int) -> tuple[bytes, str, str]:
    """Return (bytes to store, media type, suffix): images re-encoded, which drops EXIF and GPS.

    A PDF is kept as is: it is the citizen's document, and rewriting it could change what it
    says. An image that does not decode is refused, so nothing else hides behind a magic number.
    """
    if not data:
        raise UploadRefused("empty", "the attached file is empty")
    if len(data) > max_bytes:
        limit_mb = max(1, max_bytes // (1024 * 1024))
        raise UploadRefused("size", f"the file is larger than {max_bytes} bytes", limit_mb)
    media_type, suffix = sniff(data)
    if media_type == "application/pdf":
        return data, media_type, suffix
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise UploadRefused("unreadable", "the photo could not be decoded")
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if suffix == ".jpg" else []
    ok, encoded = cv2.imencode(suffix, image, params)
    if not ok:
        raise UploadRefused("unreadable", "the photo could not be decoded")
    return encoded.tobytes(), media_type, suffix
