"""Clips that cannot be analysed are refused with a reason naming the problem."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from rules.errors import InvalidInput, UnsupportedMedia
from vision import decode
from vision.errors import ClipError


def write_clip(path: Path, fourcc: str, frames: int = 20) -> Path:
    """Write a small moving-square clip."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (160, 120))
    for i in range(frames):
        img = np.full((120, 160, 3), 90, np.uint8)
        cv2.rectangle(img, (5 + i * 5, 40), (35 + i * 5, 70), (250, 250, 250), -1)
        writer.write(img)
    writer.release()
    return path


def test_good_clip_probes_and_decodes(tmp_path: Path) -> None:
    info = decode.probe(write_clip(tmp_path / "ok.mp4", "mp4v"))
    assert (info.width, info.height, round(info.fps)) == (160, 120, 25)
    assert sum(1 for _ in decode.frames(info)) == 20


def test_zero_length_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(ClipError, match="zero-length"):
        decode.probe(tmp_path / "empty.mp4")


def test_not_a_video(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("this is a text file, not a clip\n" * 50)
    with pytest.raises(ClipError, match="not a video"):
        decode.probe(tmp_path / "notes.mp4")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClipError, match="no such clip"):
        decode.probe(tmp_path / "nothing.mp4")


def test_truncated_mp4_is_named(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "cut.mp4", "mp4v", 60)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: now lost
    with pytest.raises(ClipError, match="truncated"):
        decode.probe(path)


def test_truncated_avi_is_named_after_decoding(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "cut.avi", "MJPG", 60)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ClipError, match="truncated"):
        info = decode.probe(path)
        decode.check_complete(info, sum(1 for _ in decode.frames(info)))


def test_unsupported_codec_is_named(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "odd.avi", "MJPG")
    path.write_bytes(path.read_bytes().replace(b"MJPG", b"QQQQ"))
    with pytest.raises(ClipError, match="unsupported codec 'QQQQ'"):
        decode.probe(path)


def test_damaged_frames_of_a_known_codec_are_called_damaged(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "damaged.avi", "MJPG")
    data = bytearray(path.read_bytes())
    first_jpeg = data.find(b"\xff\xd8")
    data[first_jpeg : first_jpeg + 2000] = bytes(2000)  # the container is intact, the picture not
    path.write_bytes(bytes(data))
    with pytest.raises(ClipError, match="truncated or damaged clip: no frame of its 'MJPG'"):
        decode.probe(path)


def test_an_upload_cut_short_with_its_index_in_front_is_truncated(tmp_path: Path) -> None:
    from tests.support.mp4 import faststart

    path = write_clip(tmp_path / "whole.mp4", "mp4v", 60)
    path.write_bytes(faststart(path.read_bytes()))
    assert decode.check_decodable(path).frame_count == 60  # the rewritten clip is whole
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert decode.probe(cut).frame_count == 60  # opens, and its first frame decodes
    with pytest.raises(ClipError, match="truncated clip: frame 44 of the 60"):
        decode.check_decodable(cut)


def test_a_cut_avi_is_refused_without_decoding_it_all(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "cut.avi", "MJPG", 60)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ClipError, match="truncated"):
        decode.check_decodable(path)


@pytest.mark.parametrize("name", ["notes.mp4", "odd.avi"])
def test_not_a_container_and_an_unknown_codec_are_unsupported_media(
    tmp_path: Path, name: str
) -> None:
    path = write_clip(tmp_path / "odd.avi", "MJPG")
    path.write_bytes(path.read_bytes().replace(b"MJPG", b"QQQQ"))
    (tmp_path / "notes.mp4").write_text("this is a text file, not a clip\n" * 50)
    with pytest.raises(ClipError) as refused:
        decode.check_decodable(tmp_path / name)
    assert isinstance(refused.value, UnsupportedMedia)  # the app answers 415, not 422


def test_clip_error_is_invalid_input() -> None:
    error = ClipError("zero-length file: x.mp4")
    assert isinstance(error, InvalidInput)
    assert error.reason == "zero-length file: x.mp4"
