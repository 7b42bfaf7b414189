"""The field challan form: an officer files an offence where the cameras are down.

It calls the same operation as POST /api/v1/police/field-challans, so the record goes through
the same look-up, issuance policy and review as a camera's event; then the officer is sent
to the record's own page (post/redirect/get), which shows the challan number once issued.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from echallan.challans.field import (
    MAX_PHOTOS,
    FieldRecord,
    Photo,
    field_outcome,
    record_field_challan,
)
from echallan.core import clock, deps
from echallan.core.auth import actor
from echallan.core.pages import staff_page
from echallan.devices import reports as device_reports
from echallan.devices.models import Site
from rules.errors import InvalidInput

bp = Blueprint("challan_pages", __name__, url_prefix="/field-challan", template_folder="templates")
KARACHI = ZoneInfo("Asia/Karachi")
RULES = (
    SelectChoice("red_light", _l("Red light")),
    SelectChoice("wrong_way", _l("Wrong way")),
    SelectChoice("no_helmet", _l("No helmet")),
)
CLASSES = (
    SelectChoice("motorcycle", _l("Motorcycle")),
    SelectChoice("car", _l("Car")),
    SelectChoice("jeep", _l("Jeep or SUV")),
    SelectChoice("heavy", _l("Heavy vehicle")),
)


class FieldForm(FlaskForm):
    """What an officer enters: photos, the plate as read, vehicle, rule, place and time."""

    photos = MultipleFileField(
        _l("Photos (JPEG or PNG, 1 to %(n)d)", n=MAX_PHOTOS),
        render_kw={"accept": "image/jpeg,image/png", "required": True},
    )
    plate = StringField(_l("Plate, as read on the vehicle"), [DataRequired(), Length(max=20)])
    vehicle_class = SelectField(_l("Vehicle"), choices=CLASSES, validators=[DataRequired()])
    rule = SelectField(_l("Offence"), choices=RULES, validators=[DataRequired()])
    site_id = SelectField(_l("Place (junction)"), validators=[DataRequired()])
    occurred_at = DateTimeLocalField(
        _l("Time (Karachi)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=1000)])


@bp.route("", methods=["GET", "POST"])
@staff_page()
def field_form() -> str | Response | tuple[str, int]:
    """Show the form; on a valid one record the field challan and show its record."""
    form = FieldForm()
    form.site_id.choices = [_site_choice(s) for s in device_reports.list_sites()]
    if request.method == "GET" and form.occurred_at.data is None:
        form.occurred_at.data = clock.now().astimezone(KARACHI).replace(second=0, microsecond=0)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("challans/field_form.html", form=form, problem=None), status
    try:
        event = record_field_challan(
            deps.current().store, _record(form), _photos(), actor(), clock.now()
        )
    except InvalidInput as error:  # the operation's own checks: shown beside the form, kept
        return render_template("challans/field_form.html", form=form, problem=error), 422
    return redirect(url_for("challan_pages.field_record", event_id=event.id))


@bp.get("/<int:event_id>")
@staff_page()
def field_record(event_id: int) -> str:
    """Show a field record the officer filed: its status and the challan number once issued."""
    event, number = field_outcome(event_id, actor())
    return render_template("challans/field_record.html", event=event, number=number)


def _site_choice(site: Site) -> SelectChoice:
    """A junction as an option: its name and id."""
    return SelectChoice(site.id, f"{site.name or site.id} ({site.id})")


def _record(form: FieldForm) -> FieldRecord:
    """The form's values as the operation takes them (the time made aware in Karachi)."""
    local: datetime = form.occurred_at.data  # type: ignore[assignment]
    return FieldRecord(
        site_id=form.site_id.data or "",
        plate=form.plate.data or "",
        vehicle_class=form.vehicle_class.data or "",
        rule=form.rule.data or "",
        occurred_at=local.replace(tzinfo=KARACHI),
        note=form.note.data or "",
    )


def _photos() -> list[Photo]:
    """The uploaded photos (a browser sends one empty part when none is chosen)."""
    files = request.files.getlist("photos")
    return [Photo(f.stream, f.filename or "") for f in files if f.filename]
