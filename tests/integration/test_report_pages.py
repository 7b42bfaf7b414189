"""Reports: counts per junction, day and rule; streamed CSV exports that respect the role."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.integration import factories as f
from tests.integration.pages import sign_in_page

DAY = "2026-11-23"
PERIOD = {"from": DAY, "to": DAY}
STAFF = (("officer1", "officer"), ("officer2", "officer"), ("sup", "supervisor"))


def _challans(app: Flask) -> dict[str, int]:
    """Issue camera challans and one field challan filed by officer1; return their numbers."""
    from echallan.challans import field
    from echallan.challans.models import Challan
    from echallan.core import deps
    from echallan.core.uow import unit_of_work
    from echallan.devices import operations as devices

    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        for name, role in STAFF:
            f.staff(name, role)
        for track, (plate, rule) in enumerate(
            [("AZU-290", "red_light"), ("AC-4903", "wrong_way"), ("LEA-13-2293", "red_light")]
        ):
            f.process(f.event(plate=plate, rule=rule, track_id=track + 1))
        when = datetime.fromisoformat(f"{DAY}T23:30:00+05:00")  # 18:30 UTC: still the 23rd here
        photo = _jpeg()
        with unit_of_work():
            devices.register_site("SITE-009", "test", name="Numaish")
            record = field.FieldRecord("SITE-009", "AZU-290", "car", "wrong_way", when)
            event = field.record_field_challan(
                deps.of(app).store, record, [field.Photo(io.BytesIO(photo), "a.jpg")],
                "user:officer1", when,
            )  # fmt: skip
        f.process(event.id, now=f"{DAY}T23:40:00+05:00")
        return {c.number: c.event_id for c in Challan.query.all()}


def _jpeg() -> bytes:
    """A real JPEG."""
    import cv2
    import numpy as np

    return cv2.imencode(".jpg", np.full((40, 60, 3), 90, np.uint8))[1].tobytes()


def _rows(response) -> list[dict[str, str]]:  # noqa: ANN001
    """Read a CSV download."""
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_supervisor_sees_every_challan_per_junction_day_and_rule(app: Flask) -> None:
    numbers = _challans(app)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "sup")
    page = client.get("/reports", query_string=PERIOD)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="total">Challans in the period: <strong>{len(numbers)}</strong>' in html
    by_junction = html.split('id="by-junction"', 1)[1].split("</table>", 1)[0]
    assert len(numbers) == 3
    assert "<td>KHI-0001</td><td>2</td>" in by_junction
    assert "<td>SITE-009</td><td>1</td>" in by_junction
    by_day = html.split('id="by-day"', 1)[1].split("</table>", 1)[0]
    assert f"<td>{DAY}</td><td>{len(numbers)}</td>" in by_day  # 23:30 in Karachi is the 23rd
    assert "red_light" in html.split('id="by-rule"', 1)[1]
    export = client.get("/reports/challans.csv", query_string=PERIOD)
    assert export.is_streamed and export.mimetype == "text/csv"
    assert f"challans-{DAY}-{DAY}.csv" in export.headers["Content-Disposition"]
    assert {row["number"] for row in _rows(export)} == set(numbers)


def test_an_officer_exports_only_their_own(app: Flask) -> None:
    numbers = _challans(app)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "officer1")
    rows = _rows(client.get("/reports/challans.csv", query_string=PERIOD))
    assert len(numbers) == 3 and len(rows) == 1  # two camera challans, one field challan
    assert rows[0]["source"] == "field" and rows[0]["junction"] == "SITE-009"
    assert rows[0]["occurred_at_karachi"] == f"{DAY}T23:30:00+05:00"
    assert rows[0]["fine_rs"].endswith(".00") and rows[0]["number"] in numbers
    other: FlaskClient = app.test_client()
    sign_in_page(other, "officer2")
    assert _rows(other.get("/reports/challans.csv", query_string=PERIOD)) == []
    assert 'id="total">Challans in the period: <strong>0</strong>' in other.get(
        "/reports", query_string=PERIOD
    ).get_data(as_text=True)


def test_decisions_export_keeps_to_the_officers_own(app: Flask) -> None:
    _challans(app)
    with app.app_context():
        from echallan.review.models import ReviewDecision

        actors = {d.actor for d in ReviewDecision.query.all()}
    sup: FlaskClient = app.test_client()
    sign_in_page(sup, "sup")
    everything = _rows(sup.get("/reports/decisions.csv", query_string=PERIOD))
    assert {row["actor"] for row in everything} == actors
    officer: FlaskClient = app.test_client()
    sign_in_page(officer, "officer2")
    mine = officer.get("/reports/decisions.csv", query_string=PERIOD)
    assert mine.get_data(as_text=True).splitlines()[0].startswith("id,event_id,actor,decision")
    assert _rows(mine) == []


def test_reports_need_a_sign_in_and_a_bad_period_falls_back(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    assert client.get("/reports").status_code == 302
    assert client.get("/reports/challans.csv").status_code == 302
    with app.app_context():
        f.staff("sup", "supervisor")
    sign_in_page(client, "sup")
    bad = client.get("/reports?from=nope&to=2026-13-40")
    assert bad.status_code == 200 and "showing the last 7 days" in bad.get_data(as_text=True)
    urdu = client.get("/reports?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in urdu


def test_a_cell_that_starts_like_a_formula_is_defused() -> None:
    from echallan.reports.operations import csv_lines

    text = "".join(csv_lines(("plate", "n"), [("=HYPERLINK(1)", 1), ("-2", 2), ("AZU-290", 3)]))
    assert text.splitlines() == ["plate,n", "'=HYPERLINK(1),1", "'-2,2", "AZU-290,3"]
