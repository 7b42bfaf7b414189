"""Citizen pages: find your challans, see one with its evidence and dues, download the notice.

A visitor proves they may see a challan by its number and plate, or by plate and the owner's
CNIC (never by plate alone); the numbers found are remembered in the signed session cookie, so
the pages that follow (evidence, PDF, contest, waiver) need neither in their address. The CNIC
itself is never stored in the cookie. Forms carry Flask-WTF's CSRF token and look-ups are rate
limited like the API's. Every page works without JavaScript.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from echallan.citizens import operations as citizens
from echallan.core import deps
from echallan.core.clock import now
from echallan.core.security import rate_limit
from rules.errors import InvalidInput, NotFound

bp = Blueprint("citizen", __name__, template_folder="templates")

FOUND_KEY = "portal_challans"  # the challan numbers this browser has proved it may see
MAX_FOUND = 50
CNIC_PATTERN = r"^\s*[0-9]{5}-?[0-9]{7}-?[0-9]\s*$"


class NumberLookupForm(FlaskForm):
    """Challan number and plate: what the notice and the SMS give."""

    number = StringField(_l("Challan number"), validators=[DataRequired(), Length(max=32)])
    plate = StringField(
        _l("Vehicle registration number"), validators=[DataRequired(), Length(max=16)]
    )


class OwnerLookupForm(FlaskForm):
    """Plate and the owner's CNIC: every challan of that vehicle and owner."""

    plate = StringField(
        _l("Vehicle registration number"), validators=[DataRequired(), Length(max=16)]
    )
    cnic = StringField(
        _l("Owner's CNIC"),
        validators=[DataRequired(), Regexp(CNIC_PATTERN, message=_l("A CNIC has 13 digits."))],
    )


def grant(numbers: list[str]) -> None:
    """Remember challans this browser found, newest first, a bounded list."""
    known = [n for n in session.get(FOUND_KEY, []) if isinstance(n, str)]
    session[FOUND_KEY] = list(dict.fromkeys([*numbers, *known]))[:MAX_FOUND]


def found(number: str) -> bool:
    """Tell whether this browser proved it may see challan `number`."""
    return number in session.get(FOUND_KEY, [])


def home_page(status: int = 200, error: str | None = None, **forms: FlaskForm) -> tuple[str, int]:
    """Render the landing page with both look-up forms."""
    number_form = forms.get("number_form") or NumberLookupForm(formdata=None)
    owner_form = forms.get("owner_form") or OwnerLookupForm(formdata=None)
    body = render_template(
        "citizens/home.html", number_form=number_form, owner_form=owner_form, error=error
    )
    return body, status


@bp.post("/lookup/number")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def lookup_number() -> tuple[str, int] | WerkzeugResponse:
    """Find one challan by its number and plate."""
    form = NumberLookupForm()
    if not form.validate_on_submit():
        return home_page(422, _("Fill in both fields and send the form again."), number_form=form)
    try:
        challan = citizens.find(form.number.data.strip(), form.plate.data)
    except NotFound:
        return home_page(404, not_found_text(), number_form=form)
    grant([challan.number])
    return redirect(url_for("citizen.challan", number=challan.number))


@bp.post("/lookup/owner")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def lookup_owner() -> tuple[str, int] | WerkzeugResponse:
    """Find every challan of a vehicle and its owner by plate and CNIC."""
    form = OwnerLookupForm()
    if not form.validate_on_submit():
        return home_page(422, _("Fill in both fields and send the form again."), owner_form=form)
    try:
        rows = citizens.find_for_owner(form.plate.data, form.cnic.data)
    except InvalidInput:
        rows = []
    if not rows:
        return home_page(404, not_found_text(), owner_form=form)
    grant([row.number for row in rows])
    return redirect(url_for("citizen.my_challans"))


def not_found_text() -> str:
    """The one answer for every miss: which part was wrong is not said."""
    return _("No challan matches. Check what you typed and try again.")


@bp.get("/my/challans")
def my_challans() -> str | WerkzeugResponse:
    """List the challans this browser has found."""
    numbers = session.get(FOUND_KEY, [])
    if not numbers:
        return redirect(url_for("home.index"))
    rows = [citizens.view(citizens.get(n), now()) for n in numbers]
    return render_template("citizens/list.html", challans=rows)


@bp.get("/my/challans/<number>")
def challan(number: str) -> str | WerkzeugResponse:
    """Show one challan: evidence, dues today, history, the decision letter."""
    if not found(number):
        return redirect(url_for("citizen.verify", number=number))
    return render_template(
        "citizens/challan.html", challan=citizens.detail(citizens.get(number), now())
    )


@bp.get("/my/challans/<number>/evidence/<int:index>")
def evidence(number: str, index: int) -> Response | WerkzeugResponse:
    """Return one evidence image, bystanders blurred."""
    if not found(number):
        raise NotFound(citizens.NO_MATCH)
    data, mimetype = citizens.citizen_evidence(citizens.get(number), index)
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/my/challans/<number>/notice.pdf")
def my_notice(number: str) -> Response:
    """Download the challan's notice PDF."""
    if not found(number):
        raise NotFound(citizens.NO_MATCH)
    return _pdf(number)


@bp.get("/verify/<number>/notice.pdf")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def notice(number: str) -> Response:
    """Download the notice PDF by challan number and plate (the link an SMS reader can use)."""
    challan = citizens.find(number, request.args.get("plate", ""))
    return _pdf(challan.number)


def _pdf(number: str) -> Response:
    """Send the notice PDF of a challan."""
    path = citizens.notice_pdf(deps.current().settings, citizens.get(number))
    return send_file(path, mimetype="application/pdf", download_name=f"{number}.pdf", max_age=0)


@bp.get("/verify/<number>")
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-lookup")
def verify(number: str) -> tuple[str, int] | str:
    """Ask for the plate, then show the challan, its amount today and its evidence."""
    plate = request.args.get("plate", "").strip()
    if not plate:
        return render_template("citizens/verify.html", number=number, challan=None, error=None)
    try:
        challan = citizens.find(number, plate)
    except NotFound:
        page = render_template(
            "citizens/verify.html", number=number, challan=None, error=not_found_text()
        )
        return page, 404
    grant([challan.number])
    return render_template(
        "citizens/verify.html", number=number, challan=citizens.view(challan, now()), error=None
    )
