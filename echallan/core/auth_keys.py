"""Machine keys checked once and kept briefly: the record a verified key stands for, and revoking.

The bank path asks for a key on every BillInquiry; checking it costs a query (about a fifth of
the request). A verified key's record is kept in a small TTL cache keyed by the SHA-256 of the
whole header, so only the holder of the secret can hit an entry and a wrong secret never
matches one. Unknown or bad keys are not cached: made-up keys must not push real ones out.

Revoking clears the key from this process's cache at once; another worker process still admits
it until its own entry lapses, so a revoked key fails everywhere within the TTL
(`API_KEY_CACHE_S`, 5 seconds by default).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from cachetools import TTLCache

from echallan.audit import operations as audit
from echallan.core import clock
from echallan.core.extensions import db
from echallan.staff import sessions
from echallan.staff.models import ApiClient
from rules.errors import NotFound


@dataclass(frozen=True)
class KeyHolder:
    """What a request learns of the machine behind a verified key (no ORM row: it outlives it)."""

    id: int
    key_id: str
    name: str
    kind: str
    scopes: tuple[str, ...]
    device_id: str | None


def key_cache(ttl_s: float, size: int = 4_096) -> TTLCache:
    """Return a bounded cache of verified keys, each kept `ttl_s` seconds."""
    return TTLCache(maxsize=size, ttl=ttl_s)


def hash_secret(secret: str) -> str:
    """Hash a high-entropy API key secret for storage."""
    return hashlib.sha256(secret.encode()).hexdigest()


def holder_of(header: str | None, cache: TTLCache) -> KeyHolder | None:
    """Return the active key holder named by a full `key_id.secret` header, or None."""
    if not header or "." not in header:
        return None
    digest = hash_secret(header)
    holder = cache.get(digest)
    if holder is None:
        holder = _verified(header)
        if holder is not None:
            cache[digest] = holder
    return holder


def _verified(header: str) -> KeyHolder | None:
    """Look the key up and compare its secret in constant time."""
    key_id, secret = header.split(".", 1)
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None or not client.active:
        return None
    if not hmac.compare_digest(client.key_hash, hash_secret(secret)):
        return None
    # Only a cache miss gets here, so "last used" is as fresh as the cache's TTL (seconds).
    sessions.note_key_used(client, clock.now())
    scopes = tuple(client.scopes)
    return KeyHolder(client.id, client.key_id, client.name, client.kind, scopes, client.device_id)


def revoke_key(key_id: str, actor: str, cache: TTLCache) -> ApiClient:
    """Deactivate a machine key, audited, and drop it from this process's cache."""
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None:
        raise NotFound(f"no API key {key_id!r}")
    was_active, client.active = client.active, False
    db.session.flush()
    forget(key_id, cache)
    audit.record(actor, "api_client.revoked", client, was_active=was_active, name=client.name)
    return client


def forget(key_id: str, cache: TTLCache) -> None:
    """Drop every cached entry of one key, so this process refuses it from now on."""
    for digest, holder in list(cache.items()):
        if holder.key_id == key_id:
            cache.pop(digest, None)
