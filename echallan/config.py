"""Configuration classes that read the environment.

The embedded default needs nothing installed: SQLite under `instance/`, evidence on local disk,
jobs run in background threads of the same process. Production refuses to start without its
secrets and a real database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Everything an instance writes lives under one folder, so two instances never share a file.
# ECHALLAN_INSTANCE is the older name of INSTANCE_DIR, still read.
INSTANCE_DIR = Path(
    os.environ.get("INSTANCE_DIR") or os.environ.get("ECHALLAN_INSTANCE") or Path.cwd() / "instance"
).resolve()


def _env_int(name: str, default: int) -> int:
    """Read an integer setting from the environment."""
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    """Read a float setting from the environment."""
    return float(os.environ.get(name, default))


# What an instance writes unless configured, relative to its INSTANCE_DIR (see instance_paths).
INSTANCE_FILES = {
    "EVIDENCE_DIR": "evidence",
    "SMS_OUTBOX_DIR": "sms-outbox",
    "DEMO_CREDENTIALS_FILE": "demo-credentials.json",
    "AUDIT_ANCHOR_FILE": "audit-anchors.jsonl",
}


def instance_paths(config: dict) -> None:
    """Fill every unset instance path from INSTANCE_DIR (an override moves them all at once)."""
    instance = Path(config["INSTANCE_DIR"]).resolve()
    config["INSTANCE_DIR"] = str(instance)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'echallan.sqlite3'}"
    for name, relative in INSTANCE_FILES.items():
        if not config.get(name):
            config[name] = str(instance / relative)


class Config:
    """Settings shared by every environment, each overridable by an environment variable."""

    # Empty: the instance makes its own random key in INSTANCE_DIR on first start (create_app).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Empty paths are filled from INSTANCE_DIR when the app is built (instance_paths).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", "")
    MAX_CLIP_BYTES = _env_int("MAX_CLIP_BYTES", 200 * 1024 * 1024)
    # Flask rejects larger request bodies with 413 before the view reads them.
    MAX_CONTENT_LENGTH = MAX_CLIP_BYTES + 1024 * 1024
    # Bodies other than uploads (JSON): the largest legitimate one is a few kilobytes.
    MAX_JSON_BYTES = _env_int("MAX_JSON_BYTES", 1024 * 1024)
    JOBS_MODE = os.environ.get("JOBS_MODE", "thread")  # thread | sync | celery
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND")
    LOCAL_TIMEZONE = os.environ.get("LOCAL_TIMEZONE", "Asia/Karachi")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    REGISTRY_URL = os.environ.get("REGISTRY_URL", "")
    REGISTRY_API_KEY = os.environ.get("REGISTRY_API_KEY", "")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_OUTBOX_DIR = os.environ.get("SMS_OUTBOX_DIR", "")
    DEMO_CREDENTIALS_FILE = os.environ.get("DEMO_CREDENTIALS_FILE", "")
    SMS_GATEWAY_USERNAME = os.environ.get("SMS_GATEWAY_USERNAME", "")
    SMS_GATEWAY_PASSWORD = os.environ.get("SMS_GATEWAY_PASSWORD", "")
    SMS_SENDER_ID = os.environ.get("SMS_SENDER_ID", "KHI-TRAFFIC")
    PORTAL_DOMAIN = os.environ.get("PORTAL_DOMAIN", "echallan.sindhpolice.gov.pk")
    # A contest's optional photo or PDF; the contest form's body may be this plus 64 KiB.
    CONTEST_UPLOAD_MAX_BYTES = _env_int("CONTEST_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
    # First-offence waiver (Karachi): apology within this many days of issue, once per CNIC
    # in this many days.
    WAIVER_WINDOW_DAYS = _env_int("WAIVER_WINDOW_DAYS", 10)
    WAIVER_ONCE_PER_DAYS = _env_int("WAIVER_ONCE_PER_DAYS", 365)
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
    # Clip time bar (issue 23). A clip may start at most this far ahead of our clock: cameras
    # are NTP-synchronised and the health rules already distrust a clock 2 s off, so 5 minutes
    # is slack for a bad sync, not for a clock set to next year.
    CLIP_MAX_CLOCK_DRIFT_S = _env_float("CLIP_MAX_CLOCK_DRIFT_S", 300.0)
    # And at most this old when it arrives: 30 days. Cameras buffer clips while their backhaul
    # is down (a stolen box recovered, a cut fibre), which takes days, not months; a notice must
    # reach the owner while the trip can still be remembered and contested (21 days from issue),
    # and the duplicate checks and fine schedules assume timely events. No statute found in this
    # repository fixes the limit: a policy default for the legal department to confirm.
    CLIP_MAX_AGE_S = _env_float("CLIP_MAX_AGE_S", 30 * 24 * 3600.0)
    # Files a killed process left (staged uploads, clip files whose row never committed) are
    # removed, audited, by a sweep every SWEEP_ORPHANS_PERIOD_S once older than ORPHAN_GRACE_S:
    # an hour is far beyond any upload's request, so nothing in flight is ever taken.
    ORPHAN_GRACE_S = _env_float("ORPHAN_GRACE_S", 3600.0)
    SWEEP_ORPHANS_PERIOD_S = _env_float("SWEEP_ORPHANS_PERIOD_S", 900.0)
    # A worker killed mid-analysis is noticed within 2 minutes in every jobs mode: its clip's
    # lease (CLIP_LEASE_S, renewed every third of it) runs out, and the clip-lease sweep (every
    # SWEEP_CLIPS_PERIOD_S, in the scheduler thread and in celery beat) queues it again:
    # 45 + 30 s, plus the job's own start. A clip queued but never claimed (its job lost with
    # the process) is queued again after CLIP_UNCLAIMED_S. A clip whose analysis was cut short
    # CLIP_MAX_ATTEMPTS times (it kills its worker: memory) fails instead of looping.
    CLIP_LEASE_S = _env_float("CLIP_LEASE_S", 45.0)
    CLIP_UNCLAIMED_S = _env_float("CLIP_UNCLAIMED_S", 60.0)
    CLIP_MAX_ATTEMPTS = _env_int("CLIP_MAX_ATTEMPTS", 3)
    # "learned" (the COCO detector, for real footage) or "motion" (background subtraction, for
    # the rendered scenes of the demo and the tests, which the detector cannot see).
    CLIP_PIPELINE = os.environ.get("CLIP_PIPELINE", "learned")
    SWEEP_CLIPS_PERIOD_S = _env_float("SWEEP_CLIPS_PERIOD_S", 30.0)
    REVIEW_CLAIM_TTL_S = _env_int("REVIEW_CLAIM_TTL_S", 900)
    # A task waiting longer than this is past its SLA: the queue highlights it.
    REVIEW_SLA_HOURS = _env_float("REVIEW_SLA_HOURS", 4.0)
    CITY_CODE = os.environ.get("CITY_CODE", "KHI")
    # 1Link assigns the biller prefix; this one is a placeholder until the real one is issued.
    ONEBILL_BILLER_PREFIX = os.environ.get("ONEBILL_BILLER_PREFIX", "10072")
    # A BillPayment whose tran_date/tran_time is further than this from our clock is refused
    # (03): 15 minutes covers switch delays and clock drift, not a day-old backdated advice.
    ONEBILL_MAX_CLOCK_SKEW_S = _env_int("ONEBILL_MAX_CLOCK_SKEW_S", 900)
    # Wallets (JazzCash, Easypaisa): each provider's merchant API and webhook secrets are read
    # as WALLET_<P>_URL, _API_KEY, _SECRET, _PREVIOUS_SECRET and _PREVIOUS_UNTIL (an ISO instant
    # after which the previous secret no longer verifies) by echallan.bootstrap.
    WALLET_PROVIDERS = os.environ.get("WALLET_PROVIDERS", "jazzcash,easypaisa")
    WALLET_WEBHOOK_TOLERANCE_S = _env_int("WALLET_WEBHOOK_TOLERANCE_S", 300)
    # A checkout still pending this long is asked about at the provider (reconciliation sweep).
    WALLET_RECONCILE_AFTER_S = _env_int("WALLET_RECONCILE_AFTER_S", 900)
    SWEEP_WALLETS_PERIOD_S = _env_float("SWEEP_WALLETS_PERIOD_S", 300.0)
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
    # mount, WORM storage). Empty: INSTANCE_DIR/audit-anchors.jsonl (anchoring is always on).
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", "")
    # The HMAC-SHA256 key of the chain's hashes, kept outside the database. Empty: a random key
    # made on first start in INSTANCE_DIR/audit_key. Losing it makes the chain unverifiable.
    AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")
    AUDIT_ANCHOR_PERIOD_S = _env_float("AUDIT_ANCHOR_PERIOD_S", 900.0)
    # Where the instance keeps what it makes itself: secret key, SMS outbox, demo credentials,
    # audit anchor, and by default its SQLite database and evidence.
    INSTANCE_DIR = str(INSTANCE_DIR)

    API_TITLE = "e-challan"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served by the app itself from the swagger-ui-bundle package: no CDN, and the docs page
    # runs under the same Content-Security-Policy as everything else.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/swagger-ui/"
    PASSWORD_HASH_METHOD = "scrypt"
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For,
    # -Proto, -Host, -Port and -Prefix headers are believed. 0 (the default) believes none: a
    # client that reaches the app directly could otherwise claim any address, host or scheme
    # (the secure session cookie and redirects depend on the scheme).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Staff sessions (issue 23): a server-side row per sign-in, revoked at sign-out, lapsing
    # after this long unused or this long after sign-in whatever the cookie says.
    SESSION_IDLE_TIMEOUT_S = _env_int("SESSION_IDLE_TIMEOUT_S", 30 * 60)
    SESSION_MAX_AGE_S = _env_int("SESSION_MAX_AGE_S", 12 * 3600)
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_AGE_S
    # Failed sign-ins in a row before an account locks; the lock doubles from BASE up to MAX.
    LOGIN_LOCKOUT_THRESHOLD = _env_int("LOGIN_LOCKOUT_THRESHOLD", 5)
    LOGIN_LOCKOUT_BASE_S = _env_int("LOGIN_LOCKOUT_BASE_S", 60)
    LOGIN_LOCKOUT_MAX_S = _env_int("LOGIN_LOCKOUT_MAX_S", 3600)
    # Rate limits per caller (flask-limiter syntax). Memory counts per process; set
    # RATELIMIT_STORAGE_URI=redis://... so that every worker and host shares one count.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "echallan")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in memory per process for a while rather than answer 500s.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    CITIZEN_LOOKUP_RATE_LIMIT = os.environ.get("CITIZEN_LOOKUP_RATE_LIMIT", "60 per minute")
    CONTEST_RATE_LIMIT = os.environ.get("CONTEST_RATE_LIMIT", "10 per hour")
    PARTNER_LOOKUP_RATE_LIMIT = os.environ.get("PARTNER_LOOKUP_RATE_LIMIT", "600 per minute")
    # Per provider and address: generous, so a provider's retry storm is slowed, never its
    # ordinary traffic (a replay is cheap, but each still verifies a signature and reads rows).
    WALLET_WEBHOOK_RATE_LIMIT = os.environ.get("WALLET_WEBHOOK_RATE_LIMIT", "600 per minute")
    # CSRF: a cookie-authenticated unsafe request needs the session's token (header
    # X-CSRFToken) and, when the browser sends one, an Origin or Referer of this host or of
    # one of these (comma-separated, e.g. https://echallan.sindhpolice.gov.pk).
    CSRF_TRUSTED_ORIGINS = os.environ.get("CSRF_TRUSTED_ORIGINS", "")
    WTF_CSRF_CHECK_DEFAULT = False  # checked only for cookie-authenticated requests
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which expires itself
    WTF_CSRF_SSL_STRICT = False  # the Origin/Referer check is ours (echallan.core.security)
    # Behind this many reverse proxies, the caller's address (rate limits) is X-Forwarded-For's.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)  # production: a year

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
    # Random keys per test process, never written to disk.
    SECRET_KEY = secrets.token_hex(32)
    AUDIT_ANCHOR_KEY = secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # The fixture clips carry fixed dates (2026-11-23) while the suite runs on the real clock;
    # the time bar's own tests set the production value back.
    CLIP_MAX_AGE_S = 10 * 365 * 24 * 3600.0
    # The app's tests analyse rendered scenes; the learned default is tested on real footage
    # in tests/unit/vision and tests/integration/test_real_footage*.
    CLIP_PIPELINE = "motion"


class ProductionConfig(Config):
    """Settings for a deployment: every secret must come from the environment."""

    SESSION_COOKIE_SECURE = True
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "EVIDENCE_DIR", "REGISTRY_URL", "REGISTRY_API_KEY")

    @classmethod
    def required(cls) -> tuple[str, ...]:
        """Return the settings production needs, with each configured wallet's secrets.

        A wallet provider with a URL takes money: without its webhook secret no payment could
        be verified, and without its API key no checkout, inquiry or refund could be made.
        """
        providers = os.environ.get("WALLET_PROVIDERS", cls.WALLET_PROVIDERS).split(",")
        wallets = [
            f"WALLET_{name.strip().upper()}_{what}"
            for name in providers
            if name.strip() and os.environ.get(f"WALLET_{name.strip().upper()}_URL")
            for what in ("SECRET", "API_KEY")
        ]
        return (*cls.REQUIRED, *wallets)

    @classmethod
    def validate(cls) -> None:
        """Refuse to start without the secrets production needs."""
        missing = [name for name in cls.required() if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"production configuration is missing: {', '.join(missing)}")
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("production needs a SECRET_KEY of 32 characters or more")
        if os.environ["DATABASE_URL"].startswith("sqlite"):
            raise RuntimeError("production needs PostgreSQL: DATABASE_URL is SQLite")


CONFIGS = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}


def config_from_environment() -> type[Config]:
    """Pick the configuration class named by ECHALLAN_ENV (default: development)."""
    name = os.environ.get("ECHALLAN_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"ECHALLAN_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
