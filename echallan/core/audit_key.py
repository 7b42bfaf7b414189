"""The audit chain's HMAC key, per app (config AUDIT_ANCHOR_KEY), kept outside the database."""

from __future__ import annotations

from flask import current_app, has_app_context


def current() -> bytes | None:
    """Return the current app's audit key, or None outside an app (plain SHA-256)."""
    key = current_app.config.get("AUDIT_ANCHOR_KEY") if has_app_context() else None
    return key.encode() if key else None
