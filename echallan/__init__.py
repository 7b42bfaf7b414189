"""The e-challan application: `create_app` builds it, every extension binds in `init_app`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from echallan import bootstrap, routes, tables  # noqa: F401 (tables: registers every model)
from echallan.config import Config, config_from_environment, instance_paths
from echallan.core import database, edge, errors, i18n, security, uow
from echallan.core.extensions import db, migrate
from echallan.core.secret_key import AUDIT_KEY_FILE, instance_secret


def create_app(
    config: type[Config] | None = None, overrides: Mapping[str, Any] | None = None
) -> Flask:
    """Build the application from a config class (default: the environment's) and overrides."""
    app = Flask(__name__)
    _configure(app, config or config_from_environment(), overrides or {})
    Path(app.config["EVIDENCE_DIR"]).mkdir(parents=True, exist_ok=True)
    _init_extensions(app)
    _trust_proxies(app, int(app.config.get("TRUSTED_PROXIES", 0)))
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    return app


def _configure(app: Flask, config: type[Config], overrides: Mapping[str, Any]) -> None:
    """Load the config class and the overrides, after validating the class."""
    config.validate()
    app.config.from_object(config)
    app.config.update(overrides)
    instance_paths(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.config["INSTANCE_DIR"]))
    if not app.config.get("AUDIT_ANCHOR_KEY"):
        folder = Path(app.config["INSTANCE_DIR"])
        app.config["AUDIT_ANCHOR_KEY"] = instance_secret(folder, AUDIT_KEY_FILE)
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])


def _ensure_sqlite_folder(url: str) -> None:
    """Create the folder of an SQLite database file."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix):
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def _trust_proxies(app: Flask, hops: int) -> None:
    """Believe the X-Forwarded-* headers set by the `hops` proxies nearest the app."""
    if hops < 0:
        raise RuntimeError(f"TRUSTED_PROXIES must be 0 or more, not {hops}")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def _init_extensions(app: Flask) -> None:
    """Bind the database, migrations, jobs, API and error handling to the app."""

    edge.install_converters(app)  # before any route is added
    edge.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    bootstrap.wire(app)
    i18n.init_app(app)
    routes.init_app(app)
    security.init_app(app)
    uow.init_app(app)
    errors.init_app(app)
