"""The composition root: binds the features to each other and to the app, once, at start.

Features never import each other's tasks or senders; what crosses feature lines at run time
(which task runs a job, which sender delivers an alert notice, which sweeps run when) is
wired here, so the import graph stays a tree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from echallan import scheduler
from echallan import tasks as pipeline_tasks
from echallan.audit import tasks as audit_tasks
from echallan.challans import delivery
from echallan.challans import tasks as challan_tasks
from echallan.challans.issuance import thresholds_from
from echallan.clips import tasks as clip_tasks
from echallan.core import deps, jobs
from echallan.core.auth_keys import key_cache
from echallan.core.storage import EvidenceStore
from echallan.devices import alerts
from echallan.devices import tasks as device_tasks
from echallan.devices.heartbeats import device_key_cache
from echallan.devices.operations import health_config_from
from echallan.payments import tasks as payment_tasks
from integrations.registry import HttpVehicleRegistry, InMemoryRegistry, VehicleRegistry
from integrations.registry.memory import DEFAULT_SEED
from integrations.sms import FileSmsSender, HttpSmsGateway, SmsSender
from integrations.wallets import HttpWallet, SigningKeys, WalletProvider
from rules.access import LockoutPolicy, SessionPolicy
from rules.errors import DomainError
from vision import pipeline
from vision.pipeline import PipelineSettings

# Imported for their tasks' registration with Celery (a worker must know every task name).
TASK_MODULES = (
    clip_tasks,
    challan_tasks,
    audit_tasks,
    device_tasks,
    pipeline_tasks,
    payment_tasks,
)


def wire(app: Flask) -> None:
    """Build the settings and adapters; bind jobs, alert channels and the sweeps."""
    deps.install(app, build_deps(app.config))
    jobs.init_app(app)
    jobs.check_every_job_has_a_task()
    delivery.add_channels({channel: alerts.send_notice for channel in alerts.CHANNELS})
    scheduler.init_app(app)


def _clip_pipeline(config: Mapping[str, Any]) -> PipelineSettings:
    """Return the pipeline CLIP_PIPELINE names (an unknown name stops the start)."""
    try:
        return pipeline.named(config.get("CLIP_PIPELINE", "learned"))
    except ValueError as error:
        raise RuntimeError(f"CLIP_PIPELINE: {error}") from error


def settings_from(config: Mapping[str, Any]) -> deps.Settings:
    """Parse the configuration into typed settings (a malformed value stops the start)."""
    try:
        issuance = thresholds_from(config)
    except DomainError as error:  # refused at start, not at the first event
        raise RuntimeError(f"issuance settings: {error}") from error
    return deps.Settings(
        evidence_dir=Path(config["EVIDENCE_DIR"]),
        max_clip_bytes=int(config["MAX_CLIP_BYTES"]),
        review_claim_ttl=timedelta(seconds=config["REVIEW_CLAIM_TTL_S"]),
        review_sla=timedelta(hours=float(config.get("REVIEW_SLA_HOURS", 4.0))),
        duplicate_window=timedelta(seconds=config["DUPLICATE_WINDOW_S"]),
        city_code=config["CITY_CODE"],
        onebill_biller_prefix=config["ONEBILL_BILLER_PREFIX"],
        portal_base_url=config["PORTAL_BASE_URL"],
        portal_domain=config["PORTAL_DOMAIN"],
        issuance=issuance,
        health=health_config_from(config.get("HEALTH_CONFIG")),
        device_key_cache_s=float(config.get("DEVICE_KEY_CACHE_S", 5.0)),
        api_key_cache_s=float(config.get("API_KEY_CACHE_S", 5.0)),
        clip_max_clock_drift=_seconds(config, "CLIP_MAX_CLOCK_DRIFT_S"),
        clip_max_age=_seconds(config, "CLIP_MAX_AGE_S"),
        orphan_grace=_seconds(config, "ORPHAN_GRACE_S"),
        clip_lease=_seconds(config, "CLIP_LEASE_S"),
        clip_max_attempts=int(config["CLIP_MAX_ATTEMPTS"]),
        clip_unclaimed=_seconds(config, "CLIP_UNCLAIMED_S"),
        clip_pipeline=_clip_pipeline(config),
        control_room_webhook_url=config.get("CONTROL_ROOM_WEBHOOK_URL", ""),
        control_room_sms=config.get("CONTROL_ROOM_SMS", ""),
        sessions=SessionPolicy(
            idle=timedelta(seconds=config["SESSION_IDLE_TIMEOUT_S"]),
            max_age=timedelta(seconds=config["SESSION_MAX_AGE_S"]),
        ),
        lockout=LockoutPolicy(
            threshold=int(config["LOGIN_LOCKOUT_THRESHOLD"]),
            base=timedelta(seconds=config["LOGIN_LOCKOUT_BASE_S"]),
            cap=timedelta(seconds=config["LOGIN_LOCKOUT_MAX_S"]),
        ),
        password_hash_method=config["PASSWORD_HASH_METHOD"],
        onebill_max_clock_skew=timedelta(seconds=int(config.get("ONEBILL_MAX_CLOCK_SKEW_S", 900))),
        wallet_keys={name: wallet_keys_from(config, name) for name in wallet_names(config)},
        wallet_webhook_tolerance=timedelta(
            seconds=int(config.get("WALLET_WEBHOOK_TOLERANCE_S", 300))
        ),
        wallet_reconcile_after=timedelta(seconds=int(config.get("WALLET_RECONCILE_AFTER_S", 900))),
        contest_upload_max_bytes=int(config.get("CONTEST_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)),
        waiver_window_days=int(config.get("WAIVER_WINDOW_DAYS", 10)),
        waiver_once_per_days=int(config.get("WAIVER_ONCE_PER_DAYS", 365)),
    )


def wallet_names(config: Mapping[str, Any]) -> list[str]:
    """Return the wallet providers this deployment takes payments from."""
    return [name.strip() for name in config.get("WALLET_PROVIDERS", "").split(",") if name.strip()]


def _wallet_value(config: Mapping[str, Any], provider: str, what: str) -> str:
    """Read WALLET_<PROVIDER>_<WHAT> from the configuration, else from the environment."""
    name = f"WALLET_{provider.upper()}_{what}"
    return str(config.get(name) or os.environ.get(name, ""))


def wallet_keys_from(config: Mapping[str, Any], provider: str) -> SigningKeys:
    """Parse a provider's webhook secrets; the previous one needs the instant it expires."""
    previous = _wallet_value(config, provider, "PREVIOUS_SECRET")
    until_text = _wallet_value(config, provider, "PREVIOUS_UNTIL")
    if previous and not until_text:
        raise RuntimeError(f"WALLET_{provider.upper()}_PREVIOUS_SECRET needs _PREVIOUS_UNTIL")
    try:
        until = datetime.fromisoformat(until_text) if until_text else None
    except ValueError as error:
        raise RuntimeError(f"WALLET_{provider.upper()}_PREVIOUS_UNTIL: {error}") from error
    if until is not None and until.tzinfo is None:
        raise RuntimeError(f"WALLET_{provider.upper()}_PREVIOUS_UNTIL needs a time zone")
    current = _wallet_value(config, provider, "SECRET")
    return SigningKeys(current, previous, until)


