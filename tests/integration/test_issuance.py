"""From violation event to challan or review, on the real database and the bundled registry seed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.bootstrap import reconfigure
from echallan.challans.events import ViolationEvent
from echallan.challans.models import Challan, Notice
from echallan.core.extensions import db
from echallan.review.models import ReviewDecision, ReviewTask
from tests.integration import factories as f


def test_confident_consistent_read_issues_a_challan(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        event_id = f.event(plate="ASF-813", observed_class="car")
        assert f.process(event_id) == "issued"
        challan = db.session.scalar(sa.select(Challan))
        assert re.fullmatch(r"KHI-2026-00000001", challan.number)
        assert re.fullmatch(r"10072\d{11}", challan.consumer_number)
        assert challan.status == "issued" and challan.vehicle_class == "car"
        assert (
            challan.schedule_version.startswith("karachi-2025")
            or "2025" in challan.schedule_version
        )
        assert challan.owner_snapshot.record["owner_name"] == "Rabia Rajput"
        assert (challan.surcharge_from - challan.discount_until).days == 8
        machine = db.session.scalar(sa.select(ReviewDecision))
        assert machine.actor == "system:issuance" and machine.decision == "auto_issue"
        channels = sorted(n.channel for n in db.session.scalars(sa.select(Notice)))
        assert channels == ["pdf", "sms"]


def test_registry_mismatch_goes_to_review_never_issue(ready) -> None:  # noqa: ANN001
    """ASF-613 is a motorcycle in the registry; the camera saw a car: the 2024 wrong challan."""
    with ready.app_context():
        event_id = f.event(plate="ASF-613", observed_class="car")
        assert f.process(event_id) == "in_review"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 0
        task = db.session.scalar(sa.select(ReviewTask))
        assert "registry_class_mismatch" in task.reasons


def test_no_helmet_findings_go_to_an_officer_by_default(ready) -> None:  # noqa: ANN001
    """ASF-613 is a registered motorcycle: everything matches, yet no helmet is reviewed."""
    with ready.app_context():
        event_id = f.event(plate="ASF-613", rule="no_helmet", observed_class="motorcycle")
        assert f.process(event_id) == "in_review"
        task = db.session.scalar(sa.select(ReviewTask))
        assert task.reasons == ["rule_always_reviewed"]


def test_no_helmet_issues_once_the_deployment_trusts_it(ready) -> None:  # noqa: ANN001
    reconfigure(ready, ALWAYS_REVIEW_RULES="")
    with ready.app_context():
        event_id = f.event(plate="ASF-613", rule="no_helmet", observed_class="motorcycle")
        assert f.process(event_id) == "issued"


@pytest.mark.parametrize(
    ("plate", "confidence", "frames", "reason"),
    [
        (None, 0.0, 3, "no_plate"),
        ("ASF-813", 0.55, 3, "low_plate_confidence"),
        ("ZZZ-999", 0.97, 3, "registry_not_found"),
        ("ASF-813", 0.97, 1, "incomplete_evidence"),
    ],
)
def test_doubtful_cases_go_to_review_with_the_reason(
    ready, plate, confidence, frames, reason
) -> None:  # noqa: ANN001
    with ready.app_context():
        event_id = f.event(plate=plate, confidence=confidence, frames=frames)
        assert f.process(event_id) == "in_review"
        task = db.session.scalar(sa.select(ReviewTask))
        assert reason in task.reasons, task.reasons


def test_processing_twice_changes_nothing(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        event_id = f.event()
        f.process(event_id)
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        assert f.process(event_id) == "issued"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_same_offence_twice_links_to_the_first_challan(ready) -> None:  # noqa: ANN001
    """Overlapping clips: same vehicle, rule and camera a few seconds apart is one offence."""
    with ready.app_context():
        first = f.event(track_id=1)
        second = f.event(track_id=2, occurred_at="2026-11-23T10:15:09+05:00")
        f.process(first)
        assert f.process(second) == "duplicate"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Challan)) == 1
        dup = db.session.get(ViolationEvent, second)
        assert dup.duplicate_of_challan_id == db.session.scalar(sa.select(Challan.id))


def test_challan_numbers_are_sequential(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        for minute, plate in enumerate(["ASF-813", "LEA-13-2293", "AMD-868"]):
            cls = db.session  # keep the registry's class for each plate
            del cls
            event_id = f.event(
                plate=plate,
                observed_class=None,
                occurred_at=f"2026-11-23T10:{10 + minute}:00+05:00",
                track_id=minute,
            )
            f.process(event_id)
        numbers = db.session.scalars(sa.select(Challan.number).order_by(Challan.id)).all()
    assert numbers == [f"KHI-2026-0000000{n}" for n in (1, 2, 3)]
