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
    flash,
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
from flask_wtf.file import FileField
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from echallan.citizens import operations as citizens
from echallan.citizens.evidence import UploadRefused, clean_upload
from echallan.core import deps
from echallan.core.clock import now
from echallan.core.security import rate_limit
from rules import contest as contest_rules
from rules.errors import Conflict, DomainError, IllegalTransition, InvalidInput, NotFound

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


REASON_LABELS = {
    "not_my_vehicle": _l("It was not my vehicle"),
    "plate_misread": _l("The number plate was read wrongly"),
    "vehicle_sold": _l("I had sold the vehicle before that day"),
    "no_violation": _l("There was no violation"),
    "emergency": _l("It was an emergency"),
    "wrong_vehicle_class": _l("The wrong vehicle type was charged"),
    "other": _l("Another reason (explain below)"),
}
FORM_OVERHEAD = 64 * 1024  # the contest form's text fields and multipart framing


class ContestForm(FlaskForm):
    """A contest: a reason from the list, the citizen's words, an optional photo or PDF."""

    reason = SelectField(
        _l("Reason"), choices=[(r, REASON_LABELS[r]) for r in contest_rules.REASONS]
    )
    grounds = TextAreaField(
        _l("What happened"), validators=[DataRequired(), Length(min=10, max=4000)]
    )
    contact_phone = StringField(
        _l("Mobile number for the decision (optional)"),
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9]{10,13}$", message=_l("10 to 13 digits.")),
        ],
    )
    evidence = FileField(_l("Photo or PDF (optional)"))


class WaiverForm(FlaskForm):
    """The first-offence waiver: the owner's CNIC and a written apology."""

    cnic = StringField(
        _l("Owner's CNIC"),
        validators=[DataRequired(), Regexp(CNIC_PATTERN, message=_l("A CNIC has 13 digits."))],
    )
    apology = TextAreaField(
        _l("Your written apology"), validators=[DataRequired(), Length(min=20, max=2000)]
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


@bp.route("/my/challans/<number>/contest", methods=["GET", "POST"])
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-contest")
def contest(number: str) -> tuple[str, int] | WerkzeugResponse:
    """Show the contest form; file the contest (with its cleaned upload) when sent."""
    if not found(number):
        return redirect(url_for("citizen.verify", number=number))
    app_deps = deps.current()
    # The body is refused (413) before it is read, far below the clip upload's limit.
    request.max_content_length = app_deps.settings.contest_upload_max_bytes + FORM_OVERHEAD
    challan = citizens.get(number)
    if not citizens.view(challan, now())["can_contest"]:
        flash(_("This challan can no longer be contested."), "error")
        return redirect(url_for("citizen.challan", number=number))
    form = ContestForm()
    if not form.validate_on_submit():
        return _contest_page(form, challan.number, 422 if request.method == "POST" else 200)
    try:
        attachment = _attachment(form, app_deps.settings.contest_upload_max_bytes)
        citizens.file_contest(
            challan,
            form.grounds.data,
            form.contact_phone.data or None,
            now(),
            reason=form.reason.data,
            attachment=attachment,
            store=app_deps.store,
        )
    except UploadRefused as error:
        form.evidence.errors = [_upload_message(error)]
        return _contest_page(form, challan.number, 422)
    except (Conflict, IllegalTransition, InvalidInput):
        flash(_("This challan can no longer be contested."), "error")
        return redirect(url_for("citizen.challan", number=number))
    flash(_("Your contest was received. An officer will decide it."), "success")
    return redirect(url_for("citizen.challan", number=number))


def _attachment(form: ContestForm, max_bytes: int) -> citizens.Attachment | None:
    """Return the cleaned upload, or None when nothing was attached."""
    upload = form.evidence.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data, media_type, suffix = clean_upload(upload.read(max_bytes + 1), max_bytes)
    return citizens.Attachment(data, media_type, suffix)


def _upload_message(error: UploadRefused) -> str:
    """Return the citizen's words for a refused upload, in their language."""
    messages = {
        "type": _("Only a JPEG or PNG photo or a PDF can be attached."),
        "size": _("The file is too large: attach one of at most %(mb)s MB.", mb=error.limit_mb),
        "empty": _("The attached file is empty."),
        "unreadable": _("The photo could not be read. Attach another one."),
    }
    return messages[error.kind]


def _contest_page(form: ContestForm, number: str, status: int) -> tuple[str, int]:
    """Render the contest form."""
    limit_mb = deps.current().settings.contest_upload_max_bytes // (1024 * 1024)
    return render_template(
        "citizens/contest.html", form=form, number=number, limit_mb=limit_mb
    ), status


@bp.route("/my/challans/<number>/waiver", methods=["GET", "POST"])
@rate_limit("CITIZEN_LOOKUP_RATE_LIMIT", scope="citizen-contest")
def waiver(number: str) -> tuple[str, int] | WerkzeugResponse:
    """Ask for the first-offence waiver with a written apology; an officer confirms it."""
    if not found(number):
        return redirect(url_for("citizen.verify", number=number))
    challan = citizens.get(number)
    window = deps.current().settings.waiver_window_days
    form = WaiverForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return _waiver_page(form, number, window, status)
    try:
        citizens.request_waiver(
            deps.current().settings, challan, form.cnic.data, form.apology.data, now()
        )
    except NotFound:
        return _waiver_page(form, number, window, 404, not_found_text())
    except (Conflict, IllegalTransition, InvalidInput) as refused:
        return _waiver_page(form, number, window, 409, _waiver_refusal(refused, window))
    flash(_("Your waiver request was received. An officer will decide it."), "success")
    return redirect(url_for("citizen.challan", number=number))


def _waiver_refusal(refused: DomainError, window: int) -> str:
    """Say why the waiver was refused; the once-a-period rule names the day it opens again."""
    next_on = refused.extra.get("next_waiver_on")
    if next_on is not None:
        return _(
            "A waiver was already asked for or given for this CNIC in the last %(days)s days. "
            "The next one can be asked from %(date)s.",
            days=refused.extra["waiver_period_days"],
            date=next_on.strftime("%d %b %Y"),
        )
    return _(
        "A waiver cannot be given for this challan: it is for a first offence, asked within "
        "%(days)s days of issue, once a year.",
        days=window,
    )


def _waiver_page(
    form: WaiverForm, number: str, window: int, status: int, error: str | None = None
) -> tuple[str, int]:
    """Render the waiver form."""
    page = render_template(
        "citizens/waiver.html", form=form, number=number, window=window, error=error
    )
    return page, status
