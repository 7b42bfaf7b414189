"""In a real browser: the control room sees a box go offline and acknowledges its alert; an
officer files a field challan from the form; the board, form and reports pass axe in English
and Urdu. The app's clock (config CLOCK) is a fake one the test moves: no sleeping."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.e2e.pages import assert_accessible, click_and_wait, sign_in, wait_for_path
from tests.integration import factories as f
from tests.integration.device_factories import (
    BOX,
    CAMERAS,
    SITE,
    Clock,
    beat,
    body,
    build_junction,
    camera_body,
    sweep,
)

PASSWORD = "correct horse battery"
# The request the 30 s poll makes, made now, swapped in the same way.
REFRESH_NOW = (
    "const live = document.getElementById('live');"
    "htmx.ajax('GET', live.getAttribute('hx-get'), {target: live, swap: 'outerHTML'});"
)


@pytest.fixture
def junction(app):  # noqa: ANN001, ANN201
    """A junction whose devices have all beaten once, on the app's fake clock."""
    clock = Clock()
    app.config["CLOCK"] = clock
    with app.app_context():
        keys = build_junction(clock.now).keys
        f.staff("control", "officer")
        f.staff("sup", "supervisor")
    client = app.test_client()
    assert beat(client, keys[BOX], BOX, body(clock.now)).status_code == 202
    for camera in CAMERAS:
        assert beat(client, keys[camera], camera, camera_body(clock.now)).status_code == 202
    return clock


def test_the_control_room_sees_a_box_go_offline_and_acknowledges(
    app, live_url, browser, junction
) -> None:  # noqa: ANN001, E501
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, live_url, "control", PASSWORD)
    browser.get(f"{live_url}/control-room")
    box = f'g.device[data-device="{BOX}"]'
    assert browser.find_element(By.CSS_SELECTOR, box).get_attribute("data-status") == "ok"
    report = sweep(app, junction.advance(600))  # ten minutes of silence, then the sweep
    assert report.opened >= 1
    # What the 30 s poll does, done now: htmx swaps in the live fragment, no page load.
    browser.execute_script("document.body.dataset.kept = 'yes'")
    browser.execute_script(REFRESH_NOW)
    # the swap may replace the node between finding it and reading it: look again
    WebDriverWait(browser, 20, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: d.find_element(By.CSS_SELECTOR, box).get_attribute("data-status") == "offline"
    )
    assert browser.execute_script("return document.body.dataset.kept") == "yes"
    assert browser.find_element(By.ID, "live").get_attribute("hx-trigger") == "every 30s"
    assert browser.find_elements(By.CSS_SELECTOR, f"{box} rect.mark.offline")  # a square
    assert "(manual)" in browser.find_element(By.CSS_SELECTOR, "svg.map").text
    assert_accessible(browser, "control-room-offline")
    row = browser.find_element(By.CSS_SELECTOR, "#alerts tbody tr")
    device = row.find_element(By.CSS_SELECTOR, "td").text
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(browser, "/control-room")
    flash = browser.find_element(By.CSS_SELECTOR, "main .flash").text
    assert "acknowledged" in flash and device in flash
    assert "acknowledged by user:control" in browser.find_element(By.ID, "alerts").text
    assert_accessible(browser, "control-room-acknowledged")
    browser.get(f"{live_url}/control-room?lang=ur")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "control-room-ur")


def test_an_officer_files_a_field_challan_from_the_form(
    app, live_url, browser, junction, tmp_path: Path
) -> None:  # noqa: ANN001, E501
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    photos = []
    for i, colour in enumerate(((0, 0, 200), (0, 200, 0))):
        path = tmp_path / f"photo{i}.jpg"
        cv2.imwrite(str(path), np.full((120, 160, 3), colour, np.uint8))
        photos.append(str(path))
    sign_in(browser, live_url, "control", PASSWORD)
    browser.get(f"{live_url}/field-challan")
    assert_accessible(browser, "field-challan-form")
    browser.find_element(By.ID, "photos").send_keys("\n".join(photos))
    browser.find_element(By.ID, "plate").send_keys("AZU-290")
    Select(browser.find_element(By.ID, "vehicle_class")).select_by_value("car")
    Select(browser.find_element(By.ID, "rule")).select_by_value("red_light")
    Select(browser.find_element(By.ID, "site_id")).select_by_value(SITE)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "challan-number"))
    number = browser.find_element(By.ID, "challan-number").text
    assert number.startswith("KHI-")
    assert "photo0.jpg" in browser.page_source and "photo1.jpg" in browser.page_source
    assert_accessible(browser, "field-challan-recorded")
    browser.get(f"{live_url}/field-challan?lang=ur")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "field-challan-form-ur")


def test_the_reports_page_is_accessible_in_english_and_urdu(
    app, live_url, browser, junction
) -> None:  # noqa: ANN001, E501
    from selenium.webdriver.common.by import By

    sign_in(browser, live_url, "sup", PASSWORD)
    browser.get(f"{live_url}/reports")
    assert browser.find_element(By.ID, "total").text.endswith("0")
    assert_accessible(browser, "reports")
    browser.get(f"{live_url}/reports?lang=ur")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "reports-ur")
