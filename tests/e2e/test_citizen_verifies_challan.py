"""A citizen scans the notice's QR code and checks the challan in a real browser.

The whole chain runs for real: a clip-shaped violation goes through the registry, the policy
and issuance; the notices are delivered by the worker path (PDF rendered, SMS in the outbox);
the verification page is served over HTTP and read by headless Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from echallan.bootstrap import reconfigure, use
from echallan.challans.models import Challan, Notice
from echallan.core.extensions import db
from integrations.sms import FileSmsSender
from tests.e2e.pages import click_and_wait
from tests.integration import factories as f


def test_citizen_opens_the_qr_link_and_sees_the_challan(app, live_url, browser, tmp_path) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    reconfigure(app, PORTAL_BASE_URL=live_url)
    use(app, sms=FileSmsSender(tmp_path / "sms"))
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"))
        challan = db.session.scalar(sa.select(Challan))
        number, notices = challan.number, db.session.scalars(sa.select(Notice)).all()
        assert {n.status for n in notices} == {"sent"}
        stored = next(n.provider_id for n in notices if n.channel == "pdf")
        pdf = Path(app.config["EVIDENCE_DIR"]) / stored
    assert pdf.read_bytes().startswith(b"%PDF")
    sms = json.loads(next((tmp_path / "sms").glob("*.json")).read_text())
    assert number in sms["text"] and "http" not in sms["text"]

    browser.get(f"{live_url}/verify/{number}")
    browser.find_element(By.ID, "plate").send_keys("asf 813")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.ID, "status")))
    assert browser.find_element(By.ID, "status").text == "delivered"  # the SMS went out
    assert browser.find_element(By.ID, "amount").text.startswith("Rs ")
    assert "ASF-813" in browser.page_source
    browser.save_screenshot(str(tmp_path / "verify.png"))

    browser.get(f"{live_url}/verify/{number}?plate=ZZZ-1")
    assert "No challan matches" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
