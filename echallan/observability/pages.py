"""Operations: liveness for the load balancer and Prometheus metrics for the control room."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Blueprint, Response
from flask.blueprints import BlueprintSetupState
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import CollectorRegistry

from echallan.core.extensions import db
from echallan.observability import requests
from echallan.observability.metrics import DatabaseCollector

bp = Blueprint("ops", __name__)


@bp.record_once
def _observe_requests(state: BlueprintSetupState) -> None:
    """Time and tag every request of the app this blueprint joins (with JSON logs)."""
    requests.init_app(state.app)


@bp.get("/healthz")
def healthz() -> Response:
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return Response("database unavailable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")


@bp.get("/metrics")
def metrics() -> Response:
    """Expose the pipeline figures in the Prometheus text format."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # several gunicorn workers: add them up
        MultiProcessCollector(registry)
    else:
        registry.register(requests.REQUEST_SECONDS)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
