"""The citizen portal: look-up forms, a checked CNIC, the notice PDF, the challan page."""

from __future__ import annotations

import pytest

from tests.integration import factories as f
from tests.integration.pages import form_token

NUMBER = "KHI-2026-00000001"
CNIC = "42101-9048475-4"  # ASF-813's owner in the registry seed


@pytest.fixture
def challan(app):  # noqa: ANN001, ANN201
    """One issued challan for ASF-813."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"))
    return app


def test_a_wrong_cnic_is_not_ignored(challan, client) -> None:  # noqa: ANN001
    base = f"/api/v1/challans/{NUMBER}?plate=ASF-813"
    assert client.get(base + "&cnic=4210190484754").status_code == 200
    wrong = client.get(base + "&cnic=4210190484755")
    assert wrong.status_code == 404
    assert client.get(base + "&cnic=123").status_code == 422


def test_the_landing_page_has_the_lookup_forms(challan, client) -> None:  # noqa: ANN001
    page = client.get("/").get_data(as_text=True)
    assert 'action="/lookup/number"' in page and 'action="/lookup/owner"' in page
    token = form_token(page)
    found = client.post(
        "/lookup/owner", data={"csrf_token": token, "plate": "asf813", "cnic": CNIC}
    )
    assert found.status_code == 302 and found.location.endswith("/my/challans")
    listing = client.get("/my/challans").get_data(as_text=True)
    assert NUMBER in listing
    detail = client.get(f"/my/challans/{NUMBER}")
    assert detail.status_code == 200 and "issued" in detail.text


def test_plate_alone_or_a_wrong_cnic_finds_nothing(challan, client) -> None:  # noqa: ANN001
    token = form_token(client.get("/").get_data(as_text=True))
    assert (
        client.post("/lookup/owner", data={"csrf_token": token, "plate": "ASF-813"}).status_code
        == 422
    )
    wrong = {"csrf_token": token, "plate": "ASF-813", "cnic": "42101-9048475-5"}
    assert client.post("/lookup/owner", data=wrong).status_code == 404
    assert client.post("/lookup/owner", data={"plate": "ASF-813", "cnic": CNIC}).status_code == 422
    assert client.get(f"/my/challans/{NUMBER}").status_code == 302  # nothing found, nothing shown


def test_the_notice_pdf_downloads_by_number_and_plate(challan, client) -> None:  # noqa: ANN001
    pdf = client.get(f"/verify/{NUMBER}/notice.pdf?plate=ASF813")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/verify/{NUMBER}/notice.pdf?plate=ASF613").status_code == 404


def test_urdu_pages_are_right_to_left(challan, client) -> None:  # noqa: ANN001
    assert 'dir="rtl"' in client.get("/?lang=ur").get_data(as_text=True)


def test_the_landing_page_speaks_urdu(challan, client) -> None:  # noqa: ANN001
    assert "اپنا چالان تلاش کریں" in client.get("/?lang=ur").get_data(as_text=True)


def test_a_field_challans_portal_page_shows_its_photos(app, client) -> None:  # noqa: ANN001
    from tests.integration.test_citizen import field_challan

    photos = field_challan.__wrapped__(app)
    assert client.get(f"/verify/{NUMBER}?plate=ASF813").status_code == 200
    page = client.get(f"/my/challans/{NUMBER}")
    assert page.status_code == 200 and f"/my/challans/{NUMBER}/evidence/1" in page.text
    assert client.get(f"/my/challans/{NUMBER}/evidence/0").data == photos[0]
