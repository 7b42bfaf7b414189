"""The issuance use cases on their own: no HTTP, no blueprints, no workers, fakes for the world.

A bare Flask app gives the database session and nothing else (no routes, no bootstrap). The
operations get their `Deps` built here by hand from the project's own fakes: the in-memory
registry and the SMS outbox on disk. That they run this way is what the composition root buys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from echallan import bootstrap, tables  # noqa: F401 (tables: every model, for create_all)
from echallan.challans import delivery, issuance
from echallan.challans.models import Challan, Notice
from echallan.config import TestingConfig
from echallan.core import database
from echallan.core.deps import Deps
from echallan.core.extensions import db
from echallan.core.storage import EvidenceStore
from echallan.core.uow import unit_of_work
from echallan.review.models import ReviewTask
from integrations.registry import InMemoryRegistry
from integrations.registry.base import RegistryUnavailable
from integrations.sms import FileSmsSender
from notices.notice import date_text, rupees_text
from tests.integration import factories as f

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)


class DownRegistry:
    """A registry that is down: every look-up fails as a network outage would."""

    def lookup(self, plate: str):  # noqa: ANN201
        raise RegistryUnavailable(f"registry down while looking up {plate}")


@pytest.fixture
def deps(tmp_path: Path) -> Iterator[Deps]:
    """A database session on in-memory SQLite and the operations' adapters, all fakes."""
    app = Flask("operations-under-test")
    app.config.from_object(TestingConfig)
    # JOBS_MODE=defer: the notices an issue enqueues wait for the test to deliver them itself.
    app.config.update(
        SQLALCHEMY_DATABASE_URI="sqlite://",
        EVIDENCE_DIR=str(tmp_path / "evidence"),
        JOBS_MODE="defer",
    )
    database.init_app(app)
    settings = bootstrap.settings_from(app.config)
    built = Deps(
        settings=settings,
        registry=InMemoryRegistry.from_seed(),
        sms=FileSmsSender(tmp_path / "sms"),
        store=EvidenceStore(settings.evidence_dir),
        plate_reader=lambda: None,
    )
    with app.app_context():
        db.create_all()
        f.camera()
        yield built
        db.session.remove()


def test_a_known_plate_is_issued_and_its_sms_goes_to_the_outbox(deps: Deps, tmp_path: Path) -> None:
    event_id = f.event(plate="ASF-813")
    with unit_of_work():
        outcome = issuance.process_event(deps, event_id, NOW)
    assert outcome == "issued"
    challan = db.session.scalars(sa.select(Challan)).one()
    sms = db.session.scalars(sa.select(Notice).where(Notice.channel == "sms")).one()
    with unit_of_work():
        delivery.deliver(deps, sms.id, NOW)
    messages = [json.loads(p.read_text()) for p in (tmp_path / "sms").glob("*.json")]
    assert len(messages) == 1 and challan.number in messages[0]["text"]


def test_the_delivered_sms_gives_todays_discounted_amount_plate_and_consumer_number(
    deps: Deps, tmp_path: Path
) -> None:
    with unit_of_work():
        issuance.process_event(deps, f.event(plate="ASF-813"), NOW)
    challan = db.session.scalars(sa.select(Challan)).one()
    sms = db.session.scalars(sa.select(Notice).where(Notice.channel == "sms")).one()
    with unit_of_work():
        delivery.deliver(deps, sms.id, NOW)
    text = json.loads(next((tmp_path / "sms").glob("*.json")).read_text())["text"]
    half = rupees_text(challan.fine_paisa // 2)
    assert f"Pay {half} by {date_text(challan.discount_until)}" in text
    assert f"{rupees_text(2 * challan.fine_paisa)} from {date_text(challan.surcharge_from)}" in text
    assert challan.consumer_number in text and challan.plate in text
    assert "ادا کریں" in text  # and in Urdu


def test_the_same_event_twice_issues_one_challan(deps: Deps) -> None:
    event_id = f.event(plate="ASF-813")
    for _ in range(2):
        with unit_of_work():
            issuance.process_event(deps, event_id, NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 1


def test_an_unknown_plate_goes_to_an_officer(deps: Deps) -> None:
    event_id = f.event(plate="ZZZ-999")
    with unit_of_work():
        outcome = issuance.process_event(deps, event_id, NOW)
    assert outcome == "in_review"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewTask)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 0


def test_a_registry_outage_waits_instead_of_issuing(deps: Deps) -> None:
    event_id = f.event(plate="ASF-813")
    with unit_of_work():
        outcome = issuance.process_event(replace(deps, registry=DownRegistry()), event_id, NOW)
    assert outcome == "pending_lookup"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 0
    with unit_of_work():  # the registry is back: the same event is issued
        assert issuance.process_event(deps, event_id, NOW) == "issued"
