"""Configuration classes that read the environment.

The embedded default needs nothing installed: SQLite under `instance/`, evidence on local disk,
jobs run in background threads of the same process. Production refuses to start without its
secrets and a real database.
"""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("ECHALLAN_INSTANCE", Path.cwd() / "instance")).resolve()


def _env_int(name: str, default: int) -> int:
    """Read an integer setting from the environment."""
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    """Read a float setting from the environment."""
    return float(os.environ.get(name, default))


def _default_database_url() -> str:
    """Return the SQLite file under the instance folder."""
    return f"sqlite:///{INSTANCE_DIR / 'echallan.sqlite3'}"


class Config:
    """Settings shared by every environment, each overridable by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", _default_database_url())
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", str(INSTANCE_DIR / "evidence"))
    MAX_CLIP_BYTES = _env_int("MAX_CLIP_BYTES", 200 * 1024 * 1024)
    # Flask rejects larger request bodies with 413 before the view reads them.
    MAX_CONTENT_LENGTH = MAX_CLIP_BYTES + 1024 * 1024
    JOBS_MODE = os.environ.get("JOBS_MODE", "thread")  # thread | sync | celery
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND")
    LOCAL_TIMEZONE = os.environ.get("LOCAL_TIMEZONE", "Asia/Karachi")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    REGISTRY_URL = os.environ.get("REGISTRY_URL", "")
    REGISTRY_API_KEY = os.environ.get("REGISTRY_API_KEY", "")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_OUTBOX_DIR = os.environ.get("SMS_OUTBOX_DIR", str(INSTANCE_DIR / "sms-outbox"))
    SMS_GATEWAY_USERNAME = os.environ.get("SMS_GATEWAY_USERNAME", "")
    SMS_GATEWAY_PASSWORD = os.environ.get("SMS_GATEWAY_PASSWORD", "")
    SMS_SENDER_ID = os.environ.get("SMS_SENDER_ID", "KHI-TRAFFIC")
    PORTAL_DOMAIN = os.environ.get("PORTAL_DOMAIN", "echallan.sindhpolice.gov.pk")
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 15000)
    AUTO_ISSUE_MIN_PLATE_CONFIDENCE = _env_float("AUTO_ISSUE_MIN_PLATE_CONFIDENCE", 0.9)
    # Look-ups that found the registry down are retried this many times (backing off to 5
    # minutes: about 8 hours) before the case goes to a human; nothing is issued on a guess.
    MAX_LOOKUP_ATTEMPTS = _env_int("MAX_LOOKUP_ATTEMPTS", 100)
    # The clip pipeline does not estimate colour yet; requiring it would send every case to
    # review. Class and make are still compared.
    REQUIRE_COLOUR_MATCH = os.environ.get("REQUIRE_COLOUR_MATCH", "false").lower() == "true"
    # Offences whose findings always go to an officer, comma-separated. No helmet by default:
    # the helmet classifier is below its accuracy target and misjudges small real heads (its
    # offence confidence is gated too, below, but is not yet trusted on its own).
    ALWAYS_REVIEW_RULES = os.environ.get("ALWAYS_REVIEW_RULES", "no_helmet")
    # The least offence confidence (the detector's, stored per event) for issuing without an
    # officer, "rule=value,rule=value"; rules not listed have no floor. Red light is geometry
    # against the signal timeline: its confidence is 1.0 by construction.
    AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE = os.environ.get(
        "AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE", "no_helmet=0.9,wrong_way=0.8"
    )
    # Plates exempt from automatic issue (e.g. emergency vehicles): "PLATE=reason;PLATE=reason".
    EXEMPT_PLATES = os.environ.get("EXEMPT_PLATES", "")
    DUPLICATE_WINDOW_S = _env_int("DUPLICATE_WINDOW_S", 300)
    REVIEW_CLAIM_TTL_S = _env_int("REVIEW_CLAIM_TTL_S", 900)
    CITY_CODE = os.environ.get("CITY_CODE", "KHI")
    # 1Link assigns the biller prefix; this one is a placeholder until the real one is issued.
    ONEBILL_BILLER_PREFIX = os.environ.get("ONEBILL_BILLER_PREFIX", "10072")
    # Device health (issue 6): where the control room hears of alerts, and the periodic sweeps
    # (run in-process by echallan.scheduler unless celery beat does it: JOBS_MODE=celery).
    CONTROL_ROOM_WEBHOOK_URL = os.environ.get("CONTROL_ROOM_WEBHOOK_URL", "")
    CONTROL_ROOM_WEBHOOK_SECRET = os.environ.get("CONTROL_ROOM_WEBHOOK_SECRET", "")
    CONTROL_ROOM_SMS = os.environ.get("CONTROL_ROOM_SMS", "")
    SCHEDULER_ENABLED = _env_int("SCHEDULER_ENABLED", JOBS_MODE != "celery") == 1  # 0 or 1
    SWEEP_DEVICES_PERIOD_S = _env_float("SWEEP_DEVICES_PERIOD_S", 30.0)
    SWEEP_PERIOD_S = _env_float("SWEEP_PERIOD_S", 60.0)
    # Where the audit chain's head is published (one JSON line per anchor) so that deleting the
    # newest entries is detected: a path the database operator cannot rewrite (another host's
    # mount, WORM storage). Empty: no periodic anchoring.
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", "")
    AUDIT_ANCHOR_PERIOD_S = _env_float("AUDIT_ANCHOR_PERIOD_S", 900.0)

    API_TITLE = "e-challan"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = os.environ.get(
        "OPENAPI_SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
    )
    PASSWORD_HASH_METHOD = "scrypt"
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For,
    # -Proto, -Host, -Port and -Prefix headers are believed. 0 (the default) believes none: a
    # client that reaches the app directly could otherwise claim any address, host or scheme
    # (the secure session cookie and redirects depend on the scheme).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    @classmethod
    def validate(cls) -> None:
        """Refuse settings that cannot work; the base configuration accepts its defaults."""


class TestingConfig(Config):
    """Settings for the test suite: synchronous jobs, a throwaway database."""

    TESTING = True
    JOBS_MODE = "sync"
    SCHEDULER_ENABLED = False
    # Tests create and sign in many users; a deliberately slow hash would dominate the suite.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    """Settings for a deployment: every secret must come from the environment."""

    SESSION_COOKIE_SECURE = True
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "EVIDENCE_DIR", "REGISTRY_URL", "REGISTRY_API_KEY")

    @classmethod
    def validate(cls) -> None:
        """Refuse to start without the secrets production needs."""
        missing = [name for name in cls.REQUIRED if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"production configuration is missing: {', '.join(missing)}")
        if os.environ["DATABASE_URL"].startswith("sqlite"):
            raise RuntimeError("production needs PostgreSQL: DATABASE_URL is SQLite")


CONFIGS = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}


def config_from_environment() -> type[Config]:
    """Pick the configuration class named by ECHALLAN_ENV (default: development)."""
    name = os.environ.get("ECHALLAN_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"ECHALLAN_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
