"""The administrator's desk: staff, API keys shown once, cameras with a calibration upload."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.clips.models import Camera
from echallan.core.extensions import db
from echallan.staff.models import ApiClient, User
from tests.integration import factories as f
from tests.integration.pages import form_token, post_form, sign_in_page

DESK = "/staff/admin"


@pytest.fixture
def admin(app):  # noqa: ANN001, ANN201
    """An administrator signed in through the form, and an officer."""
    with app.app_context():
        f.staff("root", "admin")
        f.staff("amna", "officer")
    client = app.test_client()
    assert sign_in_page(client, "root").status_code == 302
    return app, client


def actions(app) -> list[str]:  # noqa: ANN001
    """Return the audited actions so far."""
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def text(response) -> str:  # noqa: ANN001
    """Return a response's body."""
    return response.get_data(as_text=True)


def test_the_desk_lists_staff_without_their_hashes(admin) -> None:  # noqa: ANN001
    app, client = admin
    page = client.get(DESK)
    assert page.status_code == 200 and 'data-user="amna"' in text(page)
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "amna"))
    assert stored not in text(page) and "scrypt" not in text(page) and "pbkdf2" not in text(page)


def test_an_admin_creates_a_member_of_staff_who_can_sign_in(admin) -> None:  # noqa: ANN001
    app, client = admin
    made = post_form(
        client,
        DESK,
        f"{DESK}/users",
        username="zara",
        full_name="Zara K",
        role="supervisor",
        password="a long password",
    )
    assert made.status_code == 303
    assert 'data-user="zara"' in text(client.get(DESK))
    assert "user.created" in actions(app)
    assert sign_in_page(app.test_client(), "zara", "a long password").status_code == 302


@pytest.mark.parametrize(
    "fields, status, says",
    [
        ({"username": "amna", "role": "officer", "password": "a long password"}, 409, "exists"),
        (
            {"username": "Bad Name!", "role": "officer", "password": "a long password"},
            422,
            "usernames",
        ),
        ({"username": "newbie", "role": "king", "password": "a long password"}, 422, "role"),
        ({"username": "newbie", "role": "officer", "password": "short"}, 422, "8 characters"),
        (
            {"username": "x" * 500, "role": "officer", "password": "a long password"},
            422,
            "usernames",
        ),
    ],
)
def test_bad_staff_input_is_explained_and_nothing_is_kept(admin, fields, status, says) -> None:  # noqa: ANN001
    app, client = admin
    refused = post_form(client, DESK, f"{DESK}/users", **fields)
    assert refused.status_code == status and says in text(refused)
    assert 'role="alert"' in text(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_lock_ends_sessions_and_unlock_lets_back_in(admin) -> None:  # noqa: ANN001
    app, client = admin
    officer = app.test_client()
    sign_in_page(officer, "amna")
    assert officer.get("/staff").status_code == 200
    assert post_form(client, DESK, f"{DESK}/users/amna/lock").status_code == 303
    assert officer.get("/staff").status_code == 302  # the live session ended at once
    assert sign_in_page(app.test_client(), "amna").status_code == 401
    assert post_form(client, DESK, f"{DESK}/users/amna/unlock").status_code == 303
    assert sign_in_page(app.test_client(), "amna").status_code == 302
    assert {"user.locked_by_admin", "user.unlocked"} <= set(actions(app))


def test_an_admin_cannot_lock_themselves_or_a_stranger(admin) -> None:  # noqa: ANN001
    _app, client = admin
    assert post_form(client, DESK, f"{DESK}/users/root/lock").status_code == 409
    assert post_form(client, DESK, f"{DESK}/users/nobody/lock").status_code == 404


def test_a_password_reset_is_audited_without_the_password(admin) -> None:  # noqa: ANN001
    app, client = admin
    assert (
        post_form(client, DESK, f"{DESK}/users/amna/password", password="short").status_code == 422
    )
    done = post_form(client, DESK, f"{DESK}/users/amna/password", password="brand new secret")
    assert done.status_code == 303
    assert sign_in_page(app.test_client(), "amna").status_code == 401
    assert sign_in_page(app.test_client(), "amna", "brand new secret").status_code == 302
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry)).all()
        assert "user.password_reset" in [e.action for e in entries]
        assert not any("brand new secret" in json.dumps(e.data, default=str) for e in entries)


