"""The wallet checkout pages: today's amount, a CSRF form per wallet, the 303, the done page.

The simulator runs on loopback and its webhooks reach the app served on loopback, so "paid" on
the done page is the signed webhook's doing, not the browser's return.
"""

# ruff: noqa: F811 (the wallet tests' fixtures, imported, are the tests' parameters)

from __future__ import annotations

import re

import sqlalchemy as sa

from echallan.challans.models import Challan
from echallan.core.extensions import db
from echallan.payments.models import WalletCheckout
from tests.integration import factories as f
from tests.integration.test_wallets import (  # noqa: F401 (fixtures)
    DUE,
    NOW,
    PLATE,
    due,
    simulated,
    status_of,
)


def token_of(page: str) -> str:
    """Return the CSRF token of the page's first form."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_pay_page_shows_todays_amount_and_a_button_per_wallet(simulated) -> None:
    app, number, _, url = simulated
    client = app.test_client()
    assert 'name="plate"' in client.get(f"/pay/{number}").get_data(as_text=True)
    page = client.get(f"/pay/{number}?plate={PLATE}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Rs {DUE // 100:,}" in text and "Rs 10,000" not in text  # the discount, not the fine
    assert 'id="pay-jazzcash"' in text and 'id="pay-easypaisa"' in text
    # the buttons' 303 goes to the wallet: the page's form-action allows that origin, no other
    assert f"form-action 'self' {url}" in page.headers["Content-Security-Policy"]
    assert client.get(f"/pay/{number}?plate=ASF-613").status_code == 404
    urdu = client.get(f"/pay/{number}?plate={PLATE}", headers={"Accept-Language": "ur"})
    assert 'dir="rtl"' in urdu.get_data(as_text=True)
    assert "آج واجب الادا رقم" in urdu.get_data(as_text=True)


def test_a_wallet_button_opens_the_checkout_and_the_done_page_waits_for_the_webhook(
    simulated,
) -> None:
    app, number, sim, url = simulated
    client = app.test_client()
    page = client.get(f"/pay/{number}?plate={PLATE}").get_data(as_text=True)
    form = {"csrf_token": token_of(page), "plate": PLATE, "provider": "jazzcash"}
    assert client.post(f"/pay/{number}", data={**form, "csrf_token": "x"}).status_code == 400
    answer = client.post(f"/pay/{number}", data=form)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"{url}/jazzcash/pay/")
    with app.app_context():
        checkout = db.session.scalars(sa.select(WalletCheckout)).one()
        assert checkout.amount_paisa == DUE
        reference = checkout.reference
    done = client.get(f"/pay/{number}/done?plate={PLATE}").get_data(as_text=True)
    assert 'data-outcome="pending"' in done and "we will confirm" in done
    sim.pay(reference, now=NOW.timestamp())
    assert status_of(app, number) == "paid"
    done = client.get(f"/pay/{number}/done?plate={PLATE}").get_data(as_text=True)
    assert 'data-outcome="paid"' in done
    again = client.get(f"/pay/{number}?plate={PLATE}").get_data(as_text=True)
    assert 'id="paid"' in again and 'id="pay-jazzcash"' not in again
    assert "Refunds" not in again
    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        f.staff("sup1", "supervisor")
    boss = app.test_client()
    f.sign_in(boss, "sup1")
    why = {"reason": "evidence_faulty", "note": "The signal was green in the clip."}
    assert boss.post(f"/api/v1/police/challans/{number}/cancel", json=why).status_code == 201
    shown = client.get(f"/pay/{number}/done?plate={PLATE}", headers={"Accept-Language": "ur"})
    text = shown.get_data(as_text=True)
    assert 'data-outcome="cancelled"' in text
    assert "رقم کی واپسی" in text and "واپس کر دی گئی" in text and "jazzcash" in text


def test_a_wallet_that_does_not_answer_is_a_503_page_and_a_wrong_plate_a_404(simulated) -> None:
    app, number, sim, _ = simulated
    client = app.test_client()
    token = token_of(client.get(f"/pay/{number}?plate={PLATE}").get_data(as_text=True))
    sim.faults.error_500 = True
    form = {"csrf_token": token, "plate": PLATE, "provider": "jazzcash"}
    down = client.post(f"/pay/{number}", data=form)
    assert down.status_code == 503 and "1Bill" in down.get_data(as_text=True)
    sim.faults.error_500 = False
    assert client.post(f"/pay/{number}", data={**form, "plate": "ASF-613"}).status_code == 404
    assert client.post(f"/pay/{number}", data={**form, "provider": "paypal"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletCheckout)) == 0
        assert db.session.scalar(sa.select(Challan.status)) == "issued"
