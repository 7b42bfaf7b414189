"""What the control room's monitoring reads: /metrics histograms and gauges, request ids in
JSON logs, and the shipped Grafana dashboard and Prometheus rules, loaded and checked."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from echallan.observability.requests import json_handler
from tests.integration import factories as f
from tests.integration.device_factories import BOX, T0, beat, body, build_junction, clock  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\b(echallan_[a-z0-9_]+)")


def _scrape(client) -> dict[str, list]:  # noqa: ANN001
    """Scrape /metrics; return each sample name's samples."""
    response = client.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        samples.setdefault(family.name, [])
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def _analysed_clip(app: Flask, seconds: float) -> None:
    """Store a clip as a worker leaves it: claimed, then analysed `seconds` later."""
    from echallan.clips.models import Clip
    from echallan.core.extensions import db
    from echallan.core.uow import unit_of_work

    with app.app_context(), unit_of_work():
        db.session.add(
            Clip(
                camera_id=f.CAMERA_ID,
                sha256=f"{seconds:064.0f}".replace(" ", "0")[:64],
                stored_path="/nonexistent.mp4",
                size_bytes=1,
                media_type="video/mp4",
                meta={},
                started_at=T0,
                status="analysed",
                claimed_at=T0,
                analysed_at=T0 + timedelta(seconds=seconds),
            )
        )


def test_clip_analysis_time_is_a_histogram_counted_from_the_clips(app: Flask, client) -> None:  # noqa: ANN001
    with app.app_context():
        f.camera()
    _analysed_clip(app, 3.0)
    _analysed_clip(app, 45.0)
    samples = _scrape(client)
    buckets = {s.labels["le"]: s.value for s in samples["echallan_clip_analysis_seconds_bucket"]}
    assert buckets["2.0"] == 0 and buckets["5.0"] == 1 and buckets["60.0"] == 2
    assert buckets["+Inf"] == 2
    assert samples["echallan_clip_analysis_seconds_sum"][0].value == pytest.approx(48.0, abs=0.01)


def test_request_latency_is_a_histogram_by_route_pattern_and_status(app: Flask, client) -> None:  # noqa: ANN001
    client.get("/staff/sign-in")
    client.get("/no/such/page/12345")
    counts = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in _scrape(client)["echallan_http_request_duration_seconds_count"]
    }
    assert counts[("/staff/sign-in", "200")] >= 1
    assert counts[("<unmatched>", "404")] >= 1  # paths are not labels: one series for all 404s
    assert not any("12345" in route for route, _ in counts)


def test_last_heartbeat_gauge_per_device(app: Flask, client, clock) -> None:  # noqa: ANN001, F811
    with app.app_context():
        junction = build_junction(T0)
    assert beat(client, junction.keys[BOX], BOX, body(T0)).status_code == 202
    samples = _scrape(client)
    last = {
        s.labels["device"]: s.value
        for s in samples["echallan_device_last_heartbeat_timestamp_seconds"]
    }
    intervals = {
        s.labels["device"]: s.value for s in samples["echallan_device_heartbeat_interval_seconds"]
    }
    assert last[BOX] == T0.timestamp() and BOX in intervals and intervals[BOX] == 30.0
    assert set(intervals) > set(last)  # cameras registered but silent: an interval, no beat yet


def test_a_request_id_comes_in_goes_out_and_is_on_the_log_lines(app: Flask) -> None:
    stream = io.StringIO()
    handler = json_handler(stream)
    logging.getLogger().addHandler(handler)

    @app.get("/_test/log")
    def log_something() -> str:
        logging.getLogger("echallan.test").warning("checking %s", "plate AZU-290")
        return "ok"

    try:
        client = app.test_client()
        given = client.get("/_test/log", headers={"X-Request-Id": "lb-7f3a.1"})
        made = client.get("/_test/log", headers={"X-Request-Id": 'bad id "' + "x" * 200})
    finally:
        logging.getLogger().removeHandler(handler)
    assert given.headers["X-Request-Id"] == "lb-7f3a.1"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ours = [line for line in lines if line["logger"] == "echallan.test"]
    assert [line["request_id"] for line in ours] == ["lb-7f3a.1", made.headers["X-Request-Id"]]
    assert ours[0]["message"] == "checking plate AZU-290" and ours[0]["level"] == "WARNING"


def test_the_dashboard_and_the_rules_name_only_metrics_we_export(app: Flask, client, clock) -> None:  # noqa: ANN001, E501, F811
    import yaml

    with app.app_context():
        junction = build_junction(T0)  # registers camera KHI-0001 too
    beat(client, junction.keys[BOX], BOX, body(T0))
    _analysed_clip(app, 1.0)
    exported = set(_scrape(client))
    dashboard = json.loads((DEPLOY / "grafana" / "echallan.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}
    assert {"EchallanDeviceOffline", "EchallanHeartbeatStale", "EchallanAnalysisSlow",
            "EchallanHigh5xxRate"} <= set(alerts)  # fmt: skip
    named = {name for expr in [*exprs, *alerts.values()] for name in METRIC.findall(expr)}
    assert named and named <= exported, f"not exported: {sorted(named - exported)}"
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_promtool_accepts_the_rules_and_their_unit_tests() -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (Debian package prometheus): run `make test`")
    folder = DEPLOY / "prometheus"
    for args in (
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts.test.yml"],
        ["check", "config", "prometheus.yml"],
    ):
        done = subprocess.run(["promtool", *args], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