def wallets_from(config: Mapping[str, Any]) -> dict[str, WalletProvider]:
    """Return the HTTP client of every provider whose WALLET_<P>_URL is set."""
    built: dict[str, WalletProvider] = {}
    for name in wallet_names(config):
        url = _wallet_value(config, name, "URL")
        if url and not _wallet_value(config, name, "SECRET"):  # no webhook could ever verify
            raise RuntimeError(f"WALLET_{name.upper()}_URL is set without _SECRET")
        if url:
            built[name] = HttpWallet(name, url, _wallet_value(config, name, "API_KEY"))
    return built


def _seconds(config: Mapping[str, Any], name: str) -> timedelta:
    """Parse a positive number of seconds, naming the setting when it is not one."""
    try:
        value = float(config[name])
    except (KeyError, TypeError, ValueError) as error:
        raise RuntimeError(
            f"{name} must be a number of seconds, not {config.get(name)!r}"
        ) from error
    if not value > 0:
        raise RuntimeError(f"{name} must be positive, not {value}")
    return timedelta(seconds=value)


def build_deps(config: Mapping[str, Any]) -> deps.Deps:
    """Build every adapter once from the configuration (values parsed once, in Settings)."""
    settings = settings_from(config)
    return deps.Deps(
        settings=settings,
        registry=registry_from(config),
        sms=sms_sender_from(config),
        store=EvidenceStore(settings.evidence_dir),
        plate_reader=deps.Lazy(_default_plate_reader),
        webhooks=deps.WebhookSenders(config.get("CONTROL_ROOM_WEBHOOK_SECRET", "")),
        device_keys=device_key_cache(settings.device_key_cache_s),
        wallets=wallets_from(config),
        api_keys=key_cache(settings.api_key_cache_s),
    )


def registry_from(config: Mapping[str, Any]) -> VehicleRegistry:
    """Return the excise registry's HTTP client when REGISTRY_URL is set, else the seed."""
    if config.get("REGISTRY_URL"):
        return HttpVehicleRegistry(config["REGISTRY_URL"], config["REGISTRY_API_KEY"])
    return InMemoryRegistry.from_seed(config.get("REGISTRY_SEED") or DEFAULT_SEED)


def sms_sender_from(config: Mapping[str, Any]) -> SmsSender:
    """Return the HTTP SMS gateway when SMS_GATEWAY_URL is set, else files in the outbox dir."""
    if config["SMS_GATEWAY_URL"]:
        return HttpSmsGateway(
            config["SMS_GATEWAY_URL"],
            config["SMS_GATEWAY_USERNAME"],
            config["SMS_GATEWAY_PASSWORD"],
            config["SMS_SENDER_ID"],
        )
    return FileSmsSender(config["SMS_OUTBOX_DIR"])


def _default_plate_reader() -> Any:
    """Load the committed plate model (deferred: onnxruntime loads only when a clip needs it)."""
    from ocr import PlateReader

    return PlateReader.default()


def reconfigure(app: Flask, **values: Any) -> None:
    """Change configuration values of a built app and parse its settings again (tests, demo)."""
    app.config.update(values)
    deps.install(app, replace(deps.of(app), settings=settings_from(app.config)))


def use(app: Flask, **adapters: Any) -> None:
    """Replace some of an app's adapters (tests, demos with simulators on loopback)."""
    deps.install(app, replace(deps.of(app), **adapters))
