"""A small Flask app that speaks the registry's REST API from a seed file, with fault switches."""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from marshmallow import ValidationError

from integrations.registry.base import plate_key
from integrations.registry.schemas import VEHICLE_SCHEMA
from integrations.registry.simulator.faults import FaultConfig, FaultDice, FaultSchema, Verdict
from rules.errors import InvalidInput

DEFAULT_SEED = Path(__file__).with_name("seed.json")
DEFAULT_API_KEY = "sim-key"
OPEN_PATHS = frozenset({"/_health"})

bp = Blueprint("registry_simulator", __name__)


@dataclass
class SimulatorState:
    """Everything one simulator instance serves and counts."""

    records: dict[str, dict[str, Any]]
    dice: FaultDice
    api_key: str
    stats: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set by the simulator's own server (RestartableServer) so "refuse" can close its socket.
    refuse_for: Callable[[float], None] | None = None

    def arrived(self) -> None:
        """Count a vehicle request as soon as it arrives (before any injected delay)."""
        with self.lock:
            self.stats["vehicle_requests"] += 1

    def count(self, outcome: str) -> None:
        """Count one vehicle request by what it was answered with."""
        with self.lock:
            self.stats[outcome] += 1


def create_simulator(
    seed_path: str | Path | None = None,
    api_key: str = DEFAULT_API_KEY,
    faults: FaultConfig | None = None,
) -> Flask:
    """Return the simulator app serving the vehicles in seed_path (the bundled seed by default)."""
    app = Flask("registry_simulator")
    records = load_seed(Path(seed_path) if seed_path else DEFAULT_SEED)
    app.extensions["registry_simulator"] = SimulatorState(records, FaultDice(faults), api_key)
    app.before_request(_start_timer)
    app.before_request(_check_api_key)
    app.after_request(_add_server_timing)
    app.register_blueprint(bp)
    return app


def load_seed(path: Path) -> dict[str, dict[str, Any]]:
    """Read and validate the seed file; return wire-form records keyed by plate key."""
    document = json.loads(path.read_text(encoding="utf-8"))
    rows = document["vehicles"] if isinstance(document, dict) else document
    records: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        try:
            record = VEHICLE_SCHEMA.load(row)
        except ValidationError as exc:
            raise ValueError(f"{path}: vehicle #{index} is invalid: {exc.messages}") from exc
        if record.plate_key in records:
            raise ValueError(f"{path}: plate {record.registration_number} appears twice")
        records[record.plate_key] = VEHICLE_SCHEMA.dump(record)
    return records


def state() -> SimulatorState:
    """Return the running simulator's state."""
    return current_app.extensions["registry_simulator"]


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """Return an RFC 9457 problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status, mimetype="application/problem+json")


def _start_timer() -> None:
    """Note when the request reached the app, for Server-Timing."""
    g.started = time.perf_counter()


def _check_api_key() -> Response | None:
    """Refuse requests without the right X-Api-Key (health checks excepted)."""
    if request.path in OPEN_PATHS:
        return None
    given = request.headers.get("X-Api-Key", "")
    if not hmac.compare_digest(given.encode(), state().api_key.encode()):
        return problem(401, "Unauthorized", "missing or wrong X-Api-Key")
    return None


def _add_server_timing(response: Response) -> Response:
    """Tell the client how long the app itself took (W3C Server-Timing, milliseconds)."""
    started = g.get("started")
    if started is not None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.3f}"
    return response


@bp.get("/api/v1/vehicles/<plate>")
def get_vehicle(plate: str) -> Response:
    """Answer one look-up, after whatever the fault switches decide."""
    sim = state()
    sim.arrived()
    verdict = sim.dice.roll()
    if verdict.delay_s > 0:
        time.sleep(verdict.delay_s)
    faulty = _apply_fault(sim, verdict)
    if faulty is not None:
        return faulty
    try:
        key = plate_key(plate)
    except InvalidInput as exc:
        sim.count("invalid")
        return problem(422, "Invalid plate", exc.detail)
    record = sim.records.get(key)
    if record is None:
        sim.count("not_found")
        return problem(404, "Vehicle not found", f"no registered vehicle with plate {key}")
    if verdict.malformed_kind:
        sim.count("malformed")
        return malformed(verdict.malformed_kind, record, sim.records)
    sim.count("ok")
    return Response(json.dumps(record), 200, mimetype="application/json")


def _apply_fault(sim: SimulatorState, verdict: Verdict) -> Response | None:
    """Return the outage or error response the verdict calls for, if any."""
    if verdict.outage == "503":
        sim.count("outage")
        return problem(503, "Service unavailable", "registry under maintenance")
    if verdict.outage in ("drop", "refuse"):  # refuse: requests already in flight are dropped
        sim.count("dropped")
        return _drop_connection()
    if verdict.error_status is not None:
        sim.count("error")
        if verdict.error_status == 502:  # what a proxy in front of a dead backend sends
            return Response("<html><h1>502 Bad Gateway</h1></html>", 502, mimetype="text/html")
        return problem(verdict.error_status, "Injected failure", "simulated server error")
    return None


def _drop_connection() -> Response:
    """Close the socket without answering (a crashed backend); 503 where that is impossible."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return problem(503, "Service unavailable", "simulated outage")
    sock.shutdown(socket.SHUT_RDWR)
    return Response(status=503)  # never reaches the client


