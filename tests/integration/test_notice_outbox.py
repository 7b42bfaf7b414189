"""The SMS outbox over a real (fake) gateway on loopback: retried with backoff, never sent twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from echallan import sweeps
from echallan.bootstrap import use
from echallan.challans.models import Challan, Notice
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from integrations.registry.http import RetryPolicy, Timeouts
from integrations.registry.simulator import run_in_thread
from integrations.sms import HttpSmsGateway
from tests.integration import factories as f
from tests.integration.sms.fake_gateway import GatewayState, create_fake_gateway

ISSUED = datetime.fromisoformat("2026-11-23T12:00:00+05:00")


@pytest.fixture
def gateway(app):  # noqa: ANN001, ANN201
    """The fake gateway on loopback, used by the app through the real HTTP client."""
    state = GatewayState()
    url, stop = run_in_thread(create_fake_gateway(state))
    sender = HttpSmsGateway(
        f"{url}/v1/messages",
        "echallan",
        "secret",
        "KHI-TRAFFIC",
        timeouts=Timeouts(connect=0.5, read=0.5),
        retries=RetryPolicy(retries=0, backoff=0.0, backoff_max=0.0),
    )
    use(app, sms=sender)
    app.config.update(JOBS_MODE="sync", CLOCK=lambda: clock["now"])
    clock = {"now": ISSUED}
    yield state, clock
    sender.close()
    stop()


def sms(app) -> Notice:  # noqa: ANN001
    """Return the challan's SMS notice."""
    return db.session.scalar(sa.select(Notice).where(Notice.channel == "sms"))


def test_gateway_outage_is_retried_and_the_owner_gets_one_sms(app, gateway) -> None:  # noqa: ANN001
    state, clock = gateway
    state.fail_next = 3  # the SMSC is down for the first three attempts
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"), ISSUED.isoformat())
        notice = sms(app)
        assert notice.status == "pending" and notice.attempts == 1 and "503" in notice.last_error
        assert notice.next_attempt_at > ISSUED
        for minutes in (1, 3, 13, 43):
            clock["now"] = ISSUED + timedelta(minutes=minutes)
            with unit_of_work():
                sweeps.requeue_due_notices(clock["now"])
            db.session.expire_all()
        notice = sms(app)
        assert notice.status == "sent" and notice.attempts == 4
        assert db.session.scalar(sa.select(Challan.status)) == "delivered"
    assert len(state.messages) == 1
    (message,) = state.messages.values()
    assert "KHI-2026-00000001" in message["text"] and "http" not in message["text"]


def test_a_refused_number_fails_for_good(app, gateway) -> None:  # noqa: ANN001
    state, _ = gateway
    state.status_next = 400
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"), ISSUED.isoformat())
        notice = sms(app)
        assert notice.status == "failed" and notice.attempts == 1
        assert db.session.scalar(sa.select(Challan.status)) == "issued"  # not delivered
    assert state.messages == {}
