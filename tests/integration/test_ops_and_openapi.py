"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

from echallan.core.api import PROBLEM_RESPONSES


def test_healthz_answers_when_the_database_does(client) -> None:  # noqa: ANN001
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok\n"


def test_metrics_expose_pipeline_gauges(client) -> None:  # noqa: ANN001
    response = client.get("/metrics")
    assert response.status_code == 200
    assert 'echallan_queue_depth{queue="analysis"} 0.0' in response.text
    assert "# TYPE echallan_clips gauge" in response.text


def test_openapi_describes_every_api_route(app, client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json
    documented = {path for path in spec["paths"]}
    routes = {
        _openapi_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and "openapi" not in rule.rule
        and not rule.rule.startswith("/api/v1/docs")
    }
    assert routes <= documented, f"undocumented: {sorted(routes - documented)}"


def test_openapi_lists_problem_answers_and_security(client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json
    ingest = spec["paths"]["/api/v1/cameras/{camera_id}/clips"]["post"]
    assert {"202", "401", "403", "404", "413", "415", "422"} <= set(ingest["responses"])
    assert "application/problem+json" in ingest["responses"]["422"]["content"]
    assert "ApiKey" in spec["components"]["securitySchemes"]
    assert set(PROBLEM_RESPONSES) >= {401, 403, 404, 409, 422}


def test_every_integer_a_request_carries_has_a_maximum(client) -> None:  # noqa: ANN001
    # An unbounded integer reached the database or a date and came back as a 500 (found by
    # schemathesis); each one a request can carry now states the largest it takes.
    spec = client.get("/api/v1/openapi.json").json
    unbounded = [
        where
        for where, schema in _request_integers(spec)
        if schema.get("maximum") is None or schema.get("minimum") is None
    ]
    assert unbounded == []
    assert len(list(_request_integers(spec))) >= 15  # the walk found the parameters at all


def _request_integers(spec: dict):  # noqa: ANN202
    """Yield (where, schema) for every integer in a request's parameters and JSON bodies."""
    components = spec.get("components", {}).get("schemas", {})
    for path, operations in spec["paths"].items():
        for parameter in operations.get("parameters", []):  # shared by the path's methods
            where = f"{path} {parameter['in']} {parameter['name']}"
            yield from _integers(parameter.get("schema", {}), where, components)
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for parameter in operation.get("parameters", []):
                where = f"{method} {path} {parameter['in']} {parameter['name']}"
                yield from _integers(parameter.get("schema", {}), where, components)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield from _integers(body["schema"], f"{method} {path} body", components)


def _integers(schema: dict, where: str, components: dict):  # noqa: ANN202
    """Yield (where, schema) for the integers in a schema, following $ref and properties."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    kinds = schema.get("type")
    if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
        yield where, schema
    for name, child in schema.get("properties", {}).items():
        yield from _integers(child, f"{where}.{name}", components)
    if "items" in schema:
        yield from _integers(schema["items"], f"{where}[]", components)


def test_unknown_route_is_problem_json(client) -> None:  # noqa: ANN001
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404


def _openapi_path(rule: str) -> str:
    """Turn a Flask rule into an OpenAPI path template."""
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
