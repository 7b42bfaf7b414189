"""The REST API: one blueprint per audience under /api/v1."""

from __future__ import annotations

from flask import Flask

from echallan.extensions import api


def init_app(app: Flask) -> None:
    """Register every API blueprint and the security schemes on the OpenAPI document."""
    from echallan.api import (
        audit,
        cameras,
        citizens,
        devices,
        field,
        partners,
        payments,
        police,
        session,
    )

    api.init_app(app)
    api.spec.components.security_scheme(
        "ApiKey", {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    )
    api.spec.components.security_scheme(
        "StaffSession", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    for module in (cameras, session, police, citizens, partners, payments, devices, field, audit):
        api.register_blueprint(module.blp)
    api.register_blueprint(devices.ops)  # devices.blp (heartbeats) and field.blp are above
