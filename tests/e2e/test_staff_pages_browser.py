"""In a real browser: staff sign in and out through the form, in English and Urdu, accessibly."""

from __future__ import annotations

from tests.e2e.pages import (
    accessibility_violations,
    assert_accessible,
    click_and_wait,
    sign_in,
    wait_for_path,
)
from tests.integration import factories as f

PASSWORD = "correct horse battery"


def test_staff_sign_in_and_out_through_the_form(app, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    with app.app_context():
        f.staff("officer", "officer")
    browser.get(f"{live_url}/staff/sign-in")
    assert_accessible(browser, "staff-sign-in")
    sign_in(browser, live_url, "officer", PASSWORD)
    wait_for_path(browser, "/staff")
    assert browser.current_url.endswith("/staff")
    assert_accessible(browser, "staff-start")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))
    wait_for_path(browser, "/staff/sign-in")
    browser.get(f"{live_url}/staff")
    assert "/staff/sign-in" in browser.current_url  # the session is gone on the server


def test_the_urdu_sign_in_page_is_right_to_left_and_accessible(app, live_url, browser) -> None:  # noqa: ANN001
    browser.get(f"{live_url}/staff/sign-in?lang=ur")
    html = browser.find_element("tag name", "html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ur"
    assert_accessible(browser, "staff-sign-in-ur")


def test_the_accessibility_check_finds_a_real_violation(browser) -> None:  # noqa: ANN001
    browser.get("data:text/html,<html><body><img src='x.png'></body></html>")
    assert "image-alt" in {violation["id"] for violation in accessibility_violations(browser)}
