"""The production start: `gunicorn wsgi:app` with gunicorn.conf.py, the systemd env file, ProxyFix.

The production configuration refuses SQLite, so the tests that build the production app need
the PostgreSQL of the test set-up (TEST_PG_URL, scripts/test-services.sh) and skip without it.
Each runs in a subprocess: the configuration classes read the environment when imported.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask import request

from tests.integration.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TEST_PG_URL = os.environ.get("TEST_PG_URL")
needs_pg = pytest.mark.skipif(
    not TEST_PG_URL, reason="TEST_PG_URL is not set: run through scripts/test-services.sh"
)
SERVE_HEALTHZ = (
    "import wsgi, echallan.config as c; r = wsgi.app.test_client().get('/healthz'); "
    "print(r.status_code, r.get_data(as_text=True).strip(), c.config_from_environment().__name__, "
    "wsgi.app.config['SESSION_COOKIE_SECURE'])"
)


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Return a production-like environment: secrets set, PostgreSQL, no ECHALLAN_ENV."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECHALLAN_", "GUNICORN_"))}
    env.update(
        SECRET_KEY="s" * 64,
        DATABASE_URL=TEST_PG_URL or "",
        EVIDENCE_DIR=str(tmp_path / "evidence"),
        ECHALLAN_INSTANCE=str(tmp_path / "instance"),
        SMS_OUTBOX_DIR=str(tmp_path / "sms"),
        REGISTRY_URL="http://127.0.0.1:9/registry",  # never called at start
        REGISTRY_API_KEY="registry-key",
        JOBS_MODE="celery",
        CELERY_BROKER_URL="memory://",
        **extra,
    )
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command in the checkout and capture its output."""
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@needs_pg
def test_wsgi_builds_the_production_app_and_serves_healthz(tmp_path: Path) -> None:
    done = run([sys.executable, "-c", SERVE_HEALTHZ], production_env(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    # ProductionConfig is wsgi's default without ECHALLAN_ENV; its session cookie is secure.
    assert done.stdout.split() == ["200", "ok", "ProductionConfig", "True"]


def test_wsgi_refuses_to_start_without_the_production_secrets(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"], env["REGISTRY_API_KEY"]
    done = run([sys.executable, "-c", "import wsgi"], env)
    assert done.returncode != 0
    assert "production configuration is missing: SECRET_KEY, REGISTRY_API_KEY" in done.stderr


@needs_pg
def test_gunicorn_config_loads_and_reads_the_environment(tmp_path: Path) -> None:
    env = production_env(tmp_path, WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="420")
    checked = run([str(GUNICORN), "--check-config", "wsgi:app"], env)
    assert checked.returncode == 0, checked.stderr[-2000:]
    printed = run([str(GUNICORN), "--print-config", "wsgi:app"], env)
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.MULTILINE))
    assert settings["workers"] == "3" and settings["timeout"] == "420"
    assert settings["worker_class"] == "gthread" and settings["accesslog"] == "-"


@needs_pg
def test_gunicorn_serves_healthz_on_loopback_and_logs_to_stdout(tmp_path: Path) -> None:
    port = free_port()
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    log = tmp_path / "gunicorn.out"
    with log.open("w") as out:
        server = subprocess.Popen([str(GUNICORN), "wsgi:app"], cwd=ROOT, env=env, stdout=out)
    try:
        response = get_when_up(f"http://127.0.0.1:{port}/healthz", timeout=60)
        assert (response.status_code, response.text) == (200, "ok\n")
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert '"GET /healthz HTTP/1.1" 200' in log.read_text()  # the access log is on stdout


def free_port() -> int:
    """Return a loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_when_up(url: str, timeout: float) -> requests.Response:
    """GET `url`, retrying while the server is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=60)  # the first answer waits for the app import
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def seen_by_app(tmp_path: Path, hops: int) -> dict[str, str]:
    """Send a request through `hops` claimed proxies; return what the app believes of it."""
    app = make_app(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", tmp_path / "ev", TRUSTED_PROXIES=hops)
    app.add_url_rule("/whoami", "whoami", lambda: {"addr": request.remote_addr, "url": request.url})
    headers = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "echallan.example.gov.pk",
    }
    return app.test_client().get("/whoami", headers=headers).json


def test_forwarded_headers_are_ignored_by_default(tmp_path: Path) -> None:
    seen = seen_by_app(tmp_path, 0)
    assert seen == {"addr": "127.0.0.1", "url": "http://localhost/whoami"}


def test_one_trusted_proxy_is_believed(tmp_path: Path) -> None:
    seen = seen_by_app(tmp_path, 1)
    assert seen == {"addr": "203.0.113.7", "url": "https://echallan.example.gov.pk/whoami"}


def test_the_env_example_names_only_real_settings() -> None:
    """Every name in deploy/echallan.env.example is read by config.py or gunicorn.conf.py."""
    known = (ROOT / "echallan" / "config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    example = (ROOT / "deploy" / "echallan.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, re.MULTILINE)
    assert len(names) > 20
    assert [name for name in names if f'"{name}"' not in known] == []


def test_the_units_start_the_entry_points_that_exist() -> None:
    units = {path.name: path.read_text() for path in (ROOT / "deploy" / "systemd").iterdir()}
    assert "gunicorn wsgi:app" in units["echallan-web.service"]
    assert "celery -A echallan.worker worker" in units["echallan-worker.service"]
    assert "celery -A echallan.worker beat" in units["echallan-beat.service"]
    assert (ROOT / "wsgi.py").is_file() and (ROOT / "echallan" / "worker.py").is_file()
    wanted = re.search(r"^Wants=(.*)$", units["echallan.target"], re.MULTILINE)
    assert wanted and set(wanted.group(1).split()) == set(units) - {"echallan.target"}
