"""The landing page: the citizen's look-up forms first (the SMS sends people here)."""

from __future__ import annotations

from flask import Blueprint

from echallan.citizens.pages import home_page

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> tuple[str, int]:
    """Show the look-up forms, and where staff and developers go."""
    return home_page()
