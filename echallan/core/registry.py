"""The application's vehicle registry: the excise REST API, or the bundled seed when embedded."""

from __future__ import annotations

from flask import Flask, current_app

from integrations.registry import HttpVehicleRegistry, InMemoryRegistry, VehicleRegistry
from integrations.registry.memory import DEFAULT_SEED

SEED = DEFAULT_SEED


def get_registry(app: Flask | None = None) -> VehicleRegistry:
    """Return the app's registry client, built once per app from its configuration."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "vehicle_registry" not in app.extensions:
        app.extensions["vehicle_registry"] = _build(app)
    return app.extensions["vehicle_registry"]


def set_registry(app: Flask, registry: VehicleRegistry) -> None:
    """Use this registry for the app (tests, demos with a simulator on loopback)."""
    app.extensions["vehicle_registry"] = registry


def _build(app: Flask) -> VehicleRegistry:
    """Build the HTTP client when REGISTRY_URL is set, else an in-memory registry from the seed."""
    if app.config.get("REGISTRY_URL"):
        return HttpVehicleRegistry(app.config["REGISTRY_URL"], app.config["REGISTRY_API_KEY"])
    return InMemoryRegistry.from_seed(app.config.get("REGISTRY_SEED") or SEED)
