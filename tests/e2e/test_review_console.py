"""In a real browser: an officer claims a task, zooms the plate, corrects it and approves."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.e2e.pages import assert_accessible, click_and_wait, sign_in, wait_for_path
from tests.integration import console_factories as cf
from tests.integration import factories as f

PASSWORD = "correct horse battery"


def _task(app):  # noqa: ANN001, ANN202
    """Queue one task: ASF-613 read at 60% on a red car (the registry says a Honda CD 70)."""
    with app.app_context():
        f.camera()
        f.staff("officer", "officer")
        return cf.stored_task(observed_colour="Red")


def _submit(browser, form_id: str) -> None:  # noqa: ANN001
    """Press the submit button of one form on the page and wait for the answer."""
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]")
    )


def test_an_officer_claims_zooms_corrects_the_plate_and_approves(app, live_url, browser) -> None:  # noqa: ANN001
    task_id = _task(app)
    sign_in(browser, live_url, "officer", PASSWORD)
    browser.get(f"{live_url}/review")
    assert_accessible(browser, "review-queue")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-task="{task_id}"]')
    assert "ASF-613" in row.text
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(browser, f"/review/{task_id}")
    assert "You hold this task" in browser.find_element(By.ID, "claim-state").text

    crop = browser.find_element(By.ID, "plate-crop")  # the 120x40 crop, drawn several times larger
    natural = browser.execute_script("return arguments[0].naturalWidth", crop)
    assert natural == 120 and crop.size["width"] >= 3 * natural
    assert browser.find_element(By.ID, "plate-confidence").text == "60%"
    assert_accessible(browser, "review-task")

    browser.find_element(By.TAG_NAME, "body").send_keys("p")  # the shortcut focuses the plate
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "correct-plate"
    active.send_keys("ASF-813")
    browser.find_element(By.ID, "correct-note").send_keys("the 8 reads as a 6 in the glare")
    _submit(browser, "correct-form")
    wait_for_path(browser, f"/review/{task_id}")
    assert "plate corrected to ASF-813" in browser.find_element(By.CSS_SELECTOR, ".flash").text

    # A red car against the registry's white Mehran: the corrected event is reviewed again.
    click_and_wait(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "back in the queue as task"))
    click_and_wait(browser, browser.find_element(By.ID, "claim"))
    assert browser.find_element(By.ID, "registry-make").text.startswith("Suzuki")
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    browser.switch_to.active_element.send_keys("plate and car match the registry; repainted")
    _submit(browser, "approve-form")
    flash = browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert "approved" in flash and "challan issued" in flash
    assert browser.find_elements(By.CSS_SELECTOR, '#decisions li[data-decision="approve"]')


def test_the_console_in_urdu_is_right_to_left_and_accessible(app, live_url, browser) -> None:  # noqa: ANN001
    task_id = _task(app)
    sign_in(browser, live_url, "officer", PASSWORD)
    browser.get(f"{live_url}/review?lang=ur")
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ur"
    assert "جائزے کی قطار" in browser.find_element(By.TAG_NAME, "h1").text
    assert_accessible(browser, "review-queue-ur")
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, f'tr[data-task="{task_id}"] button')
    )
    wait_for_path(browser, f"/review/{task_id}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert_accessible(browser, "review-task-ur")


def test_a_key_typed_inside_a_field_is_not_a_shortcut(app, live_url, browser) -> None:  # noqa: ANN001
    task_id = _task(app)
    sign_in(browser, live_url, "officer", PASSWORD)
    browser.get(f"{live_url}/review")
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, f'tr[data-task="{task_id}"] button')
    )
    wait_for_path(browser, f"/review/{task_id}")
    note = browser.find_element(By.ID, "reject-note")
    note.send_keys("a p r")
    assert browser.switch_to.active_element.get_attribute("id") == "reject-note"
    assert note.get_attribute("value") == "a p r"
