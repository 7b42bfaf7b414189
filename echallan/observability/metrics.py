"""Prometheus metrics computed from the database at scrape time.

Reading the counts from the database (rather than counting in process memory) keeps the
figures right with any number of web and worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
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
        yield clip_analysis_histogram()
        yield from _extra_metrics()


def _by_label(name: str, doc: str, label: str, column: sa.ColumnElement[str]) -> Metric:
    """Build a gauge family with one sample per distinct value of `column`."""
    family = GaugeMetricFamily(name, doc, labels=[label])
    for value, count in sorted(_counts_by(column).items()):
        family.add_metric([value], count)
    return family


# Seconds from a worker claiming a clip to its analysis stored: a 10 s clip takes about 2 s on
# one core today (DESIGN.md: 5.6-6.1x real time), so the buckets spread around that.
ANALYSIS_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)


def _analysis_seconds() -> sa.ColumnElement[float]:
    """A clip's analysis time (analysed_at - claimed_at) in seconds, on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", Clip.analysed_at - Clip.claimed_at)
    return (sa.func.julianday(Clip.analysed_at) - sa.func.julianday(Clip.claimed_at)) * 86400.0


def clip_analysis_histogram() -> Metric:
    """Histogram of analysis times over every analysed clip, counted by the database.

    The analysis runs in worker processes the web process cannot see, so the histogram is
    read from the clips' own timestamps; it only grows, as a Prometheus histogram must.
    """
    seconds = _analysis_seconds()
    columns = [sa.func.count(), sa.func.coalesce(sa.func.sum(seconds), 0.0)] + [
        sa.func.coalesce(sa.func.sum(sa.case((seconds <= le, 1), else_=0)), 0)
        for le in ANALYSIS_BUCKETS
    ]
    done = (Clip.status == ClipStatus.ANALYSED, Clip.claimed_at.is_not(None))
    total, total_s, *within = db.session.execute(sa.select(*columns).where(*done)).one()
    buckets = [(str(float(le)), int(n)) for le, n in zip(ANALYSIS_BUCKETS, within, strict=True)]
    family = HistogramMetricFamily(
        "echallan_clip_analysis_seconds", "Time from a clip's claim to its analysis stored"
    )
    family.add_metric([], buckets + [("+Inf", int(total))], float(total_s))
    return family


def _extra_metrics() -> Iterator[Metric]:
    """Metrics contributed by other areas: device health (offline, open alerts, heartbeats)."""

    yield from metric_families()
