"""The wallet HTTP client against the simulator on loopback: checkout, inquiry, refund, faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.registry.simulator.server import run_in_thread
from integrations.wallets import HttpWallet, WalletRefused, WalletUnavailable
from integrations.wallets.simulator import create_simulator, default_secrets, state_of


@pytest.fixture
def sim() -> Iterator[tuple[HttpWallet, object]]:
    """A simulator (its webhooks go nowhere) and a client of its JazzCash."""
    app = create_simulator(default_secrets(), "http://127.0.0.1:9/none")
    url, stop = run_in_thread(app)
    client = HttpWallet("jazzcash", f"{url}/jazzcash", "wallet-sim-key", read_timeout_s=0.5)
    yield client, state_of(app)
    client.close()
    stop()


def test_checkout_inquiry_and_an_idempotent_refund(sim) -> None:  # noqa: ANN001
    client, state = sim
    started = client.start_checkout("KHI-2026-000001", 500000, "https://portal.invalid/back")
    assert "/jazzcash/pay/" in started.redirect_url
    assert client.inquiry(started.reference).status == "pending"
    state.faults.wrong_amount = True
    state.pay(started.reference)
    status = client.inquiry(started.reference)
    assert (status.status, status.amount_paisa) == ("paid", 499900)
    assert status.event_id
    first = client.refund(started.reference, 499900, "r-1")
    assert client.refund(started.reference, 499900, "r-1") == first
    assert len(state.refunds) == 1


def test_faults_become_the_right_errors(sim) -> None:  # noqa: ANN001
    client, state = sim
    with pytest.raises(WalletRefused):
        client.refund("nope", 1, "r-2")
    state.faults.error_500 = True
    with pytest.raises(WalletUnavailable, match="500"):
        client.start_checkout("KHI-1", 100, "")
    state.faults.error_500, state.faults.slow_ms = False, 1500
    with pytest.raises(WalletUnavailable, match="unreachable"):
        client.inquiry("anything")


def test_a_wrong_api_key_is_refused(sim) -> None:  # noqa: ANN001
    client, _ = sim
    other = HttpWallet("jazzcash", client.base_url, "wrong")
    with pytest.raises(WalletRefused, match="401"):
        other.start_checkout("KHI-1", 100, "")
