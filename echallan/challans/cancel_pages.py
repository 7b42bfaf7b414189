"""The cancel page: a supervisor cancels a served or paid challan, as POST .../cancel does.

It calls the same operation as the API (`cancel_challan`), then sends the supervisor to the
same address with GET (post/redirect/get), which shows the cancellation and its refunds as
they stand after the commit: a refund is paid out right after it, not before the page.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from echallan.challans.cancellation import cancel_challan, cancellation_of
from echallan.challans.operations import get_challan
from echallan.core import clock
from echallan.core.auth import actor
from echallan.core.pages import staff_page
from rules.errors import IllegalTransition, InvalidInput
from rules.lifecycle import CANCEL_REASONS, SUPERVISOR_CANCELLABLE

bp = Blueprint(
    "challan_cancel_pages", __name__, url_prefix="/staff/challans", template_folder="templates"
)
SUPERVISORS = ("supervisor", "admin")
REASON_WORDS = {
    "wrong_vehicle": _l("Wrong vehicle"),
    "evidence_faulty": _l("Faulty evidence"),
    "plate_misread": _l("Plate misread"),
    "duplicate_offence": _l("Duplicate of another challan"),
    "other": _l("Other"),
}
NOTE_MIN, NOTE_MAX = 3, 500  # as the API's CancelSchema and rules.lifecycle.cancel_reason


class CancelForm(FlaskForm):
    """Why the challan should never have stood: a listed reason and a few words."""

    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(code, REASON_WORDS[code]) for code in CANCEL_REASONS],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (what was wrong, in a few words)"),
        [DataRequired(_l("Say why in a few words.")), Length(min=NOTE_MIN, max=NOTE_MAX)],
    )


@bp.route("/<string(maxlength=32):number>/cancel", methods=["GET", "POST"])
@staff_page(*SUPERVISORS)
def cancel_page(number: str) -> str | Response | tuple[str, int]:
    """Show the challan and the form; on a valid form cancel it and show the result."""
    form = CancelForm()
    if form.is_submitted() and not form.validate():
        return _page(number, form), 422
    if not form.is_submitted():
        return _page(number, form)
    try:
        cancel_challan(number, form.reason.data or "", form.note.data or "", actor(), clock.now())
    except InvalidInput as error:  # the operation's own checks, shown beside the form
        return _page(number, form, problem=error.detail), 422
    except IllegalTransition as error:  # contested, on hold...: its own desk decides
        return _page(number, form, problem=error.detail), 409
    return redirect(url_for("challan_cancel_pages.cancel_page", number=number))


def _page(number: str, form: CancelForm, problem: str | None = None) -> str:
    """Render the challan, its cancellation if it has one, else the form when it may have one."""
    challan = get_challan(number)
    return render_template(
        "challans/cancel.html",
        challan=challan,
        done=cancellation_of(number),
        cancellable=challan.status in SUPERVISOR_CANCELLABLE,
        reason_words=REASON_WORDS,
        form=form,
        problem=problem,
    )
