"""In a real browser: the API docs run under the CSP with local assets; staff CSRF works.

Headless Chromium enforces the Content-Security-Policy and sends Origin on its own, so this is
where a policy that blocks the docs, or an Origin check that refuses this very site, shows.
"""

from __future__ import annotations

from tests.integration import factories as f

# Sign in with fetch, then sign out without and with the token the sign-in returned.
SIGN_IN_AND_OUT = """
const done = arguments[arguments.length - 1];
(async () => {
  const json = {"Content-Type": "application/json"};
  const login = await fetch("/api/v1/session", {method: "POST", headers: json,
    body: JSON.stringify({username: "officer", password: "correct horse battery"})});
  const token = (await login.json()).csrf_token;
  const bare = await fetch("/api/v1/session", {method: "DELETE"});
  const signed = await fetch("/api/v1/session", {method: "DELETE",
    headers: {"X-CSRFToken": token}});
  const after = await fetch("/api/v1/session");
  done([login.status, bare.status, signed.status, after.status]);
})().catch((error) => done(String(error)));
"""


def test_the_api_docs_render_under_the_policy(app, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_url}/api/v1/docs")
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert "e-challan" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map((entry) => entry.name)"
    )
    assert loaded and all(url.startswith(live_url) for url in loaded), loaded


def test_a_signed_in_page_signs_out_only_with_the_token(app, live_url, browser) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    browser.get(f"{live_url}/")
    browser.set_script_timeout(30)
    assert browser.execute_async_script(SIGN_IN_AND_OUT) == [200, 403, 204, 401]
