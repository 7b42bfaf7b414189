"""What operations receive instead of reading the app: typed settings and the built adapters.

The composition root (`echallan.bootstrap`) parses the configuration once into `Settings` and
builds every adapter once into `Deps`; views, tasks and commands hand `Deps` to the operations
they call, so an operation is a plain function that a unit test calls with fakes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app

from echallan.core.storage import EvidenceStore
from integrations.registry import VehicleRegistry
from integrations.sms import SmsSender
from integrations.wallets import SigningKeys, WalletProvider
from integrations.webhook import WebhookSender
from rules.access import LockoutPolicy, SessionPolicy
from rules.health import HealthConfig
from rules.issuance import Thresholds
from vision.pipeline import DEFAULT as LEARNED_PIPELINE
from vision.pipeline import PipelineSettings

EXTENSION = "echallan.deps"


@dataclass(frozen=True)
class Settings:
    """The configuration values operations use, parsed and checked once at start."""

    evidence_dir: Path
    max_clip_bytes: int
    review_claim_ttl: timedelta
    duplicate_window: timedelta
    city_code: str
    onebill_biller_prefix: str
    portal_base_url: str
    portal_domain: str
    issuance: Thresholds
    health: HealthConfig
    device_key_cache_s: float = 5.0
    # A verified machine key is trusted this long; a revoked one fails everywhere within it.
    api_key_cache_s: float = 5.0
    # Clip time bar: how far ahead of our clock a camera's clip may start, and how old it may be.
    clip_max_clock_drift: timedelta = timedelta(minutes=5)
    clip_max_age: timedelta = timedelta(days=30)
    # Staged or stored files no row owns are removed once this old (a killed request's leftovers).
    orphan_grace: timedelta = timedelta(hours=1)
    # A clip analysis's lease (renewed every third of it) and how often it may be cut short.
    clip_lease: timedelta = timedelta(seconds=45)
    clip_max_attempts: int = 3
    clip_unclaimed: timedelta = timedelta(seconds=60)
    control_room_webhook_url: str = ""
    control_room_sms: str = ""
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    password_hash_method: str = "scrypt"
    onebill_max_clock_skew: timedelta = timedelta(seconds=900)
    # Wallet webhooks: each provider's signing secrets, the timestamp tolerance, and how long a
    # checkout may stay pending before reconciliation asks the provider about it.
    wallet_keys: Mapping[str, SigningKeys] = field(default_factory=dict)
    wallet_webhook_tolerance: timedelta = timedelta(minutes=5)
    wallet_reconcile_after: timedelta = timedelta(minutes=15)
    # How long a review task may wait before the queue shows it past its SLA.
    review_sla: timedelta = timedelta(hours=4)
    # The citizen's contest upload and the first-offence waiver (Karachi: 10 days, once a year).
    contest_upload_max_bytes: int = 5 * 1024 * 1024
    waiver_window_days: int = 10
    waiver_once_per_days: int = 365
    # How clips are analysed: the learned detector (real footage) or motion blobs (the rendered
    # demo and test scenes, which the CNN cannot see). Named by CLIP_PIPELINE.
    clip_pipeline: PipelineSettings = LEARNED_PIPELINE


class WebhookSenders:
    """One keep-alive webhook sender per control-room URL, all signing with one secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._senders: dict[str, WebhookSender] = {}
        self._lock = threading.Lock()

    def for_url(self, url: str) -> WebhookSender:
        """Return the sender for a URL, built on first use."""
        with self._lock:
            if url not in self._senders:
                self._senders[url] = WebhookSender(url, self.secret)
            return self._senders[url]


class Lazy:
    """A value built on first use (the plate model loads its ONNX file only when needed)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._value: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        """Return the value, building it once."""
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value


@dataclass(frozen=True)
class Deps:
    """Everything an operation may need from outside: settings and adapters."""

    settings: Settings
    registry: VehicleRegistry
    sms: SmsSender
    store: EvidenceStore
    plate_reader: Callable[[], Any]
    webhooks: WebhookSenders = field(default_factory=lambda: WebhookSenders(""))
    # Wallet rails by provider name (jazzcash, easypaisa): checkout, inquiry, refund.
    wallets: Mapping[str, WalletProvider] = field(default_factory=dict)
    # Device keys checked on the heartbeat path, kept a few seconds (bounded).
    device_keys: TTLCache = field(default_factory=lambda: TTLCache(maxsize=20_000, ttl=5.0))
    # Verified partner and bank keys (see echallan.core.auth_keys), kept a few seconds (bounded).
    api_keys: TTLCache = field(default_factory=lambda: TTLCache(maxsize=4_096, ttl=5.0))


def install(app: Flask, deps: Deps) -> None:
    """Make these the app's dependencies."""
    app.extensions[EXTENSION] = deps


def of(app: Flask) -> Deps:
    """Return an app's dependencies."""
    return app.extensions[EXTENSION]


def current() -> Deps:
    """Return the current app's dependencies (for views, tasks and commands, never operations)."""
    return of(current_app._get_current_object())  # type: ignore[attr-defined]
