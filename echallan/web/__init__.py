"""Web pages: each audience's pages under its own blueprint."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web page blueprints."""
    from echallan.api import ops
    from echallan.web import citizen, home

    app.register_blueprint(home.bp)
    app.register_blueprint(citizen.bp)
    app.register_blueprint(ops.bp)
