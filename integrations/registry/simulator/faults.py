"""Fault-injection switches for the registry simulator, and the dice that apply them."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

OUTAGES = ("off", "503", "drop", "refuse")
MALFORMED_KINDS = (
    "random",
    "html",
    "truncated",
    "not_object",
    "wrong_types",
    "missing_fields",
    "oversized",
    "oversized_stream",
    "trickle",
    "wrong_vehicle",
)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """What goes wrong, and how often; the default is a healthy registry."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    fail_next: int = 0
    outage: str = "off"
    outage_seconds: float = 0.0
    malformed_rate: float = 0.0
    malformed_kind: str = "random"
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the switches as JSON-ready values."""
        return dataclasses.asdict(self)


class FaultSchema(Schema):
    """Validate the body of `POST /_faults`; missing switches take their healthy default."""

    class Meta:
        unknown = RAISE

    latency_ms = fields.Float(validate=validate.Range(0, 120_000))
    jitter_ms = fields.Float(validate=validate.Range(0, 120_000))
    error_rate = fields.Float(validate=validate.Range(0, 1))
    fail_next = fields.Integer(strict=True, validate=validate.Range(0, 1_000_000))
    outage = fields.String(validate=validate.OneOf(OUTAGES))
    outage_seconds = fields.Float(validate=validate.Range(0, 86_400))
    malformed_rate = fields.Float(validate=validate.Range(0, 1))
    malformed_kind = fields.String(validate=validate.OneOf(MALFORMED_KINDS))
    seed = fields.Integer(strict=True)

    @validates_schema
    def _refusal_must_end(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse an endless refusal: nothing could reach /_faults to heal it."""
        if data.get("outage") == "refuse" and data.get("outage_seconds", 0) <= 0:
            raise ValidationError("outage 'refuse' needs outage_seconds > 0", "outage_seconds")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> FaultConfig:
        """Build the switch set."""
        return FaultConfig(**data)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the simulator will do to one vehicle request."""

    delay_s: float = 0.0
    outage: str = "off"
    error_status: int | None = None
    malformed_kind: str | None = None


class FaultDice:
    """Hold the current switches and draw a verdict per request from a seeded generator."""

    def __init__(
        self, config: FaultConfig | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        """Return the switches in force."""
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace every switch at once and re-seed the generator."""
        with self._lock:
            self._config = config
            self._fail_next = config.fail_next
            self._rng = random.Random(config.seed)
            self._configured_at = self._clock()

    def roll(self) -> Verdict:
        """Decide the fate of the next vehicle request."""
        with self._lock:
            cfg, rng = self._config, self._rng
            delay = (cfg.latency_ms + rng.uniform(0, cfg.jitter_ms)) / 1000.0
            if cfg.outage != "off" and self._outage_lasts(cfg):
                return Verdict(delay, outage=cfg.outage)
            if self._fail_next > 0 or rng.random() < cfg.error_rate:
                self._fail_next = max(0, self._fail_next - 1)
                return Verdict(delay, error_status=rng.choice((500, 502, 503)))
            if rng.random() < cfg.malformed_rate:
                return Verdict(delay, malformed_kind=self._pick_kind(cfg, rng))
            return Verdict(delay)

    def _outage_lasts(self, cfg: FaultConfig) -> bool:
        """Tell whether the outage is still on (outage_seconds 0 means until switched off)."""
        elapsed = self._clock() - self._configured_at
        return cfg.outage_seconds <= 0 or elapsed < cfg.outage_seconds

    @staticmethod
    def _pick_kind(cfg: FaultConfig, rng: random.Random) -> str:
        """Return the configured kind of malformed body, or a random one."""
        if cfg.malformed_kind != "random":
            return cfg.malformed_kind
        return rng.choice(MALFORMED_KINDS[1:])
