"""One INSTANCE_DIR holds everything an instance writes: two instances never share a file."""

from __future__ import annotations

from pathlib import Path

from echallan import create_app
from echallan.config import INSTANCE_DIR, Config
from echallan.core import deps
from echallan.core.secret_key import AUDIT_KEY_FILE, SECRET_FILE


def instance_app(root: Path):  # noqa: ANN201
    """Build an app told only its instance folder, its database and its evidence folder."""
    return create_app(
        Config,
        {
            "SECRET_KEY": "",
            "INSTANCE_DIR": str(root / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'db.sqlite3'}",
            "EVIDENCE_DIR": str(root / "evidence"),
            "SCHEDULER_ENABLED": False,
            "JOBS_MODE": "sync",
        },
    )


def test_two_instances_write_only_under_their_own_folders(tmp_path: Path) -> None:
    apps = [instance_app(tmp_path / name) for name in ("a", "b")]
    for n, app in enumerate(apps):
        deps.of(app).sms.send("+923001234567", f"hello {n}", idempotency_key=f"k{n}")
    for name, app in zip(("a", "b"), apps, strict=True):
        instance = (tmp_path / name / "instance").resolve()
        for setting in ("SMS_OUTBOX_DIR", "DEMO_CREDENTIALS_FILE", "AUDIT_ANCHOR_FILE"):
            assert Path(app.config[setting]).is_relative_to(instance), setting
        assert len(list((instance / "sms-outbox").iterdir())) == 1
        assert (instance / SECRET_FILE).is_file()
        # the audit key is made on first start, outside the database, private
        assert (instance / AUDIT_KEY_FILE).stat().st_mode & 0o777 == 0o600
        assert app.config["AUDIT_ANCHOR_KEY"] == (instance / AUDIT_KEY_FILE).read_text()
    assert apps[0].config["SECRET_KEY"] != apps[1].config["SECRET_KEY"]
    assert apps[0].config["AUDIT_ANCHOR_KEY"] != apps[1].config["AUDIT_ANCHOR_KEY"]
    assert not Path(apps[0].config["SMS_OUTBOX_DIR"]).is_relative_to(INSTANCE_DIR)


def test_the_default_sqlite_database_follows_the_instance(tmp_path: Path) -> None:
    app = create_app(Config, {"SECRET_KEY": "x" * 32, "INSTANCE_DIR": str(tmp_path)})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve()}/echallan.sqlite3"
    )
    assert app.config["EVIDENCE_DIR"] == str(tmp_path.resolve() / "evidence")
