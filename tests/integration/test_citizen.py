"""Citizens: look a challan up by number and plate, see it on the verification page, contest it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from echallan.challans.models import Challan, Contest
from echallan.core.extensions import db
from echallan.review.models import ReviewTask
from tests.integration import factories as f

NUMBER = "KHI-2026-00000001"


@pytest.fixture
def challan(app):  # noqa: ANN001, ANN201
    """One issued challan for ASF-813 and an officer to decide contests."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.staff("officer1", "officer")
        f.process(f.event(plate="ASF-813"))
    return app


def test_lookup_needs_number_and_plate(challan, client) -> None:  # noqa: ANN001
    found = client.get(f"/api/v1/challans/{NUMBER}?plate=asf 813")
    assert found.status_code == 200
    body = found.json
    assert body["status"] == "issued" and "on red" in body["offence"]
    assert body["owner_name_masked"] == "R**** R*****"
    assert body["amount_due_paisa"] <= body["fine_paisa"] and body["can_contest"] is True
    wrong_plate = client.get(f"/api/v1/challans/{NUMBER}?plate=ASF-613")
    unknown = client.get("/api/v1/challans/KHI-2026-00000099?plate=ASF-813")
    assert wrong_plate.status_code == unknown.status_code == 404
    assert wrong_plate.json["detail"] == unknown.json["detail"]  # no hint which part was wrong
    assert client.get(f"/api/v1/challans/{NUMBER}").status_code == 422


def test_verification_page_shows_the_challan(challan, client) -> None:  # noqa: ANN001
    form = client.get(f"/verify/{NUMBER}")
    assert form.status_code == 200 and b'name="plate"' in form.data
    page = client.get(f"/verify/{NUMBER}?plate=ASF813")
    assert page.status_code == 200
    assert b"ASF-813" in page.data and b"never send payment links" in page.data
    assert client.get(f"/verify/{NUMBER}?plate=ZZZ1").status_code == 404


def contest(client, plate: str = "ASF-813"):  # noqa: ANN001, ANN201
    """File a contest."""
    body = {"plate": plate, "grounds": "My car was parked at home in Clifton at that time."}
    return client.post(f"/api/v1/challans/{NUMBER}/contest", json=body)


def test_contest_goes_to_review_and_blocks_payment(challan, client) -> None:  # noqa: ANN001
    response = contest(client)
    assert response.status_code == 201 and response.json["status"] == "contested"
    assert contest(client).status_code == 409  # a contested challan cannot be contested again
    body = client.get(f"/api/v1/challans/{NUMBER}?plate=ASF-813").json
    assert body["bill_status"] == "B" and body["payable"] is False
    with challan.app_context():
        task = db.session.scalar(sa.select(ReviewTask).where(ReviewTask.kind == "contest"))
        assert task.challan_id is not None and task.reasons[0].startswith("contest:")


@pytest.mark.parametrize(("decision", "status"), [("approve", "upheld"), ("reject", "cancelled")])
def test_officer_decides_the_contest(challan, client, decision, status) -> None:  # noqa: ANN001
    task_id = contest(client).json["review_task_id"]
    officer = challan.test_client()
    f.sign_in(officer, "officer1")
    body = (
        {"decision": decision, "reason": "evidence_insufficient"}
        if decision == "reject"
        else {"decision": decision}
    )
    assert (
        officer.post(f"/api/v1/police/review-tasks/{task_id}/claim").status_code == 200
        and officer.post(f"/api/v1/police/review-tasks/{task_id}/decision", json=body).status_code
        == 201
    )
    with challan.app_context():
        assert db.session.scalar(sa.select(Challan.status)) == status
        assert db.session.scalar(sa.select(Contest.status)) == status


def test_bad_contest_is_422(challan, client) -> None:  # noqa: ANN001
    short = client.post(
        f"/api/v1/challans/{NUMBER}/contest", json={"plate": "ASF-813", "grounds": "no"}
    )
    assert short.status_code == 422 and "grounds" in str(short.json["errors"])
    assert contest(client, plate="ASF-613").status_code == 404


def field_photo(colour: tuple[int, int, int]) -> bytes:
    """Return a real JPEG photo (the PDF and the browser must be able to show it)."""
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".jpg", np.full((120, 160, 3), colour, dtype=np.uint8))
    assert ok
    return data.tobytes()


@pytest.fixture
def field_challan(app):  # noqa: ANN001, ANN201
    """An issued field challan with two photos, and the photos' bytes."""
    import io
    from datetime import datetime

    from echallan.challans import field
    from echallan.core import deps
    from echallan.core.uow import unit_of_work
    from echallan.devices import operations as devices

    app.config["JOBS_MODE"] = "defer"
    photos = [field_photo((0, 0, 200)), field_photo((0, 200, 0))]
    when = datetime.fromisoformat("2026-11-23T10:15:04+05:00")
    record = field.FieldRecord("SITE-001", "ASF-813", "car", "red_light", when)
    with app.app_context():
        with unit_of_work():
            devices.register_site("SITE-001", "test", name="Teen Talwar")
            stored = [field.Photo(io.BytesIO(p), f"{i}.jpg") for i, p in enumerate(photos)]
            event = field.record_field_challan(
                deps.of(app).store, record, stored, "user:officer1", when
            )
        assert f.process(event.id) == "issued"
    return photos


def test_a_field_challan_shows_its_photos_and_their_hashes(field_challan, client, app) -> None:  # noqa: ANN001
    import hashlib

    hashes = [hashlib.sha256(photo).hexdigest() for photo in field_challan]
    found = client.get(f"/api/v1/challans/{NUMBER}?plate=ASF-813")
    assert found.status_code == 200, found.data
    assert found.json["clip_sha256"] is None and found.json["photo_sha256"] == hashes
    assert [item["caption"] for item in found.json["evidence"]] == ["photo 1", "photo 2"]
    for index, photo in enumerate(field_challan):
        image = client.get(f"/api/v1/challans/{NUMBER}/evidence/{index}?plate=ASF-813")
        assert image.status_code == 200 and image.data == photo
    page = client.get(f"/verify/{NUMBER}?plate=ASF813")
    assert page.status_code == 200
    assert all(value in page.text for value in hashes)


def test_a_field_challans_pdf_has_its_photos_and_their_hashes(field_challan, app, tmp_path) -> None:  # noqa: ANN001
    import hashlib
    import shutil
    import subprocess

    from echallan.challans.delivery import write_pdf
    from echallan.core import deps

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed (apt-get install poppler-utils)")
    with app.app_context():
        challan = db.session.scalar(sa.select(Challan))
        path = write_pdf(challan, deps.of(app).settings)
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert all(hashlib.sha256(photo).hexdigest() in text for photo in field_challan)
    assert "0" * 64 not in text and "photo 1" in text
    images = subprocess.run(["pdfimages", "-list", path], capture_output=True, text=True).stdout
    assert len(images.splitlines()[2:]) == 3  # both photos and the QR code
