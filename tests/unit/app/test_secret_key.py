"""The instance's own secret key: made once, private, shared by every worker of an instance."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from echallan import create_app
from echallan.config import Config
from echallan.core.secret_key import SECRET_FILE, instance_secret


def development_app(instance: Path, **overrides: object):  # noqa: ANN201
    """Build a development app (no SECRET_KEY) whose instance folder is `instance`."""
    config = {
        "SECRET_KEY": "",
        "INSTANCE_DIR": str(instance),
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "EVIDENCE_DIR": str(instance / "evidence"),
        "SMS_OUTBOX_DIR": str(instance / "sms"),
        "SCHEDULER_ENABLED": False,
        "JOBS_MODE": "sync",
        **overrides,
    }
    return create_app(Config, config)


def test_development_makes_a_random_private_key_once(tmp_path: Path) -> None:
    first = development_app(tmp_path / "a").config["SECRET_KEY"]
    again = development_app(tmp_path / "a").config["SECRET_KEY"]
    other = development_app(tmp_path / "b").config["SECRET_KEY"]
    assert first == again != other and len(first) >= 64
    assert first not in Config.__dict__.values()  # nothing shipped with the code
    mode = stat.S_IMODE((tmp_path / "a" / SECRET_FILE).stat().st_mode)
    assert mode == 0o600


def test_workers_starting_together_get_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(instance_secret(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]  # no temporary file left


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    instance_secret(tmp_path)
    (tmp_path / SECRET_FILE).chmod(0o644)
    with pytest.raises(RuntimeError, match="chmod 600"):
        instance_secret(tmp_path)


def test_a_configured_key_is_used_and_nothing_written(tmp_path: Path) -> None:
    app = development_app(tmp_path, SECRET_KEY="k" * 40)
    assert app.config["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / SECRET_FILE).exists()
