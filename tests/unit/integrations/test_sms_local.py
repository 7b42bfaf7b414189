"""File and console senders: idempotent per key, strict about numbers and keys."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from integrations.sms import (
    ConsoleSmsSender,
    FileSmsSender,
    SmsPermanentFailure,
    SmsSender,
    normalize_msisdn,
)

TEXT = "E-challan KHI-2026-00001234: red light, Rs 5,000. Details: echallan.sindhpolice.gov.pk"


@pytest.mark.parametrize(
    "number", ["03001234567", "0300-1234567", "+92 300 1234567", "923001234567", "00923001234567"]
)
def test_mobile_numbers_normalise_to_e164(number: str) -> None:
    assert normalize_msisdn(number) == "+923001234567"


@pytest.mark.parametrize("number", ["", "021-34567890", "0300123456", "+14155550100", "abc"])
def test_non_mobile_numbers_are_refused(number: str) -> None:
    with pytest.raises(SmsPermanentFailure):
        normalize_msisdn(number)


def test_file_sender_writes_one_file_per_key(tmp_path: Path) -> None:
    sender = FileSmsSender(tmp_path / "outbox")
    assert isinstance(sender, SmsSender)
    first = sender.send("03001234567", TEXT, "challan-1:issued")
    again = sender.send("+923001234567", TEXT, "challan-1:issued")
    other = sender.send("03001234567", TEXT, "challan-2:issued")
    assert first == again and first.status == "stored" and other != first
    files = sorted((tmp_path / "outbox").glob("*.json"))
    assert len(files) == 2 and not list((tmp_path / "outbox").glob(".sms-*"))
    stored = [json.loads(f.read_text()) for f in files]
    assert {m["idempotency_key"] for m in stored} == {"challan-1:issued", "challan-2:issued"}
    assert all(m["to"] == "+923001234567" and m["text"] == TEXT for m in stored)


def test_file_sender_refuses_a_reused_key_with_another_message(tmp_path: Path) -> None:
    sender = FileSmsSender(tmp_path)
    sender.send("03001234567", TEXT, "k")
    with pytest.raises(SmsPermanentFailure, match="reused"):
        sender.send("03001234567", TEXT + " (edited)", "k")


def test_file_sender_under_concurrency_stores_once(tmp_path: Path) -> None:
    senders = [FileSmsSender(tmp_path) for _ in range(4)]  # as if four worker processes
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: senders[i % 4].send("03001234567", TEXT, "k"), range(40)))
    assert len(set(results)) == 1
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_console_sender_prints_once_per_key() -> None:
    stream = io.StringIO()
    sender = ConsoleSmsSender(stream)
    first = sender.send("03001234567", TEXT, "k")
    assert sender.send("03001234567", TEXT, "k") == first
    assert stream.getvalue().count("SMS to +923001234567 [k]") == 1
    with pytest.raises(SmsPermanentFailure):
        sender.send("03001234567", "another text", "k")
