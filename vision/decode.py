"""Open clips with OpenCV and tell apart the ways a file can fail to be a usable video."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vision.errors import ClipError, UnsupportedClip

log = logging.getLogger(__name__)

# Leading bytes of containers we accept (mp4/mov 'ftyp' at offset 4, AVI RIFF, Matroska EBML).
CONTAINER_MAGIC = (
    (4, b"ftyp"),
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"RIFF"),
    (0, b"\x1a\x45\xdf\xa3"),
)
# Video codecs the FFmpeg inside opencv-python-headless decodes (what cameras and phones send):
# an opened clip of one of these that yields no frame is damaged, not unsupported.
DECODED_CODECS = frozenset(
    {"avc1", "h264", "x264", "hev1", "hvc1", "hevc", "mp4v", "fmp4", "xvid", "divx", "mjpg"}
)
AUDIO_TAGS = {"mp4a", "ac-3", "ec-3", "sowt", "twos", "lpcm", "alac", "opus", ".mp3", "samr"}
# A clip decoding fewer frames than this share of what its header promises is truncated
# (headers estimate the count from the duration: a real 200-frame .mov decodes 179).
MIN_DECODED_SHARE = 0.75


@dataclass(frozen=True)
class ClipInfo:
    """What the container says about a clip."""

    path: Path
    width: int
    height: int
    fps: float
    frame_count: int
    fourcc: str


def _looks_like_container(head: bytes) -> bool:
    """Tell whether the file starts like a video container we know."""
    return any(head[off : off + len(magic)] == magic for off, magic in CONTAINER_MAGIC)


def declared_codec(path: Path) -> str | None:
    """Return the codec tag a container declares (AVI 'vids' header, MP4 'stsd' entry), if seen."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        data = handle.read(1 << 20)
        if size > 1 << 20:
            handle.seek(max(0, size - (1 << 20)))
            data += handle.read()
    tags = []
    for marker, skip in ((b"vids", 0), (b"stsd", 12)):
        at = data.find(marker)
        while at >= 0:
            tag = data[at + 4 + skip : at + 8 + skip]
            if len(tag) == 4 and tag.isascii() and tag.strip(b"\x00"):
                tags.append(tag.decode("ascii"))
            at = data.find(marker, at + 4)
    video = [t for t in tags if t.lower() not in AUDIO_TAGS]
    return video[0] if video else None


def _unopenable(path: Path, head: bytes) -> ClipError:
    """Explain why FFmpeg cannot open a file: not a video, unknown codec or a broken container."""
    if not _looks_like_container(head):
        return UnsupportedClip(f"not a video file: {path.name}")
    codec = declared_codec(path)
    if codec:
        return UnsupportedClip(f"unsupported codec '{codec}' in {path.name}")
    return ClipError(f"truncated or corrupt video container: {path.name}")


def _undecodable(info: ClipInfo) -> ClipError:
    """Explain why an opened clip yields no frame: a codec we lack, or damaged data."""
    if info.fourcc.lower() in DECODED_CODECS:
        return ClipError(
            f"truncated or damaged clip: no frame of its '{info.fourcc}' video decodes"
            f" in {info.path.name}"
        )
    return UnsupportedClip(
        f"unsupported codec '{info.fourcc}': no frame decodes in {info.path.name}"
    )


def _fourcc(capture: cv2.VideoCapture) -> str:
    """Return the codec tag of an open capture as text."""
    code = int(capture.get(cv2.CAP_PROP_FOURCC))
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00") or "?"


def probe(path: Path | str) -> ClipInfo:
    """Open the clip far enough to know its size, rate and codec; raise ClipError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise ClipError(f"no such clip file: {path}")
    if path.stat().st_size == 0:
        raise ClipError(f"zero-length file: {path.name}")
    with path.open("rb") as handle:
        head = handle.read(16)
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise _unopenable(path, head)
        info = ClipInfo(
            path,
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            float(capture.get(cv2.CAP_PROP_FPS)),
            int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            _fourcc(capture),
        )
        ok, _ = capture.read()
    finally:
        capture.release()
    if not ok or info.width <= 0 or info.height <= 0:
        raise _undecodable(info)
    if not 0 < info.fps <= 240:
        raise ClipError(f"clip has no usable frame rate ({info.fps}): {path.name}")
    return info


def check_decodable(path: Path | str) -> ClipInfo:
    """Probe a clip and decode its first frame and one near its end: cheap, before it is kept.

    The frame at the share of the declared count that `check_complete` requires must decode, so
    an upload cut short (its index intact at the front, its data missing) is refused at once.
    """
    info = probe(path)
    if info.frame_count > 1:
        index = max(1, int(MIN_DECODED_SHARE * info.frame_count) - 1)
        capture = cv2.VideoCapture(str(info.path), cv2.CAP_FFMPEG)
        try:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, _ = capture.read()
        finally:
            capture.release()
        if not ok:
            raise ClipError(
                f"truncated clip: frame {index} of the {info.frame_count} its container declares"
                f" does not decode in {info.path.name}"
            )
    return info


def frames(info: ClipInfo, wanted: set[int] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (index, BGR frame) in order; with `wanted`, decode all but convert only those."""
    convert = (lambda _: True) if wanted is None else wanted.__contains__
    walked = _walk(info, convert, max(wanted) if wanted else None)
    return ((index, frame) for index, frame in walked if frame is not None)


def sampled(info: ClipInfo, every: int) -> Iterator[tuple[int, np.ndarray | None]]:
    """Yield (index, frame) for every frame; only each `every`-th is converted, others are None."""
    return _walk(info, lambda index: index % every == 0)


def _walk(
    info: ClipInfo, convert: Callable[[int], bool], last: int | None = None
) -> Iterator[tuple[int, np.ndarray | None]]:
    """Yield (index, frame) up to `last`; frames not to convert are only grabbed, given as None.

    Grabbing without converting keeps the decoder's position for a fraction of the cost.
    """
    capture = cv2.VideoCapture(str(info.path), cv2.CAP_FFMPEG)
    index = 0
    try:
        while last is None or index <= last:
            if convert(index):
                ok, frame = capture.read()
                if not ok:
                    break
                yield index, frame
            else:
                if not capture.grab():
                    break
                yield index, None
            index += 1
    finally:
        capture.release()


def check_complete(info: ClipInfo, decoded: int) -> None:
    """Raise ClipError when far fewer frames decoded than the container promised."""
    if info.frame_count > 0 and decoded < MIN_DECODED_SHARE * info.frame_count:
        raise ClipError(
            f"truncated clip: {decoded} of {info.frame_count} frames decode in {info.path.name}"
        )
