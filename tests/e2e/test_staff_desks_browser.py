"""In a real browser: a supervisor reopens a decision and sees the officer's agreement fall; an
administrator issues a key (shown once) and revokes it; both desks pass axe in English and Urdu."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from echallan.challans import issuance as violations
from echallan.core import clock, deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from echallan.review.models import ReviewTask
from echallan.staff.models import User
from tests.e2e.pages import assert_accessible, click_and_wait, sign_in, wait_for_path, wait_for_text
from tests.integration import factories as f

PASSWORD = "correct horse battery"


def decided(username: str, plate: str, track_id: int) -> None:
    """Queue a low-confidence read and have `username` claim and reject it."""
    f.process(f.event(plate=plate, confidence=0.6, track_id=track_id))
    with unit_of_work():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        task = review.get_task(db.session.scalar(sa.select(sa.func.max(ReviewTask.id))))
        review.claim(task, user, clock.now(), timedelta(minutes=10))
        choice = review.DecisionInput("reject", reason="not_a_violation")
        violations.decide_review(deps.current(), task, user, choice, clock.now())


@pytest.fixture
def staffed(app):  # noqa: ANN001, ANN201
    """An officer with two decisions, a supervisor and an administrator."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.staff("amna", "officer")
        f.staff("super", "supervisor")
        f.staff("root", "admin")
        decided("amna", "ASF-813", 1)
        decided("amna", "LEA-13-2293", 2)
    return app


def rate(browser, officer: str) -> str:  # noqa: ANN001
    """Read an officer's agreement rate off the page."""
    from selenium.webdriver.common.by import By

    cell = f'#agreement tr[data-officer="{officer}"] td.rate'
    return browser.find_element(By.CSS_SELECTOR, cell).text.strip()


def test_a_supervisor_reopens_a_decision_and_the_rate_changes(staffed, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    sign_in(browser, live_url, "super", PASSWORD)
    browser.get(f"{live_url}/staff/decisions")
    assert rate(browser, "amna") == "100%"
    assert_accessible(browser, "staff-decisions")
    form = browser.find_elements(By.CSS_SELECTOR, "form.reopen")[0]
    form.find_element(By.NAME, "reason").send_keys("the light was green")
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_text(browser, "main", "reopened")
    wait_for_path(browser, "/staff/decisions")
    assert rate(browser, "amna") == "50%"
    assert "the light was green" in browser.find_element(By.ID, "decisions").text
    assert_accessible(browser, "staff-decisions-reopened")
    browser.get(f"{live_url}/staff/decisions?lang=ur")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "staff-decisions-ur")


def test_an_admin_issues_a_key_seen_once_and_revokes_it(staffed, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    sign_in(browser, live_url, "root", PASSWORD)
    browser.get(f"{live_url}/staff/admin")
    assert_accessible(browser, "staff-admin")
    browser.find_element(By.ID, "key-name").send_keys("excise registry")
    browser.find_element(By.CSS_SELECTOR, 'input[name=scopes][value="challans:read"]').click()
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, "#new-key-form button[type=submit]")
    )
    wait_for_path(browser, "/staff/admin/keys")
    key = browser.find_element(By.ID, "new-key-value").text.strip()
    assert "." in key
    assert_accessible(browser, "staff-admin-key-once")
    browser.get(f"{live_url}/staff/admin")
    assert key not in browser.page_source  # shown once only
    row = browser.find_element(By.CSS_SELECTOR, "#keys tr[data-key]")
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(browser, "/staff/admin")
    state = browser.find_element(By.CSS_SELECTOR, "#keys tr[data-key] td.state").text
    assert state == "revoked"
    browser.get(f"{live_url}/staff/admin?lang=ur")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "staff-admin-ur")
