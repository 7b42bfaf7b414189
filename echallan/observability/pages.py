"""Operations: liveness for the load balancer and Prometheus metrics for the control room."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from echallan.core.extensions import db
from echallan.observability.metrics import DatabaseCollector

bp = Blueprint("ops", __name__)


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
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
