"""Senders that need no gateway: one JSON file per message (the default), or the console."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from integrations.sms.base import (
    SendResult,
    SmsPermanentFailure,
    check_message,
    normalize_msisdn,
)


def _digest(idempotency_key: str) -> str:
    """Return a filesystem-safe name derived from the key."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


class FileSmsSender:
    """Write each message to `<directory>/<sha256(key)>.json`, exactly once per key."""

    status = "stored"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, to: str, text: str, idempotency_key: str) -> SendResult:
        """Store the message; a repeated key returns the first result and writes nothing."""
        check_message(text, idempotency_key)
        message = {
            "provider_id": f"file-{_digest(idempotency_key)[:16]}",
            "to": normalize_msisdn(to),
            "text": text,
            "idempotency_key": idempotency_key,
            "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path = self.directory / f"{_digest(idempotency_key)}.json"
        if not self._create(path, message):
            self._check_same(path, message)
        return SendResult(message["provider_id"], self.status)

    def _create(self, path: Path, message: dict[str, str]) -> bool:
        """Write the file atomically if absent; return False if the key was already used."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".sms-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(message, handle, ensure_ascii=False, indent=1)
            os.link(tmp, path)  # fails if path exists: first writer wins, even across processes
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)

    @staticmethod
    def _check_same(path: Path, message: dict[str, str]) -> None:
        """Refuse a reused key whose message differs from the stored one."""
        stored = json.loads(path.read_text(encoding="utf-8"))
        if (stored["to"], stored["text"]) != (message["to"], message["text"]):
            raise SmsPermanentFailure("idempotency key reused for a different message")


class ConsoleSmsSender:
    """Print each message once per key (development and demos)."""

    status = "printed"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._sent: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def send(self, to: str, text: str, idempotency_key: str) -> SendResult:
        """Print the message unless this key was printed before."""
        check_message(text, idempotency_key)
        number = normalize_msisdn(to)
        with self._lock:
            previous = self._sent.get(idempotency_key)
            if previous is None:
                self._sent[idempotency_key] = (number, text)
                line = f"SMS to {number} [{idempotency_key}]: {text}"
                print(line, file=self.stream or sys.stdout, flush=True)
            elif previous != (number, text):
                raise SmsPermanentFailure("idempotency key reused for a different message")
        return SendResult(f"console-{_digest(idempotency_key)[:16]}", self.status)
