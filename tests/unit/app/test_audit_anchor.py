"""Audit anchors: one JSON object a line, read back exactly, malformed lines named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from echallan.audit.operations import Anchor, read_anchors
from rules.errors import InvalidInput

HASH = "ab" * 32
AT = datetime(2026, 11, 24, 3, 25, 13, 120000, tzinfo=UTC)


def test_anchor_round_trips_through_its_line() -> None:
    anchor = Anchor(42, HASH, AT)
    line = anchor.to_line()
    assert "\n" not in line
    assert Anchor.from_line(line) == anchor


def test_anchor_time_is_read_as_utc_and_hash_in_lower_case() -> None:
    karachi = AT.astimezone(timezone(timedelta(hours=5)))
    line = f'{{"seq": 1, "hash": "{HASH.upper()}", "at": "{karachi.isoformat()}"}}'
    anchor = Anchor.from_line(line)
    assert anchor.at == AT and anchor.at.utcoffset() == timedelta(0) and anchor.hash == HASH


def line(**fields: object) -> str:
    """Write an anchor line with these fields (a valid one unless told otherwise)."""
    return json.dumps({"seq": 7, "hash": HASH, "at": "2026-11-24T03:00:00+00:00", **fields})


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not an anchor"),
        (json.dumps({"seq": 1, "hash": HASH}), "not an anchor"),
        (line(seq=0), "seq"),
        (line(seq="7"), "seq"),
        (line(seq=True), "seq"),
        (line(hash="xyz"), "hash"),
        (line(hash="g" * 64), "hash"),
        (line(at="2026-11-24T03:00:00"), "time zone"),
        (line(at="yesterday"), "at is not an ISO 8601 time"),
        (line(at=5), "not an anchor"),
    ],
)
def test_malformed_lines_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Anchor.from_line(text)


def test_read_anchors_names_the_file_and_line(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "audit.jsonl"
    path.write_text(Anchor(1, HASH, AT).to_line() + "\n\n" + "{half a line\n")
    with pytest.raises(InvalidInput, match=r"audit\.jsonl, line 3"):
        read_anchors(path)
    path.write_text(Anchor(1, HASH, AT).to_line() + "\n\n" + Anchor(2, HASH, AT).to_line())
    assert [anchor.seq for anchor in read_anchors(path)] == [1, 2]
