"""Reports: challans per junction, day and rule over a period; streamed CSV exports.

What a person sees follows their role: an officer, what they decided or filed themselves;
a supervisor or administrator, everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context

from echallan.core import clock
from echallan.core.auth import actor, current_user
from echallan.core.pages import staff_page
from echallan.reports import operations as report_ops
from echallan.reports.periods import bounds, period
from echallan.staff.models import Role

bp = Blueprint("report_pages", __name__, url_prefix="/reports", template_folder="templates")


def scope() -> str | None:
    """Whose records this user may report on: None for all, else the officer's own."""
    user = current_user()
    return None if user is not None and user.role in (Role.SUPERVISOR, Role.ADMIN) else actor()


@bp.get("")
@staff_page()
def reports() -> str:
    """Show the period's counts with links to the exports of the same period."""
    start_day, end_day, problem = period(request.args, clock.now())
    counts = report_ops.challan_counts(*bounds(start_day, end_day), scope())
    return render_template(
        "reports/reports.html",
        counts=counts,
        start_day=start_day,
        end_day=end_day,
        period_problem=problem,
        everything=scope() is None,
    )


@bp.get("/challans.csv")
@staff_page()
def challans_csv() -> Response:
    """Stream the period's challans as CSV."""
    return _export("challans", report_ops.CHALLAN_HEADER, report_ops.challan_rows)


@bp.get("/decisions.csv")
@staff_page()
def decisions_csv() -> Response:
    """Stream the period's review decisions as CSV."""
    return _export("decisions", report_ops.DECISION_HEADER, report_ops.decision_rows)


def _export(name: str, header: tuple[str, ...], rows: Callable[..., Iterator[tuple]]) -> Response:
    """Stream rows as a CSV download named after the period (the request stays open meanwhile)."""
    start_day, end_day, _problem = period(request.args, clock.now())
    lines = report_ops.csv_lines(header, rows(*bounds(start_day, end_day), scope()))
    filename = f"{name}-{start_day.isoformat()}-{end_day.isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
