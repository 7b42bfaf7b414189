"""In a real browser: a citizen finds a challan, sees the evidence, contests with a photo and
reads the decision letter; another asks for the first-offence waiver. axe on every portal page,
in English and Urdu."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from echallan.challans import issuance
from echallan.challans.events import ViolationEvent
from echallan.core import deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.review import operations as review
from echallan.review.models import ReviewTask
from echallan.staff.models import User
from tests.e2e.pages import assert_accessible, click_and_wait, wait_for_path
from tests.integration import factories as f

SOON = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # two days after issue: inside every window
FIRST, SECOND = "KHI-2026-00000001", "KHI-2026-00000002"


def frame_png(path: Path) -> str:
    """Write an annotated frame (a bystander, the offender's red box); return its path."""
    img = np.full((360, 640, 3), 90, np.uint8)
    cv2.rectangle(img, (40, 200), (140, 280), (200, 200, 200), 2)
    cv2.rectangle(img, (400, 150), (560, 300), (0, 0, 255), 3)
    cv2.imwrite(str(path), img)
    return str(path)


@pytest.fixture
def portal(app, tmp_path):  # noqa: ANN001, ANN201
    """Two issued challans with real frames (ASF-813, AZU-290), an officer, the clock near issue."""
    app.config["JOBS_MODE"] = "defer"
    app.config["CLOCK"] = lambda: SOON
    frame = frame_png(tmp_path / "frame.png")
    with app.app_context():
        f.camera()
        f.staff("officer1", "officer")
        for plate, track in (("ASF-813", 1), ("AZU-290", 2)):
            event_id = f.event(plate=plate, track_id=track)
            with unit_of_work():
                event = db.session.get(ViolationEvent, event_id)
                frames = [{"path": frame, "caption": c} for c in ("before", "at", "after")]
                event.evidence = {**event.evidence, "frames": frames}
            f.process(event_id)
    return app


def both_languages(browser, url: str, name: str) -> None:  # noqa: ANN001
    """Check the page in Urdu (right to left) and then in English, leaving it in English."""
    browser.get(f"{url}{'&' if '?' in url else '?'}lang=ur")
    assert browser.find_element("tag name", "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, f"citizen-{name}-ur")
    browser.get(f"{url}{'&' if '?' in url else '?'}lang=en")
    assert_accessible(browser, f"citizen-{name}")


def decide_contest(app) -> None:  # noqa: ANN001
    """An officer claims and reduces the contest, through the operations."""
    with app.app_context(), unit_of_work():
        task = db.session.scalar(sa.select(ReviewTask).where(ReviewTask.kind == "contest"))
        officer = db.session.scalar(sa.select(User).where(User.username == "officer1"))
        app_deps = deps.of(app)
        review.claim(task, officer, SOON, app_deps.settings.review_claim_ttl)
        issuance.decide_contest(
            app_deps,
            task,
            officer,
            "reduced",
            SOON,
            note="The car is small.",
            new_fine_paisa=100_000,
        )


def test_a_citizen_contests_with_a_photo_and_reads_the_letter(
    portal, live_url, browser, tmp_path
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    both_languages(browser, f"{live_url}/", "home")
    browser.find_element(By.ID, "owner-plate").send_keys("ASF-813")
    browser.find_element(By.ID, "cnic").send_keys("42101-9048475-4")
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, "form[action='/lookup/owner'] button")
    )
    wait_for_path(browser, "/my/challans")
    both_languages(browser, f"{live_url}/my/challans", "list")
    challan_url = f"{live_url}/my/challans/{FIRST}"
    browser.get(challan_url)
    image = browser.find_element(By.CSS_SELECTOR, "figure img")
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 640
    both_languages(browser, challan_url, "challan")
    click_and_wait(browser, browser.find_element(By.ID, "contest-link"))
    wait_for_path(browser, f"/my/challans/{FIRST}/contest")
    both_languages(browser, f"{live_url}/my/challans/{FIRST}/contest", "contest")
    photo = tmp_path / "parked.jpg"
    cv2.imwrite(str(photo), np.full((120, 160, 3), (30, 140, 60), np.uint8))
    Select(browser.find_element(By.ID, "reason")).select_by_value("wrong_vehicle_class")
    browser.find_element(By.ID, "grounds").send_keys("My car is a small hatchback, not a jeep.")
    browser.find_element(By.ID, "evidence").send_keys(str(photo))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    wait_for_path(browser, f"/my/challans/{FIRST}")
    assert browser.find_element(By.ID, "status").text == "contested"
    decide_contest(portal)
    browser.get(challan_url)
    letter = browser.find_element(By.CSS_SELECTOR, "section.letter").text
    assert "reduced from Rs" in letter and "Rs 1,000" in letter and "The car is small." in letter
    both_languages(browser, challan_url, "letter")


def test_another_citizen_asks_for_the_waiver(portal, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    browser.get(f"{live_url}/verify/{SECOND}?plate=AZU-290")
    browser.get(f"{live_url}/my/challans/{SECOND}")
    click_and_wait(browser, browser.find_element(By.ID, "waiver-link"))
    wait_for_path(browser, f"/my/challans/{SECOND}/waiver")
    both_languages(browser, f"{live_url}/my/challans/{SECOND}/waiver", "waiver")
    browser.find_element(By.ID, "cnic").send_keys("42101-6204784-6")
    browser.find_element(By.ID, "apology").send_keys("I am sorry, I will stop at the red light.")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    wait_for_path(browser, f"/my/challans/{SECOND}")
    assert "waiver request was received" in browser.find_element(By.TAG_NAME, "main").text
    with portal.app_context():
        kinds = set(db.session.scalars(sa.select(ReviewTask.kind)))
    assert "waiver" in kinds