def malformed(kind: str, record: dict[str, Any], records: dict[str, dict[str, Any]]) -> Response:
    """Return a 200 whose body is wrong in the given way."""
    if kind == "html":
        return Response("<html><body>Request blocked</body></html>", 200, mimetype="text/html")
    if kind in ("oversized_stream", "trickle"):
        # No Content-Length: chunked, so only a client that counts (or times) the body notices.
        return Response(_streamed(kind, record), 200, mimetype="application/json")
    body = json.dumps(_malformed_payload(kind, record, records))
    if kind == "truncated":
        body = body[: len(body) // 2]
    return Response(body, 200, mimetype="application/json")


def _streamed(kind: str, record: dict[str, Any]) -> Iterator[str]:
    """Yield an endless-looking 200 kB body, or a valid record in ten pieces 0.1 s apart."""
    if kind == "oversized_stream":
        yield '{"remarks": "'
        for _ in range(50):
            yield "x" * 4096
        yield '"}'
        return
    text = json.dumps(record)
    step = len(text) // 10 + 1
    for start in range(0, len(text), step):
        yield text[start : start + step]
        time.sleep(0.1)


def _malformed_payload(kind: str, record: dict[str, Any], records: dict[str, Any]) -> Any:
    """Return the JSON value for a malformed answer of the given kind."""
    if kind == "not_object":
        return [record]
    if kind == "wrong_types":
        return {**record, "year": str(record["year"]), "owner_cnic": int(record["owner_cnic"])}
    if kind == "missing_fields":
        return {k: v for k, v in record.items() if k not in ("make", "owner_cnic")}
    if kind == "oversized":
        return {**record, "remarks": "x" * 200_000}
    if kind == "wrong_vehicle":
        others = sorted(k for k in records if k != plate_key(record["registration_number"]))
        return records[others[0]]
    return record  # "truncated" cuts the serialised text instead


@bp.get("/_faults")
def get_faults() -> Response:
    """Show the switches in force."""
    return Response(json.dumps(state().dice.config.to_dict()), 200, mimetype="application/json")


@bp.post("/_faults")
def set_faults() -> Response:
    """Replace every switch with the posted ones (those left out go back to healthy)."""
    try:
        config = FaultSchema().load(request.get_json(force=True, silent=True) or {})
    except ValidationError as exc:
        return problem(422, "Invalid fault switches", "see errors", errors=exc.messages)
    sim = state()
    if config.outage == "refuse" and sim.refuse_for is None:
        detail = "'refuse' needs the simulator's own server (run_in_thread or the CLI)"
        return problem(422, "Invalid fault switches", detail)
    sim.dice.configure(config)
    current_app.logger.warning("registry simulator faults now %s", config.to_dict())
    if config.outage == "refuse":
        sim.refuse_for(config.outage_seconds)
    return get_faults()


@bp.delete("/_faults")
def clear_faults() -> Response:
    """Heal the registry."""
    state().dice.configure(FaultConfig())
    return get_faults()


@bp.get("/_stats")
def get_stats() -> Response:
    """Count vehicle requests by outcome (ok, not_found, error, malformed, outage, ...)."""
    sim = state()
    with sim.lock:
        body = dict(sim.stats, vehicles=len(sim.records))
    return Response(json.dumps(body), 200, mimetype="application/json")


@bp.get("/_health")
def health() -> Response:
    """Say the process is up, whatever the fault switches say."""
    return Response('{"status": "ok"}', 200, mimetype="application/json")
