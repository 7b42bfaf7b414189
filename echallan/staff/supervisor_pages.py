"""The supervisor's desk: every review decision with who, when and why; reopen; agreement.

Supervisors and administrators only. The page works without JavaScript: filters are a GET form,
each reopen a POST form carrying the CSRF token, answered by a redirect back to the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from echallan.core import clock
from echallan.core.auth import current_user
from echallan.core.pages import safe_next, staff_page
from echallan.core.uow import unit_of_work
from echallan.reports.periods import bounds
from echallan.review import agreement
from echallan.staff.models import Role
from rules.errors import DomainError

bp = Blueprint("supervisor_pages", __name__, url_prefix="/staff", template_folder="templates")

PER_PAGE = 20
MAX_PAGE = 10_000
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Query:
    """The filters as given, what they mean, and why a bad one was ignored."""

    officer: str
    start: date | None
    end: date | None
    page: int
    problem: str | None

    def filters(self) -> agreement.DecisionFilter:
        """Return the filter the operations take (Karachi days, both included)."""
        since = until = None
        if self.start is not None:
            since = bounds(self.start, self.start)[0]
        if self.end is not None:
            until = bounds(self.end, self.end)[1]
        return agreement.DecisionFilter(self.officer or None, since, until)

    def args(self, **changes: object) -> dict[str, object]:
        """Return the query-string arguments of this view, with `changes`."""
        given = {
            "officer": self.officer,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "page": self.page,
        }
        given.update(changes)
        return {key: value for key, value in given.items() if value not in ("", None, 1)}


def read_query(args: Mapping[str, str]) -> Query:
    """Read officer, from, to and page; a bad value is dropped with a readable why."""
    problem = None
    try:
        start = date.fromisoformat(args["from"]) if args.get("from") else None
        end = date.fromisoformat(args["to"]) if args.get("to") else None
    except ValueError:
        start = end = None
        problem = _("Dates are written YYYY-MM-DD; showing every date.")
    if start and end and end < start:
        start = end = None
        problem = _("The period must run forward; showing every date.")
    raw_page = args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= MAX_PAGE else 1
    return Query((args.get("officer") or "").strip()[:64], start, end, page, problem)


@bp.get("/decisions")
@staff_page(*SUPERVISORS)
def decisions() -> str:
    """List the decisions (newest first), the officers' counts and their agreement rates."""
    query = read_query(request.args)
    filters = query.filters()
    rows, total = agreement.list_decisions(filters, PER_PAGE, (query.page - 1) * PER_PAGE)
    return render_template(
        "staff/decisions.html",
        rows=rows,
        total=total,
        pages=max(1, -(-total // PER_PAGE)),
        query=query,
        records=agreement.officer_records(filters),
        officers=agreement.deciders(),
        here=request.full_path,
    )


@bp.post("/decisions/<int:decision_id>/reopen")
@staff_page(*SUPERVISORS)
def reopen(decision_id: int) -> Response | tuple[str, int]:
    """Reopen the case of one decision with the supervisor's reason, then go back."""
    back = safe_next(request.form.get("next"), url_for("supervisor_pages.decisions"))
    user = current_user()
    assert user is not None  # staff_page admitted a signed-in user
    if not request.form.get("reason", "").strip():
        flash(_("Not reopened: write why the case needs another look."), "error")
        return redirect(back, 303)
    try:
        with unit_of_work():
            task = agreement.reopen_decision(
                decision_id, user, request.form.get("reason", ""), clock.now()
            )
    except DomainError as error:
        flash(_("Not reopened: %(why)s", why=error.detail), "error")
        return redirect(back, 303)
    flash(
        _(
            "Decision %(id)s reopened: the case is back in the queue as task %(task)s.",
            id=decision_id,
            task=task.id,
        ),
        "info",
    )
    return redirect(back, 303)
