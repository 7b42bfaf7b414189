"""Prometheus metrics computed from the database at scrape time.

Reading the counts from the database (rather than counting in process memory) keeps the
figures right with any number of web and worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from echallan.challans.events import EventStatus, ViolationEvent
from echallan.challans.models import Challan, Notice
from echallan.clips.models import Clip, ClipStatus
from echallan.core.extensions import db
from echallan.devices.reports import metric_families
from echallan.review.models import ReviewTask


def _counts_by(column: sa.ColumnElement[str]) -> dict[str, int]:
    """Count rows grouped by one column."""
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column))
    return {str(value): count for value, count in rows}


def _count(model: type, *conditions: sa.ColumnElement[bool]) -> int:
    """Count the rows of a model matching the conditions."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions)) or 0


class DatabaseCollector(Collector):
    """Collect pipeline figures from the database."""

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges for one scrape."""
        yield _by_label("echallan_clips", "Clips by pipeline status", "status", Clip.status)
        yield _by_label("echallan_challans", "Challans by status", "status", Challan.status)
        yield _by_label(
            "echallan_violations", "Violation events by status", "status", ViolationEvent.status
        )
        queue = GaugeMetricFamily(
            "echallan_queue_depth", "Work waiting, by queue", labels=["queue"]
        )
        queue.add_metric(["analysis"], _count(Clip, Clip.status == ClipStatus.RECEIVED))
        queue.add_metric(
            ["registry_lookup"],
            _count(ViolationEvent, ViolationEvent.status == EventStatus.PENDING_LOOKUP),
        )
        queue.add_metric(["review"], _count(ReviewTask, ReviewTask.status != "closed"))
        queue.add_metric(["notices"], _count(Notice, Notice.status == "pending"))
        yield queue
        yield from _extra_metrics()


def _by_label(name: str, doc: str, label: str, column: sa.ColumnElement[str]) -> Metric:
    """Build a gauge family with one sample per distinct value of `column`."""
    family = GaugeMetricFamily(name, doc, labels=[label])
    for value, count in sorted(_counts_by(column).items()):
        family.add_metric([value], count)
    return family


def _extra_metrics() -> Iterator[Metric]:
    """Metrics contributed by other areas: device health (offline, open alerts, heartbeats)."""

    yield from metric_families()
