"""No public route serves an unblurred frame: the API and the verify page give the blurred copy."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from echallan.challans.events import ViolationEvent
from echallan.core.extensions import db
from tests.integration import factories as f

NUMBER = "KHI-2026-00000001"
OFFENDER = (slice(160, 290), slice(410, 550))  # inside the red box, margin kept
BYSTANDER = (slice(185, 285), slice(35, 145))  # another vehicle's box and track number


def annotated_frame() -> np.ndarray:
    """A frame with a bystander's grey box and track number and the offender's red box."""
    # 8-pixel checks: JPEG keeps them nearly exact, a blur turns them grey
    rows, cols = np.indices((360, 640)) // 8
    img = np.where(((rows + cols) % 2)[..., None] == 0, 40, 210).astype(np.uint8).repeat(3, 2)
    cv2.rectangle(img, (40, 200), (140, 280), (200, 200, 200), 1)
    cv2.putText(img, "#7", (40, 197), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    cv2.rectangle(img, (400, 150), (560, 300), (0, 0, 255), 3)
    return img


@pytest.fixture
def frame(app, tmp_path):  # noqa: ANN001, ANN201
    """An issued challan whose first evidence frame is a real annotated PNG; return the frame."""
    app.config["JOBS_MODE"] = "defer"
    image = annotated_frame()
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), image)
    with app.app_context():
        f.camera()
        event_id = f.event(plate="ASF-813")
        event = db.session.get(ViolationEvent, event_id)
        frames = [{"path": str(path), "caption": c} for c in ("before", "at", "after")]
        event.evidence = {**event.evidence, "frames": frames}
        db.session.commit()
        f.process(event_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ViolationEvent)) == 1
    return image


def mean_diff(data: bytes, original: np.ndarray, region: tuple[slice, slice]) -> float:
    """Return the mean absolute pixel difference of a served image from the original there."""
    served = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert served.shape == original.shape
    return float(np.abs(served[region].astype(int) - original[region].astype(int)).mean())


def assert_citizens_copy(data: bytes, original: np.ndarray) -> None:
    """The offender is as recorded (up to JPEG); the bystander is blurred beyond recognition."""
    assert mean_diff(data, original, OFFENDER) < 12
    assert mean_diff(data, original, BYSTANDER) > 40


def test_the_api_serves_the_blurred_copy(frame, client) -> None:  # noqa: ANN001
    answer = client.get(f"/api/v1/challans/{NUMBER}/evidence/0?plate=ASF-813")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert_citizens_copy(answer.data, frame)


def test_the_api_checks_a_cnic_when_sent(frame, client) -> None:  # noqa: ANN001
    url = f"/api/v1/challans/{NUMBER}/evidence/0?plate=ASF-813&cnic=4210190484755"
    assert client.get(url).status_code == 404


def test_the_verify_page_shows_only_the_blurred_copy(frame, client) -> None:  # noqa: ANN001
    page = client.get(f"/verify/{NUMBER}?plate=ASF813").get_data(as_text=True)
    sources = [s for s in page.split('src="')[1:] if "/evidence/" in s]
    assert sources, "the verify page shows the evidence"
    for source in sources:
        answer = client.get(source.split('"', 1)[0])
        assert answer.status_code == 200
        assert_citizens_copy(answer.data, frame)


def test_the_comparison_itself_catches_an_unblurred_frame(frame) -> None:  # noqa: ANN001
    ok, raw = cv2.imencode(".png", frame)
    with pytest.raises(AssertionError):
        assert_citizens_copy(raw.tobytes(), frame)
