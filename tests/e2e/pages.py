"""Browser-test helpers: accessibility checks with axe-core, screenshots, staff sign-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", HERE / "screenshots"))
# axe-core's impact levels that fail a page; "minor" and "moderate" are reported, not fatal.
FATAL_IMPACTS = frozenset({"serious", "critical"})

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then((results) => done(results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))))
  .catch((error) => done(String(error)));
"""


def axe_source() -> str:
    """Return axe-core's script, installed by `make test` (npm ci --prefix tests/e2e)."""
    if not AXE.exists():
        message = "axe-core is not installed: run `make test` (npm ci --prefix tests/e2e)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def accessibility_violations(browser: object) -> list[dict]:
    """Run axe-core on the page the browser shows; return its serious and critical findings."""
    browser.execute_script(axe_source())  # type: ignore[attr-defined]
    browser.set_script_timeout(60)  # type: ignore[attr-defined]
    found = browser.execute_async_script(RUN_AXE)  # type: ignore[attr-defined]
    assert isinstance(found, list), found
    return [violation for violation in found if violation["impact"] in FATAL_IMPACTS]


def assert_accessible(browser: object, name: str) -> None:
    """Save a screenshot of the page as `name`, then fail on any serious accessibility finding."""
    save_screenshot(browser, name)
    violations = accessibility_violations(browser)
    assert not violations, f"{name}: {violations}"


def save_screenshot(browser: object, name: str) -> Path:
    """Keep what the page looked like (tests/e2e/screenshots/NAME.png unless SCREENSHOT_DIR)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    browser.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def sign_in(browser: object, live_url: str, username: str, password: str) -> None:
    """Sign in through the staff form, as a person does."""
    from selenium.webdriver.common.by import By

    browser.get(f"{live_url}/staff/sign-in")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "username").send_keys(username)  # type: ignore[attr-defined]
    browser.find_element(By.ID, "password").send_keys(password)  # type: ignore[attr-defined]
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))  # type: ignore[attr-defined]
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda driver: "/staff/sign-in" not in driver.current_url)


def click_and_wait(browser: object, element: object, timeout: float = 20) -> None:
    """Click something that loads another page, and wait until that page has loaded.

    The URL alone cannot tell: a form often posts back to the page it is on, and a path that
    starts with the expected one may still be the old page. The old document going stale can.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")  # type: ignore[attr-defined]
    element.click()  # type: ignore[attr-defined]
    WebDriverWait(browser, timeout).until(ec.staleness_of(old))
    WebDriverWait(browser, timeout).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )


def wait_for_text(browser: object, selector: str, text: str, timeout: float = 20) -> None:
    """Wait until the element at `selector` shows `text`.

    A form post replaces the whole page, so the element found in one poll may be gone when
    its text is read: a stale element means "not yet", never a failure.
    """
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(
        browser,
        timeout,
        ignored_exceptions=[StaleElementReferenceException, NoSuchElementException],
    ).until(lambda driver: text in driver.find_element(By.CSS_SELECTOR, selector).text)


def wait_for_path(browser: object, path: str, timeout: float = 20) -> None:
    """Wait until the browser shows a loaded page whose path starts with `path`.

    After a click, use `click_and_wait` first: the page being left may match `path` too.
    """
    from urllib.parse import urlsplit

    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda driver: (
            urlsplit(driver.current_url).path.startswith(path)
            and driver.execute_script("return document.readyState") == "complete"
        )
    )
