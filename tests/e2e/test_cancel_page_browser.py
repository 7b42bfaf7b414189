"""In a real browser: a supervisor cancels a challan through the form, in English and Urdu.

The form, the result and the Urdu result are each checked with axe-core (and photographed).
"""

from __future__ import annotations

import sqlalchemy as sa

from echallan.challans.models import Challan
from echallan.core.extensions import db
from tests.e2e.pages import assert_accessible, click_and_wait, sign_in, wait_for_path
from tests.integration import factories as f

PASSWORD = "correct horse battery"


def test_a_supervisor_cancels_through_the_form(app, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    with app.app_context():
        f.staff("sup1", "supervisor")
        f.camera()
        f.process(f.event(plate="ASF-813"))
        number = db.session.scalar(sa.select(Challan.number))
    sign_in(browser, live_url, "sup1", PASSWORD)
    page = f"/staff/challans/{number}/cancel"
    browser.get(f"{live_url}{page}?lang=ur")
    assert browser.find_element("tag name", "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "cancel-form-ur")
    browser.get(f"{live_url}{page}?lang=en")
    assert_accessible(browser, "cancel-form")
    Select(browser.find_element(By.ID, "reason")).select_by_value("plate_misread")
    browser.find_element(By.ID, "note").send_keys("The 8 is a 3 on the clip.")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.ID, "cancelled"))
    wait_for_path(browser, page)
    assert browser.find_element(By.ID, "status").text == "cancelled"
    assert_accessible(browser, "cancel-done")
    browser.get(f"{live_url}{page}?lang=ur")
    assert browser.find_element(By.ID, "status").text == "منسوخ"
    assert_accessible(browser, "cancel-done-ur")
