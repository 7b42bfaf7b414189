"""Integration fixtures: a real, migrated database and the app, on SQLite and on PostgreSQL.

Every test that uses `app` runs twice: on an SQLite file and on the PostgreSQL named by
`TEST_PG_URL` (the test set-up, scripts/test-services.sh, starts a throwaway cluster and sets it;
without it the PostgreSQL half is skipped with a message). Each schema is built once per session
by the real Alembic migrations; every test starts from empty tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from echallan import create_app
from echallan.config import TestingConfig
from echallan.core.extensions import db


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a database for this test session, migrated to the latest revision."""
    if request.param == "postgresql":
        url = os.environ.get("TEST_PG_URL")
        if not url:
            pytest.skip("TEST_PG_URL is not set: run through scripts/test-services.sh (make test)")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    _migrate(url, tmp_path_factory.mktemp("evidence-migrate"))
    return url


def _migrate(url: str, evidence: Path) -> None:
    """Drop everything and run the Alembic migrations from scratch."""
    from flask_migrate import upgrade

    app = make_app(url, evidence, as_owner=True)
    with app.app_context():
        _drop_everything()
        upgrade()
        db.engine.dispose()


def _drop_everything() -> None:
    """Empty the database, Alembic's version table included."""
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)


def app_url(url: str) -> str:
    """Return the URL the app connects with: on the test PostgreSQL, its own non-owner role."""
    if url == os.environ.get("TEST_PG_URL") and os.environ.get("TEST_PG_APP_URL"):
        return os.environ["TEST_PG_APP_URL"]
    return url


def make_app(url: str, evidence: Path, as_owner: bool = False, **overrides: object) -> Flask:
    """Build a test app bound to `url` (as the app's role unless `as_owner`), evidence under it."""
    config = {
        "SQLALCHEMY_DATABASE_URI": url if as_owner else app_url(url),
        "EVIDENCE_DIR": str(evidence),
        "SMS_OUTBOX_DIR": str(evidence / "sms"),
        "INSTANCE_DIR": str(evidence.parent / "instance"),
        **overrides,
    }
    return create_app(TestingConfig, config)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on the migrated database, with every table emptied after the test."""
    application = make_app(database_url, tmp_path / "evidence")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    owner = sa.create_engine(database_url)  # the app's role may not truncate the audit trail
    try:
        _empty_tables(owner)
    finally:
        owner.dispose()


def _empty_tables(engine: sa.Engine) -> None:
    """Delete every row of every migrated table, keeping Alembic's version."""
    names = [name for name in sa.inspect(engine).get_table_names() if name != "alembic_version"]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in names)
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            return
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for name in names:
            connection.exec_driver_sql(f'DELETE FROM "{name}"')


@pytest.fixture
def ready(app: Flask) -> Flask:
    """A registered camera; jobs deferred so each step is driven by the test."""
    from tests.integration import factories

    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        factories.camera()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """Serve the app on an ephemeral loopback port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class EchallanRunner:
    """Invoke the real `echallan` command group against the test app."""

    def __init__(self, app: Flask) -> None:
        self._runner = app.test_cli_runner()

    def invoke(self, args: list[str], **kwargs: object):  # noqa: ANN201
        """Run `echallan ARGS...` and return click's Result."""
        from echallan.cli import main

        return self._runner.invoke(main, args, **kwargs)


@pytest.fixture
def runner(app: Flask) -> EchallanRunner:
    """A CLI runner for the `echallan` console script, bound to the test app."""
    return EchallanRunner(app)


SCENE_SEED = 7


@pytest.fixture(scope="session")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """Render one short synthetic junction clip with registered plates (as the demo does)."""
    from echallan import demo
    from synth.scenes import calibration_for, metadata_for, random_scene_spec, render_scene
    from tests.integration import factories as f

    spec = random_scene_spec(SCENE_SEED, size=(1280, 720), duration_s=10.0, night=False)
    spec = demo.with_registry_plates(spec, SCENE_SEED)
    path = tmp_path_factory.mktemp("scene") / "scene.mp4"
    render_scene(spec, path)
    calibration = {**calibration_for((1280, 720)), "camera_id": f.CAMERA_ID}
    return path, calibration, {**metadata_for(spec), "camera_id": f.CAMERA_ID}
