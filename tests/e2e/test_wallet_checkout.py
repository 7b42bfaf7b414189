"""A citizen pays a challan from a wallet in a real browser, through the wallet simulator.

The app is served on loopback and the simulator beside it in a thread; the simulator's Pay
button takes the money, sends the signed webhook to the live app, and sends the browser back
to the done page, which says paid because the webhook was recorded. The pay and done pages are
checked with axe-core in English and Urdu.
"""

from __future__ import annotations

import sqlalchemy as sa

from echallan.bootstrap import reconfigure, use
from echallan.challans.models import Challan
from echallan.core.extensions import db
from integrations.registry.simulator import run_in_thread
from integrations.wallets import HttpWallet
from integrations.wallets.simulator import create_simulator, state_of
from tests.e2e.pages import assert_accessible, click_and_wait, wait_for_path
from tests.integration import factories as f

SECRETS = {"jazzcash": "jc-e2e-secret", "easypaisa": "ep-e2e-secret"}
PLATE = "ASF-813"


def test_a_citizen_pays_by_jazzcash_and_sees_it_paid(app, live_url, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    reconfigure(
        app,
        PORTAL_BASE_URL=live_url,
        WALLET_JAZZCASH_SECRET=SECRETS["jazzcash"],
        WALLET_EASYPAISA_SECRET=SECRETS["easypaisa"],
    )
    sim = create_simulator(SECRETS, f"{live_url}/api/v1/wallets")
    sim_url, stop = run_in_thread(sim)
    try:
        use(
            app,
            wallets={
                name: HttpWallet(name, f"{sim_url}/{name}", "wallet-sim-key", read_timeout_s=5.0)
                for name in SECRETS
            },
        )
        with app.app_context():
            f.camera()
            f.process(f.event(plate=PLATE))
            number = db.session.scalar(sa.select(Challan.number))

        browser.get(f"{live_url}/pay/{number}?plate={PLATE}&lang=ur")
        html = browser.find_element(By.TAG_NAME, "html")
        assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ur"
        assert_accessible(browser, "wallet-pay-ur")
        browser.get(f"{live_url}/pay/{number}?plate={PLATE}&lang=en")
        amount = browser.find_element(By.ID, "amount").text
        assert amount.startswith("Rs ")
        assert_accessible(browser, "wallet-pay-en")

        click_and_wait(browser, browser.find_element(By.ID, "pay-jazzcash"))
        wait_for_path(browser, "/jazzcash/pay/")
        assert amount in browser.page_source  # the simulator shows the same amount
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        wait_for_path(browser, f"/pay/{number}/done")
        outcome = browser.find_element(By.ID, "outcome")
        assert outcome.get_attribute("data-outcome") == "paid", outcome.text
        assert state_of(sim).webhooks_sent == 1
        with app.app_context():
            assert db.session.scalar(sa.select(Challan.status)) == "paid"
        assert_accessible(browser, "wallet-done-en")
        browser.get(f"{browser.current_url}&lang=ur")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
        assert browser.find_element(By.ID, "outcome").get_attribute("data-outcome") == "paid"
        assert_accessible(browser, "wallet-done-ur")
    finally:
        stop()
