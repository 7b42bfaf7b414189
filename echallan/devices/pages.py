"""The control-room board: the camera network on a map, open alerts, uptime, manual sites.

The live part (map, alerts, manual sites) is also served alone at /control-room/live, which
htmx fetches every 30 seconds; without JavaScript the page has a refresh link instead.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from echallan.core import clock, deps
from echallan.core.auth import actor
from echallan.core.pages import staff_page
from echallan.devices import board as device_board
from echallan.devices import operations as devices
from echallan.devices import reports as device_reports
from echallan.reports.periods import bounds, period

bp = Blueprint("device_pages", __name__, url_prefix="/control-room", template_folder="templates")


@bp.get("")
@staff_page()
def board() -> str:
    """Show the board with the uptime of every camera over the chosen period."""
    now = clock.now()
    start_day, end_day, problem = period(request.args, now)
    start, end = bounds(start_day, end_day)
    uptime = device_reports.uptime_report(start, end, now)
    return render_template(
        "devices/board.html",
        live=_live(now),
        uptime=uptime,
        start_day=start_day,
        end_day=end_day,
        period_problem=problem,
    )


@bp.get("/live")
@staff_page()
def live() -> str:
    """Serve the live part of the board alone (htmx swaps it in every 30 seconds)."""
    return render_template("devices/_live.html", live=_live(clock.now()))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@staff_page()
def acknowledge(alert_id: int) -> Response:
    """Acknowledge an alert (audited by the operation) and go back to the board."""
    row = devices.acknowledge_alert(alert_id, actor(), clock.now())
    flash(_("Alert %(id)s on %(device)s acknowledged.", id=row.id, device=row.device_id), "info")
    return redirect(url_for("device_pages.board") + "#alerts")


def _live(now: datetime) -> device_board.Board:
    """Read the board as it is now."""
    return device_board.board(now, deps.current().settings.health)
