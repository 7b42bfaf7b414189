"""The offence confidence: stored per event by the analysis, gated by the issuance policy.

ASF-813 is a registered car in the bundled registry seed: every case here reads its plate well,
so what decides between a challan and an officer is the confidence in the offence itself.
Wrong way is used for the clean case because no helmet is always reviewed by default.
"""

from __future__ import annotations

import io
from datetime import datetime

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from echallan.bootstrap import reconfigure
from echallan.challans import field
from echallan.challans.events import ViolationEvent
from echallan.core import deps
from echallan.core.extensions import db
from echallan.core.uow import unit_of_work
from echallan.devices import operations as devices
from echallan.review.models import ReviewTask
from tests.integration import factories as f

JPEG = cv2.imencode(".jpg", np.full((60, 80, 3), 128, np.uint8))[1].tobytes()  # a real photo
NOW = "2026-11-23T12:00:00+05:00"


def reasons() -> list[str]:
    """Return the reasons of the only review task."""
    return db.session.scalar(sa.select(ReviewTask.reasons))


def test_a_confident_wrong_way_finding_is_issued_automatically(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        event_id = f.event(rule="wrong_way", offence_confidence=0.95)
        assert f.process(event_id) == "issued"


def test_a_doubtful_wrong_way_finding_goes_to_an_officer(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        event_id = f.event(rule="wrong_way", offence_confidence=0.5)
        assert f.process(event_id) == "in_review"
        assert reasons() == ["low_offence_confidence"]


def test_a_camera_finding_without_a_confidence_goes_to_an_officer(ready) -> None:  # noqa: ANN001
    """E.g. a row written before the column existed, with nothing in its evidence to backfill."""
    with ready.app_context():
        event_id = f.event(rule="wrong_way", offence_confidence=None)
        assert f.process(event_id) == "in_review"
        assert reasons() == ["offence_confidence_unknown"]


def test_red_light_has_no_floor_by_default(ready) -> None:  # noqa: ANN001
    with ready.app_context():
        assert f.process(f.event(rule="red_light", offence_confidence=0.5)) == "issued"


def test_the_floors_come_from_the_configuration(ready) -> None:  # noqa: ANN001
    reconfigure(ready, AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE="wrong_way=0.4, red_light=0.99")
    with ready.app_context():
        assert f.process(f.event(rule="wrong_way", offence_confidence=0.5)) == "issued"
        event_id = f.event(rule="red_light", offence_confidence=0.98, track_id=2)
        assert f.process(event_id) == "in_review"
        assert reasons() == ["low_offence_confidence"]


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("wrong_way=high", "number from 0 to 1"),
        ("wrong_way=1.5", "number from 0 to 1"),
        ("wrong_way", "number from 0 to 1"),
        ("wrong-way=0.8", "the rule must be one of"),
        ("wrong_way=0.8,wrong_way=0.5", "listed twice"),
    ],
)
def test_a_malformed_setting_is_refused_with_its_name(ready, setting, complaint) -> None:  # noqa: ANN001
    with pytest.raises(RuntimeError) as refused:
        reconfigure(ready, AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE=setting)
    assert "AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE" in str(refused.value)
    assert complaint in str(refused.value)


def test_an_officers_field_record_has_no_confidence_and_is_not_reviewed_for_it(ready) -> None:  # noqa: ANN001
    record = field.FieldRecord(
        site_id="SITE-001",
        plate="ASF-813",
        vehicle_class="car",
        rule="wrong_way",
        occurred_at=datetime.fromisoformat("2026-11-23T10:15:04+05:00"),
    )
    with ready.app_context():
        with unit_of_work():
            devices.register_site("SITE-001", "test", name="Teen Talwar")
            photo = field.Photo(io.BytesIO(JPEG), "front.jpg")
            event = field.record_field_challan(
                deps.of(ready).store, record, [photo], "user:officer1", datetime.fromisoformat(NOW)
            )
        assert event.offence_confidence is None
        assert f.process(event.id) == "issued"


def test_reviewers_see_the_offence_confidence_over_the_api(ready) -> None:  # noqa: ANN001
    client = ready.test_client()
    with ready.app_context():
        f.process(f.event(rule="wrong_way", offence_confidence=0.5))
        f.staff("officer1", "officer")
    f.sign_in(client, "officer1")
    tasks = client.get("/api/v1/police/review-tasks").json
    assert tasks[0]["event"]["offence_confidence"] == 0.5
    assert tasks[0]["event"]["plate_confidence"] == 0.97
    spec = client.get("/api/v1/openapi.json").json
    event_schema = spec["components"]["schemas"]["Event"]["properties"]
    assert event_schema["offence_confidence"]["type"] == ["number", "null"]


def test_the_analysis_stores_the_pipelines_offence_confidence(app, client, scene) -> None:  # noqa: ANN001
    """The column holds what the vision pipeline says for each (rule, track) of the clip."""
    from echallan.clips.findings import analyze_clip
    from rules.calibration import parse_calibration
    from rules.signals import parse_signal_phases
    from tests.integration.test_clip_analysis import register

    path, calibration, meta = scene
    found = analyze_clip(
        path,
        parse_calibration(calibration),
        parse_signal_phases(meta["signal_phases"]),
        settings=deps.of(app).settings.clip_pipeline,  # what the upload below runs
    )
    expected = {(v.event.rule, v.event.track_id): v.event.confidence for v in found.violations}
    assert f.upload(client, register(app, calibration), path, meta).status_code == 202
    with app.app_context():
        events = db.session.scalars(sa.select(ViolationEvent)).all()
        stored = {(e.rule, e.track_id): e.offence_confidence for e in events}
        assert stored == pytest.approx(expected) and expected
        floors = deps.of(app).settings.issuance.min_offence_confidence
        for event in events:
            task = db.session.scalar(sa.select(ReviewTask).where(ReviewTask.event_id == event.id))
            low = event.offence_confidence < floors.get(event.rule, 0.0)
            assert low == ("low_offence_confidence" in (task.reasons if task else [])), event.rule
