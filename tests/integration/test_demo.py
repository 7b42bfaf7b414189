"""`echallan demo` loads staff, keys, a camera on a box at a junction; twice is harmless."""

from __future__ import annotations

import json

import sqlalchemy as sa

from echallan.clips.models import Camera
from echallan.core.extensions import db
from echallan.staff.models import ApiClient, User


def test_demo_loads_once(app, runner) -> None:  # noqa: ANN001
    first = runner.invoke(["demo", "--no-clips"])
    assert first.exit_code == 0, first.output
    assert "officer / echallan-demo" in first.output and "X-Api-Key" in first.output
    second = runner.invoke(["demo", "--no-clips"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiClient)) == 4
        camera = db.session.get(Camera, "KHI-0001")
        assert camera.box_id == "KHI-BOX-001" and camera.site_id == "KHI-J001"
    client = app.test_client()
    login = client.post(
        "/api/v1/session", json={"username": "officer", "password": "echallan-demo"}
    )
    assert login.status_code == 200 and login.json["role"] == "officer"


def test_demo_prints_json(app, runner) -> None:  # noqa: ANN001
    text = runner.invoke(["demo", "--no-clips"])
    result = runner.invoke(["demo", "--no-clips", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert {"role": "officer", "username": "officer", "password": "echallan-demo"} in out["logins"]
    assert len(out["api_keys"]) == 4 and out["clips"] == {} and out["first_challans"] == []
    for name, key in out["api_keys"].items():
        assert f"{name}: {key}" in text.output