def test_a_key_is_shown_once_works_shows_last_use_and_is_revoked(admin) -> None:  # noqa: ANN001
    app, client = admin
    token = form_token(text(client.get(DESK)))
    issued = client.post(
        f"{DESK}/keys",
        data={
            "csrf_token": token,
            "name": "excise",
            "kind": "partner",
            "scopes": ["challans:read"],
        },
    )
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    key = text(issued).split('id="new-key-value">', 1)[1].split("<", 1)[0]
    assert "." in key and key not in text(client.get(DESK))  # shown once
    partner = app.test_client()
    asked = partner.get("/api/v1/partners/challans?plate=ASF-813", headers={"X-Api-Key": key})
    assert asked.status_code == 200, asked.json
    with app.app_context():
        row = db.session.scalar(sa.select(ApiClient))
        key_id, used = row.key_id, row.last_used_at
    assert (
        used is not None
        and "never" not in text(client.get(DESK)).split('id="keys"')[1].split("</table>")[0]
    )
    assert post_form(client, DESK, f"{DESK}/keys/{key_id}/revoke").status_code == 303
    gone = partner.get("/api/v1/partners/challans?plate=ASF-813", headers={"X-Api-Key": key})
    assert gone.status_code == 401
    assert post_form(client, DESK, f"{DESK}/keys/{key_id}/revoke").status_code == 409
    assert {"api_client.created", "api_client.revoked"} <= set(actions(app))


@pytest.mark.parametrize(
    "fields, says",
    [
        ({"name": "", "kind": "partner", "scopes": ["challans:read"]}, "name"),
        ({"name": "x", "kind": "partner"}, "scope"),
        ({"name": "x", "kind": "partner", "scopes": ["root:all"]}, "unknown scopes"),
        ({"name": "x", "kind": "alien", "scopes": ["challans:read"]}, "kind"),
    ],
)
def test_bad_key_requests_are_explained(admin, fields, says) -> None:  # noqa: ANN001
    app, client = admin
    token = form_token(text(client.get(DESK)))
    refused = client.post(f"{DESK}/keys", data={"csrf_token": token, **fields})
    assert refused.status_code == 422 and says in text(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiClient)) == 0


def upload(client, calibration: bytes, code: str = "KHI-0042", site: str = ""):  # noqa: ANN001, ANN201
    """Post the camera form with a calibration file."""
    token = form_token(text(client.get(DESK)))
    return client.post(
        f"{DESK}/cameras",
        data={
            "csrf_token": token,
            "code": code,
            "name": "Nursery",
            "site": site,
            "calibration": (io.BytesIO(calibration), "camera.json"),
        },
        content_type="multipart/form-data",
    )


def test_a_camera_is_added_with_its_calibration_file(admin) -> None:  # noqa: ANN001
    app, client = admin
    done = upload(client, json.dumps(f.calibration("KHI-0042")).encode())
    assert done.status_code == 303
    row = text(client.get(DESK)).split('data-camera="KHI-0042"', 1)[1].split("</tr>", 1)[0]
    assert "present" in row and "red_light" in row
    assert "camera.registered" in actions(app)


@pytest.mark.parametrize(
    "content, code, status, says",
    [
        (b"{not json", "KHI-0042", 422, "not JSON"),
        (b"[1, 2]", "KHI-0042", 422, "JSON object"),
        (b"", "KHI-0042", 422, "choose a calibration"),
        (json.dumps({"camera_id": "KHI-0042"}).encode(), "KHI-0042", 422, "frame_size"),
        (json.dumps(f.calibration("KHI-0007")).encode(), "KHI-0042", 422, "does not match"),
        (json.dumps(f.calibration("KHI-0001")).encode(), "KHI-0001", 409, "exists already"),
        (json.dumps(f.calibration("x" * 40)).encode(), "x" * 40, 422, "camera codes"),
        (b"\xff\xfe", "KHI-0042", 422, "not JSON"),
    ],
)
def test_bad_calibrations_are_explained(admin, content, code, status, says) -> None:  # noqa: ANN001
    app, client = admin
    with app.app_context():
        f.camera("KHI-0001")
    refused = upload(client, content, code)
    assert refused.status_code == status and says in text(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Camera)) == 1


def test_a_camera_at_an_unknown_site_is_refused(admin) -> None:  # noqa: ANN001
    _app, client = admin
    refused = upload(client, json.dumps(f.calibration("KHI-0042")).encode(), site="NOPE")
    assert refused.status_code == 404 and "no site" in text(refused)


def test_every_form_needs_its_token(admin) -> None:  # noqa: ANN001
    _app, client = admin
    for action in ("/users", "/users/amna/lock", "/keys", "/cameras"):
        assert client.post(DESK + action, data={"name": "x"}).status_code in (400, 403)


@pytest.mark.parametrize("who", ["amna", "super"])
def test_only_admins_open_the_desk(app, who) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("amna", "officer")
        f.staff("super", "supervisor")
    client = app.test_client()
    sign_in_page(client, who)
    assert client.get(DESK).status_code == 403
    assert post_form(client, "/staff", f"{DESK}/users/amna/lock").status_code == 403
    assert DESK not in text(client.get("/staff"))


def test_the_desk_in_urdu_is_right_to_left(admin) -> None:  # noqa: ANN001
    _app, client = admin
    html = text(client.get(f"{DESK}?lang=ur"))
    assert 'lang="ur" dir="rtl"' in html and "کلید جاری کریں" in html and "کیمرا شامل کریں" in html
