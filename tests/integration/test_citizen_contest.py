"""The citizen's contest page: reasons, a cleaned upload, limits, and nothing half-written."""

from __future__ import annotations

import dataclasses
import hashlib
import io

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from echallan.challans.models import Challan, Contest
from echallan.core import deps
from echallan.core.extensions import db
from echallan.review.models import ReviewTask
from tests.integration import factories as f
from tests.integration.pages import form_token

NUMBER = "KHI-2026-00000001"
PAGE = f"/my/challans/{NUMBER}/contest"
GROUNDS = "I was parked at home that morning; my car never left the street."


@pytest.fixture
def found(app, client):  # noqa: ANN001, ANN201
    """One issued challan for ASF-813, found by this browser through the verify page."""
    app.config["JOBS_MODE"] = "defer"
    with app.app_context():
        f.camera()
        f.process(f.event(plate="ASF-813"))
    assert client.get(f"/verify/{NUMBER}?plate=ASF813").status_code == 200
    return app


def jpeg_with_exif() -> bytes:
    """Return a JPEG carrying EXIF (a camera make and a GPS-ish comment)."""
    image = Image.fromarray(np.full((48, 64, 3), (10, 120, 200), np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x9286] = "GPS 24.8607N 67.0011E"  # UserComment
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert b"SecretPhoneMaker" in data
    return data


def send(client, **fields):  # noqa: ANN001, ANN003, ANN201
    """Post the contest form with the page's CSRF token."""
    token = form_token(client.get(PAGE).get_data(as_text=True))
    data = {"csrf_token": token, "reason": "not_my_vehicle", "grounds": GROUNDS, **fields}
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def counts() -> tuple[int, int]:
    """Return how many contests and contest review tasks exist."""
    contests = db.session.scalar(sa.select(sa.func.count()).select_from(Contest))
    tasks = db.session.scalar(
        sa.select(sa.func.count()).select_from(ReviewTask).where(ReviewTask.kind == "contest")
    )
    return contests, tasks


def test_the_challan_page_links_to_the_contest_form(found, client) -> None:  # noqa: ANN001
    page = client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    form = client.get(PAGE).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'value="plate_misread"' in form


def test_a_contest_with_a_photo_is_stored_without_its_exif(found, client) -> None:  # noqa: ANN001
    photo = jpeg_with_exif()
    answer = send(client, evidence=(io.BytesIO(photo), "me.jpg"))
    assert answer.status_code == 302 and answer.location.endswith(f"/my/challans/{NUMBER}")
    with found.app_context():
        contest = db.session.scalars(sa.select(Contest)).one()
        challan = db.session.scalars(sa.select(Challan)).one()
        assert (contest.reason, contest.evidence_type) == ("not_my_vehicle", "image/jpeg")
        assert challan.status == "contested" and counts() == (1, 1)
        path = deps.of(found).store.contest_path(contest.evidence_sha256, ".jpg")
    stored = path.read_bytes()
    assert hashlib.sha256(stored).hexdigest() == contest.evidence_sha256  # content-addressed
    assert b"SecretPhoneMaker" not in stored and b"Exif" not in stored
    assert cv2.imdecode(np.frombuffer(stored, np.uint8), cv2.IMREAD_COLOR).shape == (48, 64, 3)
    assert "contested" in client.get(f"/my/challans/{NUMBER}").get_data(as_text=True)


def test_a_pdf_is_stored_as_it_came(found, client) -> None:  # noqa: ANN001
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert send(client, evidence=(io.BytesIO(pdf), "sale-deed.pdf")).status_code == 302
    with found.app_context():
        contest = db.session.scalars(sa.select(Contest)).one()
        assert contest.evidence_sha256 == hashlib.sha256(pdf).hexdigest()
        assert (
            deps.of(found).store.contest_path(contest.evidence_sha256, ".pdf").read_bytes() == pdf
        )


@pytest.mark.parametrize(
    "payload",
    [b"MZ\x90\x00 an exe named photo.jpg", b"GIF89a....", b"\xff\xd8\xff but not a jpeg"],
)
def test_other_files_are_refused_readably_and_nothing_is_written(found, client, payload) -> None:  # noqa: ANN001
    answer = send(client, evidence=(io.BytesIO(payload), "photo.jpg"))
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "JPEG or PNG photo or a PDF" in text or "could not be read" in text
    with found.app_context():
        assert counts() == (0, 0)
        assert db.session.scalars(sa.select(Challan)).one().status == "issued"
    assert not (deps.of(found).store.root / "contests").exists()


def test_a_file_over_the_cap_is_refused_with_the_limit(found, client) -> None:  # noqa: ANN001
    small = dataclasses.replace(deps.of(found).settings, contest_upload_max_bytes=1024 * 1024)
    deps.install(found, dataclasses.replace(deps.of(found), settings=small))
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    answer = send(client, evidence=(io.BytesIO(big), "big.pdf"))
    assert answer.status_code == 422 and "at most 1 MB" in answer.get_data(as_text=True)
    with found.app_context():
        assert counts() == (0, 0)


def test_a_huge_body_gets_a_413_page_not_a_500(found, client) -> None:  # noqa: ANN001
    small = dataclasses.replace(deps.of(found).settings, contest_upload_max_bytes=1024 * 1024)
    deps.install(found, dataclasses.replace(deps.of(found), settings=small))
    huge = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    answer = send(client, evidence=(io.BytesIO(huge), "huge.pdf"))
    assert answer.status_code == 413 and "<html" in answer.get_data(as_text=True).lower()
    with found.app_context():
        assert counts() == (0, 0)


def test_without_the_csrf_token_nothing_is_filed(found, client) -> None:  # noqa: ANN001
    data = {"reason": "other", "grounds": GROUNDS}
    assert client.post(PAGE, data=data).status_code == 422
    with found.app_context():
        assert counts() == (0, 0)


def test_a_reason_off_the_list_is_refused(found, client) -> None:  # noqa: ANN001
    assert send(client, reason="because").status_code == 422
    with found.app_context():
        assert counts() == (0, 0)


def test_a_failed_write_leaves_no_contest(found, client, monkeypatch) -> None:  # noqa: ANN001
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError("disk full")

    monkeypatch.setattr(type(deps.of(found).store), "put_bytes", broken)
    answer = send(client, evidence=(io.BytesIO(jpeg_with_exif()), "me.jpg"))
    assert answer.status_code == 500  # a full disk is ours, not the citizen's, to fix
    with found.app_context():
        assert counts() == (0, 0)
        assert db.session.scalars(sa.select(Challan)).one().status == "issued"


def test_a_second_contest_is_refused(found, client) -> None:  # noqa: ANN001
    assert send(client).status_code == 302
    assert client.get(PAGE).status_code == 302  # contested: the form is gone
    with found.app_context():
        assert counts() == (1, 1)


def test_an_unfound_challan_sends_the_visitor_to_the_plate_check(app, client) -> None:  # noqa: ANN001
    answer = client.get(PAGE)
    assert answer.status_code == 302 and f"/verify/{NUMBER}" in answer.location


def test_the_contest_page_speaks_urdu(found, client) -> None:  # noqa: ANN001
    page = client.get(PAGE + "?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in page and "اعتراض بھیجیں" in page and "یہ میری گاڑی نہیں تھی" in page


def test_an_upload_whose_commit_failed_is_swept_after_an_hour(found, client) -> None:  # noqa: ANN001
    import os
    import time

    from echallan.audit.models import AuditEntry
    from echallan.challans.models import Challan
    from echallan.citizens import operations as citizens
    from echallan.core import clock
    from echallan.core.uow import unit_of_work
    from echallan.scheduler import Scheduler, sweeps

    def aged(path, seconds: float):  # noqa: ANN001, ANN202
        then = time.time() - seconds
        os.utime(path, (then, then))
        return path

    kept_pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert send(client, evidence=(io.BytesIO(kept_pdf), "deed.pdf")).status_code == 302
    store = deps.of(found).store
    kept = aged(store.contest_path(hashlib.sha256(kept_pdf).hexdigest(), ".pdf"), 7200)
    lost_pdf = kept_pdf.replace(b"1.4", b"1.7")
    with found.app_context():
        challan = db.session.scalars(sa.select(Challan)).one()
        challan.status = "issued"  # let a second contest through the lifecycle
        db.session.commit()
        attachment = citizens.Attachment(lost_pdf, "application/pdf", ".pdf")
        with pytest.raises(RuntimeError), unit_of_work():  # the commit never happens
            citizens.file_contest(
                challan, GROUNDS, None, clock.now(), attachment=attachment, store=store
            )
            raise RuntimeError("the connection was lost before the commit")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contest)) == 1
    lost = store.contest_path(hashlib.sha256(lost_pdf).hexdigest(), ".pdf")
    assert lost.is_file()  # the orphan the issue is about
    fresh = store.contest_path("cd" * 32, ".png")
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(b"an upload whose request is still committing")

    sweep = next(s for s in sweeps(found) if s.name == "contest-orphans")
    assert sweep.task.name == "echallan.sweep_contest_orphans"
    assert Scheduler(found, [sweep]).run_once(sweep).as_dict() == {"contest_files": 0, "bytes": 0}
    aged(lost, 7200)
    report = Scheduler(found, [sweep]).run_once(sweep)
    assert report.as_dict() == {"contest_files": 1, "bytes": len(lost_pdf)}
    assert not lost.exists() and kept.exists() and fresh.exists()
    with found.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "evidence.orphan_removed")
        ).one()
        assert entry.data["path"] == str(lost.relative_to(store.root))
        assert entry.actor == "system:sweep"
