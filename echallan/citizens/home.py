"""The landing page: where each audience goes next."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Show the entry points of the system."""
    return render_template("home.html")
