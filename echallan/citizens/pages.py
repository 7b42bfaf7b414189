"""Citizen pages: the verification page a notice's QR code opens, with evidence and amounts."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from echallan.citizens import operations as citizens
from echallan.core.clock import now
from echallan.core.security import rate_limit
from rules.errors import NotFound

bp = Blueprint("citizen", __name__)


@bp.get("/verify/<number>")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def verify(number: str) -> tuple[str, int] | str:
    """Ask for the plate, then show the challan, its amount today and its evidence."""
    plate = request.args.get("plate", "").strip()
    if not plate:
        return render_template("verify.html", number=number, challan=None, error=None)
    try:
        challan = citizens.view(citizens.find(number, plate), now())
    except NotFound:
        error = "No challan matches that number and plate. Check both and try again."
        return render_template("verify.html", number=number, challan=None, error=error), 404
    return render_template("verify.html", number=number, challan=challan, plate=plate, error=None)
