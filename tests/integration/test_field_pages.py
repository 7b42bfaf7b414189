"""The field challan form: the same operation as the API, its number shown, bad input kept."""

from __future__ import annotations

import io

import cv2
import numpy as np
from flask.testing import FlaskClient

from tests.integration import factories as f
from tests.integration.device_factories import SITE, build_junction, clock  # noqa: F401
from tests.integration.pages import form_token, sign_in_page

JPEG = cv2.imencode(".jpg", np.full((60, 80, 3), 128, np.uint8))[1].tobytes()


def _officer(app, clock) -> FlaskClient:  # noqa: ANN001, F811
    """A junction (in manual mode) and an officer signed in through the form."""
    with app.app_context():
        build_junction(clock.now)
        f.staff("field1", "officer")
    client = app.test_client()
    sign_in_page(client, "field1")
    return client


def _file(client: FlaskClient, clock, **changes: object):  # noqa: ANN001, ANN202, F811
    """Post the form as a browser does, with two photos."""
    html = client.get("/field-challan").get_data(as_text=True)
    data: dict[str, object] = {
        "csrf_token": form_token(html),
        "photos": [(io.BytesIO(JPEG), "front.jpg"), (io.BytesIO(JPEG + b"2"), "plate.jpg")],
        "plate": "AZU-290",
        "vehicle_class": "car",
        "rule": "red_light",
        "site_id": SITE,
        "occurred_at": _karachi(clock),
        "note": "ran the red at Teen Talwar",
    }
    data.update(changes)
    return client.post("/field-challan", data=data, content_type="multipart/form-data")


def test_the_form_files_a_field_challan_and_shows_its_number(app, clock) -> None:  # noqa: ANN001, F811
    client = _officer(app, clock)
    form = client.get("/field-challan").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and "multiple" in form and SITE in form
    filed = _file(client, clock)
    assert filed.status_code == 302, filed.get_data(as_text=True)
    record = client.get(filed.headers["Location"]).get_data(as_text=True)
    assert "AZU-290" in record and "front.jpg" in record
    with app.app_context():
        from echallan.challans.events import ViolationEvent
        from echallan.challans.models import Challan

        event = ViolationEvent.query.one()
        assert event.source == "field" and event.evidence["officer"] == "user:field1"
        challan = Challan.query.filter_by(event_id=event.id).one_or_none()
    # Issued at once: the registry knows AZU-290 and test jobs run just after the commit.
    assert challan is not None and f'id="challan-number">{challan.number}<' in record


def _karachi(clock) -> str:  # noqa: ANN001, F811
    """The fake now as a Karachi datetime-local value."""
    from zoneinfo import ZoneInfo

    return clock.now.astimezone(ZoneInfo("Asia/Karachi")).strftime("%Y-%m-%dT%H:%M")


def test_a_bad_plate_or_no_photo_is_refused_on_the_form_and_nothing_stored(app, clock) -> None:  # noqa: ANN001, F811
    client = _officer(app, clock)
    bad_plate = _file(client, clock, plate="?")
    assert bad_plate.status_code == 422
    assert "Not recorded:" in bad_plate.get_data(as_text=True)
    no_photo = _file(client, clock, photos=[])
    assert no_photo.status_code == 422 and "photos" in no_photo.get_data(as_text=True)
    no_time = _file(client, clock, occurred_at="")
    assert no_time.status_code == 422
    not_image = _file(client, clock, photos=[(io.BytesIO(b"GIF89a"), "x.gif")])
    assert not_image.status_code == 422 and "JPEG or PNG" in not_image.get_data(as_text=True)
    with app.app_context():
        from echallan.challans.events import ViolationEvent

        assert ViolationEvent.query.count() == 0


def test_another_officers_record_is_not_shown(app, clock) -> None:  # noqa: ANN001, F811
    client = _officer(app, clock)
    filed = _file(client, clock)
    with app.app_context():
        f.staff("field2", "officer")
    other = app.test_client()
    sign_in_page(other, "field2")
    assert other.get(filed.headers["Location"]).status_code == 404
    assert client.get("/field-challan?lang=ur").get_data(as_text=True).count('dir="rtl"') == 1
