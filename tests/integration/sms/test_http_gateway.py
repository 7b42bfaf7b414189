"""HttpSmsGateway against a fake gateway over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.registry.http import RetryPolicy, Timeouts
from integrations.registry.simulator.server import run_in_thread
from integrations.sms import (
    HttpSmsGateway,
    SendResult,
    SmsPermanentFailure,
    SmsSender,
    SmsTemporaryFailure,
)
from tests.integration.sms.fake_gateway import GatewayState, create_fake_gateway

TEXT = "E-challan KHI-2026-00001234: red light, Rs 5,000. Details: echallan.sindhpolice.gov.pk"


@pytest.fixture
def state() -> GatewayState:
    """Return a fresh gateway state."""
    return GatewayState()


@pytest.fixture
def gateway_url(state: GatewayState) -> Iterator[str]:
    """Serve the fake gateway on a free loopback port."""
    url, stop = run_in_thread(create_fake_gateway(state))
    yield f"{url}/v1/messages"
    stop()


@pytest.fixture
def sender(gateway_url: str) -> Iterator[HttpSmsGateway]:
    """Return a client with short timeouts and fast retries."""
    client = HttpSmsGateway(
        gateway_url,
        "echallan",
        "secret",
        "KHI-TRAFFIC",
        timeouts=Timeouts(connect=0.5, read=0.3),
        retries=RetryPolicy(retries=2, backoff=0.01, backoff_max=0.02),
    )
    yield client
    client.close()


def test_sends_with_auth_sender_and_normalised_number(sender, state) -> None:
    assert isinstance(sender, SmsSender)
    result = sender.send("0300-1234567", TEXT, "challan-1234:issued")
    assert result == SendResult("gw-000001", "accepted")
    stored = state.messages["challan-1234:issued"]
    assert (stored["to"], stored["from"], stored["text"]) == ("+923001234567", "KHI-TRAFFIC", TEXT)


def test_same_key_is_one_message(sender, state) -> None:
    first = sender.send("03001234567", TEXT, "k-1")
    assert sender.send("+923001234567", TEXT, "k-1") == first
    assert len(state.messages) == 1 and state.requests == 2


def test_server_errors_are_retried_then_succeed(sender, state) -> None:
    state.fail_next = 2
    assert sender.send("03001234567", TEXT, "k-2").provider_id == "gw-000001"
    assert state.requests == 3


def test_persistent_server_errors_are_temporary(sender, state) -> None:
    state.fail_next = 10
    with pytest.raises(SmsTemporaryFailure, match="HTTP 503"):
        sender.send("03001234567", TEXT, "k-3")
    assert state.requests == 3 and not state.messages


def test_a_timeout_retried_with_the_same_key_sends_once(sender, state) -> None:
    state.slow_next, state.slow_seconds = 1, 0.5
    result = sender.send("03001234567", TEXT, "k-4")
    assert result.provider_id == "gw-000001"
    assert len(state.messages) == 1  # the slow first attempt was stored, the retry deduplicated


def test_refusals_are_permanent(sender, state) -> None:
    state.status_next = 400
    with pytest.raises(SmsPermanentFailure, match="HTTP 400"):
        sender.send("03001234567", TEXT, "k-5")
    assert state.requests == 1  # never retried


@pytest.mark.parametrize("status", [429, 408])
def test_throttling_is_temporary_and_not_hammered(sender, state, status: int) -> None:
    state.status_next = status
    with pytest.raises(SmsTemporaryFailure):
        sender.send("03001234567", TEXT, "k-6")
    assert state.requests == 1


def test_wrong_credentials_are_temporary(gateway_url, state) -> None:
    client = HttpSmsGateway(gateway_url, "echallan", "old-password", "KHI-TRAFFIC")
    with pytest.raises(SmsTemporaryFailure, match="HTTP 401"):
        client.send("03001234567", TEXT, "k-7")
    assert not state.messages


def test_an_unreadable_answer_is_temporary(sender, state) -> None:
    state.garbage_next = 1
    with pytest.raises(SmsTemporaryFailure, match="not JSON"):
        sender.send("03001234567", TEXT, "k-8")
    assert sender.send("03001234567", TEXT, "k-8").provider_id == "gw-000001"


def test_gateway_down_is_temporary(gateway_url) -> None:
    url, stop = run_in_thread(create_fake_gateway(GatewayState()))
    stop()
    client = HttpSmsGateway(
        f"{url}/v1/messages", "u", "p", "KHI-TRAFFIC", retries=RetryPolicy(retries=1, backoff=0.0)
    )
    with pytest.raises(SmsTemporaryFailure, match="transport"):
        client.send("03001234567", TEXT, "k-9")


@pytest.mark.parametrize(
    ("to", "text", "key"),
    [
        ("021-34567890", TEXT, "k"),
        ("03001234567", "", "k"),
        ("03001234567", "x" * 641, "k"),
        ("03001234567", TEXT, ""),
        ("03001234567", TEXT, "key with spaces"),
    ],
)
def test_bad_messages_never_reach_the_gateway(sender, state, to, text, key) -> None:
    with pytest.raises(SmsPermanentFailure):
        sender.send(to, text, key)
    assert state.requests == 0
