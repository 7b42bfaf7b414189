"""The excise registry over HTTP: timeouts, retries with full jitter, a circuit breaker, a cache.

Retries are urllib3's (`Retry` mounted through requests' HTTPAdapter), with the backoff formula
replaced by "full jitter" (a uniform draw below the exponential cap) so that many clients retrying
after the same blip do not stampede the registry in step. Whatever the registry sends is
validated; anything unusable becomes RegistryUnavailable with a logged reason, never data.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from marshmallow import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from integrations.registry.base import (
    RegistryUnavailable,
    VehicleNotFound,
    VehicleRecord,
    plate_key,
)
from integrations.registry.breaker import CircuitBreaker
from integrations.registry.cache import NOT_FOUND, CacheTtl, TtlCache
from integrations.registry.schemas import load_vehicle

log = logging.getLogger(__name__)

VEHICLES_PATH = "/api/v1/vehicles/"
USER_AGENT = "echallan-registry-client/1"
DEFAULT_CACHE_TTL = CacheTtl()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for a connection, and for each read from it (and for the whole body)."""

    connect: float = 1.0
    read: float = 3.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Extra attempts after a timeout, a connection error or a 5xx, and their backoff cap."""

    retries: int = 2
    backoff: float = 0.2
    backoff_max: float = 2.0


class FullJitterRetry(Retry):
    """urllib3 Retry whose n-th backoff is uniform in [0, min(max, factor * 2**(n-1))]."""

    def get_backoff_time(self) -> float:
        """Return the sleep before the next attempt."""
        errors = len(self.history)
        if errors == 0 or self.backoff_factor <= 0:
            return 0.0
        cap = min(self.backoff_max, self.backoff_factor * 2 ** (errors - 1))
        return random.uniform(0.0, cap)


def make_retry(policy: RetryPolicy, methods: frozenset[str] = frozenset({"GET"})) -> Retry:
    """Return the urllib3 retry configuration for a policy (5xx, timeouts, resets)."""
    return FullJitterRetry(
        total=policy.retries,
        connect=policy.retries,
        read=policy.retries,
        status=policy.retries,
        other=0,
        redirect=0,
        allowed_methods=methods,
        status_forcelist=frozenset(range(500, 600)),
        backoff_factor=policy.backoff,
        backoff_max=policy.backoff_max,
        raise_on_status=False,
        # A registry saying "come back in 120 s" must not stall a worker; the breaker handles it.
        respect_retry_after_header=False,
    )


class HttpVehicleRegistry:
    """Look vehicles up in the excise registry's REST API (see README.md for the contract)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeouts: Timeouts = Timeouts(),
        retries: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        cache_ttl: CacheTtl = DEFAULT_CACHE_TTL,
        max_body_bytes: int = 16_384,
        pool_size: int = 10,
        trust_env: bool = False,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_url.startswith(("http://", "https://")) or not api_key:
            raise ValueError("base_url must be http(s)://... and api_key must not be empty")
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.max_body_bytes = max_body_bytes
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.cache = TtlCache(cache_ttl, clock)
        self._session = session or requests.Session()
        if session is None:
            # Reading proxy variables and ~/.netrc costs ~0.5 ms a call; set proxies explicitly.
            self._session.trust_env = trust_env
        adapter = HTTPAdapter(max_retries=make_retry(retries), pool_maxsize=pool_size)
        self._session.mount(self.base_url + "/", adapter)
        self._headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self._headers["User-Agent"] = USER_AGENT

    def lookup(self, plate: str) -> VehicleRecord:
        """Return the vehicle; raise VehicleNotFound, RegistryUnavailable or InvalidInput."""
        key = plate_key(plate)
        cached = self.cache.get(key)
        if cached is NOT_FOUND:
            raise VehicleNotFound(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        if not self.breaker.allow():
            raise RegistryUnavailable("circuit open after repeated failures")
        return self._lookup_remote(key)

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def __enter__(self) -> HttpVehicleRegistry:
        """Use the client as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on leaving the block."""
        self.close()

    def _lookup_remote(self, key: str) -> VehicleRecord:
        """Ask the registry, tell the breaker how it went and cache the answer."""
        try:
            record = self._fetch(key)
        except VehicleNotFound:
            self.breaker.record_success()
            self.cache.put_not_found(key)
            raise
        except RegistryUnavailable as exc:
            self.breaker.record_failure()
            log.warning("registry look-up of %s failed: %s", key, exc.reason)
            raise
        except Exception:
            self.breaker.record_failure()  # never leave a half-open probe unreported
            raise
        self.breaker.record_success()
        self.cache.put(key, record)
        return record

    def _fetch(self, key: str) -> VehicleRecord:
        """Send one GET (urllib3 retries underneath) and interpret the final response."""
        try:
            response = self._session.get(
                f"{self.base_url}{VEHICLES_PATH}{key}",
                headers=self._headers,
                timeout=(self.timeouts.connect, self.timeouts.read),
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise RegistryUnavailable(describe_transport_error(exc)) from exc
        with response:
            return self._interpret(key, response)

    def _interpret(self, key: str, response: requests.Response) -> VehicleRecord:
        """Turn a response into a record, VehicleNotFound or RegistryUnavailable."""
        status = response.status_code
        if status == 404 and _media_type(response) == "application/problem+json":
            raise VehicleNotFound(key)
        if status != 200:
            # A bare 404 is a wrong URL or a proxy, not "no such vehicle".
            raise RegistryUnavailable(f"HTTP {status} ({_media_type(response) or 'no type'})")
        try:
            record = load_vehicle(self._read_json(response))
        except ValidationError as exc:
            raise RegistryUnavailable(f"invalid record: {summarise(exc.messages)}") from exc
        if record.plate_key != key:
            raise RegistryUnavailable(f"asked for {key}, got {record.registration_number}")
        return record

    def _read_json(self, response: requests.Response) -> Any:
        """Read at most max_body_bytes within the read timeout and decode it as JSON."""
        if _media_type(response) != "application/json":
            raise RegistryUnavailable(f"not JSON: content type {_media_type(response)!r}")
        body = read_capped(response, self.max_body_bytes, self.timeouts.read)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise RegistryUnavailable(f"body is not valid JSON ({exc})") from exc


def read_capped(response: requests.Response, limit: int, seconds: float) -> bytes:
    """Return the body; raise RegistryUnavailable if it exceeds limit bytes or seconds."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RegistryUnavailable(f"body of {declared} bytes exceeds {limit}")
    deadline, size, chunks = time.monotonic() + seconds, 0, []
    try:
        for chunk in response.iter_content(chunk_size=8192):
            size += len(chunk)
            if size > limit:
                raise RegistryUnavailable(f"body exceeds {limit} bytes")
            if time.monotonic() > deadline:
                raise RegistryUnavailable(f"body took longer than {seconds} s")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise RegistryUnavailable(describe_transport_error(exc)) from exc
    return b"".join(chunks)


def describe_transport_error(exc: requests.RequestException) -> str:
    """Return a short reason for a transport failure, for logs and RegistryUnavailable."""
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.ReadTimeout) or "Read timed out" in str(exc):
        return "read timeout"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({_root_cause(exc)})"
    return f"{type(exc).__name__}: {exc}"


def summarise(messages: Any, limit: int = 200) -> str:
    """Return marshmallow's error messages as one bounded line."""
    return json.dumps(messages, sort_keys=True, default=str)[:limit]


def _media_type(response: requests.Response) -> str:
    """Return the response's media type without parameters, lower case."""
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _root_cause(exc: BaseException) -> str:
    """Return the innermost exception's class name (ConnectionRefusedError, say)."""
    for _ in range(10):  # bounded: exception chains can loop
        # urllib3 keeps the real cause in `.reason` or as the last argument (ProtocolError).
        last_arg = exc.args[-1] if exc.args else None
        inner = exc.__cause__ or getattr(exc, "reason", None) or last_arg
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return type(exc).__name__
