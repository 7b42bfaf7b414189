"""Bad input gets a 4xx problem+json, never a 500 (issue 23), on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import io
import json
from importlib import import_module

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema

from echallan.core.api import ApiSchema, json_too_deep
from echallan.core.auth import SCOPES
from tests.integration import factories as f

PROBLEM = "application/problem+json"


def _key(app: Flask) -> str:
    with app.app_context():
        return f.partner_key(sorted(SCOPES))


def _assert_problem(response, *codes: int) -> None:  # noqa: ANN001
    assert response.status_code in codes, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/challans/KHI%00-1?plate=ABC",
        "/api/v1/partners/challans/KHI%00-1",
        "/api/v1/ops/sites/S%00",
        "/api/v1/ops/devices/D%00",
    ],
)
def test_a_nul_in_a_path_segment_is_404(client: FlaskClient, app: Flask, path: str) -> None:
    response = client.get(path, headers={"X-Api-Key": _key(app)})
    _assert_problem(response, 404, 401)


def test_a_nul_in_a_query_is_422(client: FlaskClient) -> None:
    _assert_problem(client.get("/api/v1/challans/KHI-1?plate=AB%00C"), 422)


def test_a_nul_in_a_json_body_is_422_even_at_login(client: FlaskClient) -> None:
    response = client.post("/api/v1/session", json={"username": "a\u0000b", "password": "x"})
    _assert_problem(response, 422)
    assert "username" in response.get_json()["errors"]["json"]


def test_a_nul_in_a_partner_body_is_422(client: FlaskClient, app: Flask) -> None:
    body = {
        "plate": "ABC\u0000",
        "transferred_at": "2026-01-01T00:00:00+05:00",
        "new_owner_cnic": "42101-1234567-1",
        "new_owner_name": "x",
    }
    response = client.post(
        "/api/v1/partners/ownership-changes", json=body, headers={"X-Api-Key": _key(app)}
    )
    _assert_problem(response, 422)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_datetime_out_of_range_is_422(client: FlaskClient, app: Flask, when: str) -> None:
    body = {
        "plate": "ABC",
        "transferred_at": when,
        "new_owner_cnic": "42101-1234567-1",
        "new_owner_name": "x",
    }
    response = client.post(
        "/api/v1/partners/ownership-changes", json=body, headers={"X-Api-Key": _key(app)}
    )
    _assert_problem(response, 422)
    assert "transferred_at" in response.get_json()["errors"]["json"]


def test_the_uptime_range_refuses_year_9999(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        f.staff("root", "admin")
    f.sign_in(client, "root")
    response = client.get(
        "/api/v1/ops/uptime",
        query_string={"start": "9999-12-31T23:59:59-05:00", "end": "9999-12-31T23:59:59-05:00"},
    )
    _assert_problem(response, 422)


def test_deeply_nested_clip_meta_is_422(ready: Flask) -> None:
    key = None
    with ready.app_context():
        key = f.camera_with_key("KHI-0002")
    meta = "[" * 100000 + "]" * 100000
    response = ready.test_client().post(
        "/api/v1/cameras/KHI-0002/clips",
        data={"clip": (io.BytesIO(b"x" * 100), "c.mp4"), "meta": meta},
        headers={"X-Api-Key": key},
    )
    _assert_problem(response, 422)


def test_a_deeply_nested_json_body_is_422(client: FlaskClient) -> None:
    body = '{"username": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}'
    response = client.post("/api/v1/session", data=body, content_type="application/json")
    _assert_problem(response, 422)


def test_a_large_json_body_is_413_problem(client: FlaskClient, app: Flask) -> None:
    body = json.dumps({"username": "a" * (app.config["MAX_JSON_BYTES"] + 10), "password": "x"})
    _assert_problem(client.post("/api/v1/session", data=body, content_type="application/json"), 413)


def test_a_405_is_a_problem_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/v1/session")
    _assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_auth_is_checked_before_the_body(client: FlaskClient) -> None:
    _assert_problem(client.post("/api/v1/partners/ownership-changes", json={"x": 1}), 401)


def test_json_depth_is_counted_outside_strings() -> None:
    assert not json_too_deep('{"a": "' + "[" * 100 + '"}')
    assert json_too_deep("[" * 33 + "]" * 33)
    assert not json_too_deep("[" * 32 + "]" * 32)


API_MODULES = ["audit", "challans", "citizens", "clips", "devices", "partners", "payments"]


@pytest.mark.parametrize("feature", [*API_MODULES, "review", "staff"])
def test_every_api_schema_refuses_control_characters(feature: str) -> None:
    module = import_module(f"echallan.{feature}.api")
    schemas = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__
    ]
    assert schemas
    assert all(issubclass(schema, ApiSchema) for schema in schemas)


def test_a_body_that_is_not_json_is_the_documented_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/session", data=b"\x00", content_type="application/json")
    _assert_problem(response, 422)
