"""Report queries: challans counted per junction, Karachi day and rule; CSV rows streamed.

Every query takes a `scope`: None for everything (supervisors, administrators), or an
officer's actor name ("user:NAME"), which keeps to what that officer decided or filed.

A challan's junction is its camera's site, or for a field challan the site the officer chose.
Its day is the Karachi date of the offence (Pakistan keeps no daylight saving, and PostgreSQL
converts by zone name anyway).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan
from echallan.clips.models import Camera
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision
from rules.fines import KARACHI

BATCH = 500  # rows fetched from the database per round trip while streaming
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


@dataclass(frozen=True)
class Counts:
    """Challans over a period, three ways."""

    by_junction: list[tuple[str, int]]
    by_day: list[tuple[str, int]]
    by_rule: list[tuple[str, int]]
    total: int


def junction_of() -> sa.ColumnElement[str]:
    """The junction of a challan's event: its camera's site, else the field record's site."""
    field_site = ViolationEvent.evidence["site_id"].as_string()
    return sa.func.coalesce(Camera.site_id, field_site, ViolationEvent.camera_id, "none")


def karachi_day(column: Any) -> sa.ColumnElement[str]:
    """The Karachi date of a UTC timestamp column, as YYYY-MM-DD, on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = sa.func.timezone("Asia/Karachi", column)
        return sa.func.to_char(local, "YYYY-MM-DD")
    return sa.func.date(column, "+5 hours")  # SQLite stores naive UTC text; PKT is UTC+5


def _challans(start: datetime, end: datetime, scope: str | None) -> sa.Select:
    """Select challans whose offence fell in [start, end), within the scope."""
    query = (
        sa.select(Challan)
        .join(ViolationEvent, ViolationEvent.id == Challan.event_id)
        .outerjoin(Camera, Camera.id == ViolationEvent.camera_id)
        .where(Challan.occurred_at >= start, Challan.occurred_at < end)
    )
    if scope is not None:
        decided = sa.select(ReviewDecision.id).where(
            ReviewDecision.event_id == ViolationEvent.id, ReviewDecision.actor == scope
        )
        filed = ViolationEvent.evidence["officer"].as_string() == scope
        query = query.where(sa.or_(decided.exists(), filed))
    return query


def challan_counts(start: datetime, end: datetime, scope: str | None) -> Counts:
    """Count the period's challans per junction, per Karachi day and per rule."""
    base = _challans(start, end, scope).subquery()
    joined = (
        sa.select(base.c.id, base.c.rule, base.c.occurred_at, junction_of().label("junction"))
        .join(ViolationEvent, ViolationEvent.id == base.c.event_id)
        .outerjoin(Camera, Camera.id == ViolationEvent.camera_id)
        .subquery()
    )
    return Counts(
        by_junction=_grouped(joined.c.junction),
        by_day=_grouped(karachi_day(joined.c.occurred_at), by_value=True),
        by_rule=_grouped(joined.c.rule),
        total=db.session.scalar(sa.select(sa.func.count()).select_from(joined)) or 0,
    )


def _grouped(column: Any, by_value: bool = False) -> list[tuple[str, int]]:
    """Count rows per value of one column: most first, or in value order (days)."""
    label = column.label("value")
    query = sa.select(label, sa.func.count().label("n")).group_by(label)
    rows = [(str(value), int(n)) for value, n in db.session.execute(query)]
    return sorted(rows) if by_value else sorted(rows, key=lambda r: (-r[1], r[0]))


# --- CSV exports ------------------------------------------------------------------------------

CHALLAN_HEADER = (
    "number",
    "status",
    "rule",
    "plate",
    "vehicle_class",
    "fine_rs",
    "occurred_at_karachi",
    "issued_at_karachi",
    "junction",
    "source",
    "camera_id",
)
DECISION_HEADER = (
    "id",
    "event_id",
    "actor",
    "decision",
    "reasons",
    "corrected_plate",
    "decided_at_karachi",
)


def challan_rows(start: datetime, end: datetime, scope: str | None) -> Iterator[tuple]:
    """Yield the period's challans as CSV rows, fetched in batches (never all in memory)."""
    columns = _challans(start, end, scope).with_only_columns(
        Challan.number,
        Challan.status,
        Challan.rule,
        Challan.plate,
        Challan.vehicle_class,
        Challan.fine_paisa,
        Challan.occurred_at,
        Challan.issued_at,
        junction_of(),
        ViolationEvent.source,
        ViolationEvent.camera_id,
    )
    query = columns.order_by(Challan.occurred_at, Challan.id).execution_options(yield_per=BATCH)
    for row in db.session.execute(query):
        number, status, rule, plate, vclass, fine, occurred, issued, *rest = row
        yield (number, status, rule, plate, vclass, f"{fine / 100:.2f}", _local(occurred),
               _local(issued), *rest)  # fmt: skip


def decision_rows(start: datetime, end: datetime, scope: str | None) -> Iterator[tuple]:
    """Yield the period's review decisions as CSV rows, within the scope."""
    query = sa.select(ReviewDecision).where(
        ReviewDecision.decided_at >= start, ReviewDecision.decided_at < end
    )
    if scope is not None:
        query = query.where(ReviewDecision.actor == scope)
    query = query.order_by(ReviewDecision.decided_at, ReviewDecision.id)
    for d in db.session.scalars(query.execution_options(yield_per=BATCH)):
        reasons = ";".join(d.reasons or [])
        yield (d.id, d.event_id, d.actor, d.decision, reasons, d.corrected_plate or "",
               _local(d.decided_at))  # fmt: skip


def _local(value: datetime | None) -> str:
    """A timestamp as Karachi local time, ISO 8601 with its offset."""
    return "" if value is None else value.astimezone(KARACHI).isoformat(timespec="seconds")


def csv_lines(header: Iterable[str], rows: Iterable[tuple]) -> Iterator[str]:
    """Render a header and rows as CSV text, one line at a time, formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _drain(buffer)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    """Take what the writer wrote so far."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _safe(cell: object) -> object:
    """Keep a text cell from being run as a spreadsheet formula (a typed plate or a reason)."""
    if isinstance(cell, str) and cell.startswith(CSV_FORMULA):
        return "'" + cell
    return cell
