"""The control-room board: the network on an SVG map, alerts acknowledged (audited), uptime."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.integration import factories as f
from tests.integration.device_factories import (  # noqa: F401
    BOX,
    CAMERAS,
    SITE,
    T0,
    beat,
    body,
    build_junction,
    camera_body,
    clock,
    sweep,
)
from tests.integration.pages import form_token, sign_in_page


def _junction_gone_quiet(app, clock):  # noqa: ANN001, ANN202, F811
    """Build the junction, let everything beat once, then let the box fall silent and sweep."""
    with app.app_context():
        junction = build_junction(clock.now)
        f.staff("control", "officer")
    client = app.test_client()
    beat(client, junction.keys[BOX], BOX, body(clock.now))
    for camera in CAMERAS:
        beat(client, junction.keys[camera], camera, camera_body(clock.now))
    now = clock.advance(600)  # ten minutes of silence: past the offline threshold
    report = sweep(app, now)
    assert report.opened >= 1
    return junction


def test_the_board_draws_a_silent_box_offline_and_lists_its_alert(app, clock) -> None:  # noqa: ANN001, F811
    _junction_gone_quiet(app, clock)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "control")
    page = client.get("/control-room")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and f'data-device="{BOX}" data-status="offline"' in html
    assert '<rect class="mark offline"' in html  # a square, not only a red colour
    assert 'hx-trigger="every 30s"' in html and "Refresh now" in html
    assert "Open alerts" in html and 'data-alert="' in html
    assert SITE in html and "(manual)" in html  # no camera can enforce: the site went manual
    live = client.get("/control-room/live").get_data(as_text=True)
    assert live.lstrip().startswith('<div id="live"') and "<html" not in live


def test_acknowledging_an_alert_from_the_board_is_audited(app, clock) -> None:  # noqa: ANN001, F811
    _junction_gone_quiet(app, clock)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "control")
    html = client.get("/control-room").get_data(as_text=True)
    alert_id = html.split('data-alert="', 1)[1].split('"', 1)[0]
    done = client.post(
        f"/control-room/alerts/{alert_id}/acknowledge", data={"csrf_token": form_token(html)}
    )
    assert done.status_code == 302
    after = client.get("/control-room").get_data(as_text=True)
    assert "acknowledged by user:control" in after and "acknowledged." in after
    with app.app_context():
        from echallan.audit.models import AuditEntry

        actions = [e.action for e in AuditEntry.query.filter_by(actor="user:control")]
        assert actions.count("alert.acknowledged") == 1


def test_acknowledging_needs_the_token_and_a_real_alert(app, clock) -> None:  # noqa: ANN001, F811
    _junction_gone_quiet(app, clock)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "control")
    html = client.get("/control-room").get_data(as_text=True)
    alert_id = html.split('data-alert="', 1)[1].split('"', 1)[0]
    assert client.post(f"/control-room/alerts/{alert_id}/acknowledge").status_code == 403
    assert "acknowledged by" not in client.get("/control-room").get_data(as_text=True)
    token = {"csrf_token": form_token(html)}
    missing = client.post("/control-room/alerts/999999/acknowledge", data=token)
    assert missing.status_code == 404 and "<html" in missing.get_data(as_text=True)


def test_uptime_over_a_chosen_period_and_a_bad_period_falls_back(app, clock) -> None:  # noqa: ANN001, F811
    _junction_gone_quiet(app, clock)
    client: FlaskClient = app.test_client()
    sign_in_page(client, "control")
    day = T0.date().isoformat()
    html = client.get(f"/control-room?from={day}&to={day}").get_data(as_text=True)
    table = html.split('id="uptime"', 1)[1]
    assert all(camera in table for camera in CAMERAS) and "%" in table
    bad = client.get("/control-room?from=yesterday&to=2020-01-01")
    assert bad.status_code == 200 and "showing the last 7 days" in bad.get_data(as_text=True)
    backwards = client.get(f"/control-room?from={day}&to=2020-01-01")
    assert "must run forward" in backwards.get_data(as_text=True)


def test_the_board_is_for_staff_and_right_to_left_in_urdu(app, clock) -> None:  # noqa: ANN001, F811
    _junction_gone_quiet(app, clock)
    client: FlaskClient = app.test_client()
    assert client.get("/control-room").status_code == 302
    sign_in_page(client, "control")
    urdu = client.get("/control-room?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in urdu and 'lang="ur"' in urdu
