"""The HTTP client against the simulator over real loopback HTTP, with every fault switch."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests

from integrations.registry import (
    BreakerState,
    RegistryUnavailable,
    RetryPolicy,
    VehicleClass,
    VehicleNotFound,
)
from integrations.registry.simulator import create_simulator, run_in_thread
from rules.errors import InvalidInput
from tests.integration.registry.conftest import API_KEY


def test_finds_a_vehicle_by_any_spelling(make_client, stats) -> None:
    record = make_client().lookup("lea 13 2293")
    assert record.registration_number == "LEA-13-2293"
    assert isinstance(record.year, int) and isinstance(record.registration_date, date)
    assert len(record.owner_cnic) == 13


def test_asf_813_and_asf_613_are_different_vehicles(make_client) -> None:
    client = make_client()
    real, misread = client.lookup("ASF-813"), client.lookup("ASF-613")
    assert (real.make, real.colour, real.vehicle_class) == ("Suzuki", "White", VehicleClass.CAR)
    assert misread.vehicle_class is VehicleClass.MOTORCYCLE


def test_found_vehicles_are_cached_until_the_ttl(make_client, stats, clock) -> None:
    client = make_client()
    before = stats()["vehicle_requests"]
    first = client.lookup("AZU-290")
    assert client.lookup("azu290") is first
    assert stats()["vehicle_requests"] == before + 1
    clock.advance(60)
    client.lookup("AZU-290")
    assert stats()["vehicle_requests"] == before + 2


def test_unknown_plate_is_not_found_and_briefly_cached(make_client, stats, clock) -> None:
    client = make_client()
    before = stats()["vehicle_requests"]
    for _ in range(3):
        with pytest.raises(VehicleNotFound):
            client.lookup("ZZZ-999")
    assert stats()["vehicle_requests"] == before + 1
    clock.advance(10)
    with pytest.raises(VehicleNotFound):
        client.lookup("ZZZ-999")
    assert stats()["vehicle_requests"] == before + 2
    assert client.breaker.state is BreakerState.CLOSED


def test_a_bad_plate_never_leaves_the_process(make_client, stats) -> None:
    before = stats()["vehicle_requests"]
    with pytest.raises(InvalidInput):
        make_client().lookup("AB$C/../1")
    assert stats()["vehicle_requests"] == before


def test_wrong_api_key_is_unavailable_not_data(make_client) -> None:
    with pytest.raises(RegistryUnavailable, match="HTTP 401"):
        make_client(api_key="wrong").lookup("ASF-813")


def test_a_bare_404_means_a_wrong_url_not_an_unknown_vehicle(make_client, sim_url) -> None:
    with pytest.raises(RegistryUnavailable, match="HTTP 404"):
        make_client(url=f"{sim_url}/wrong-prefix").lookup("ASF-813")


def test_latency_under_the_read_timeout_is_tolerated(make_client, faults) -> None:
    faults(latency_ms=100, jitter_ms=50)
    assert make_client().lookup("ASF-813").make == "Suzuki"


def test_latency_beyond_the_read_timeout_retries_then_gives_up(make_client, faults, stats):
    faults(latency_ms=600)
    before = stats()["vehicle_requests"]
    started = time.perf_counter()
    with pytest.raises(RegistryUnavailable, match="read timeout"):
        make_client().lookup("ASF-813")
    elapsed = time.perf_counter() - started
    assert stats()["vehicle_requests"] - before == 3  # one attempt and two retries
    assert 0.9 <= elapsed < 2.5  # three read timeouts of 0.3 s, not three 0.6 s answers


def test_server_errors_then_success_is_a_success(make_client, faults, stats) -> None:
    faults(fail_next=2)
    before = dict(stats())
    assert make_client().lookup("ASF-813").model == "Mehran VXR"
    after = stats()
    assert after["error"] - before.get("error", 0) == 2
    assert after["ok"] - before.get("ok", 0) == 1


def test_server_errors_beyond_the_retries_are_unavailable(make_client, faults) -> None:
    faults(fail_next=3)
    client = make_client(retries=RetryPolicy(retries=2, backoff=0.0))
    with pytest.raises(RegistryUnavailable, match=r"HTTP 50[023]"):
        client.lookup("ASF-813")
    assert client.lookup("ASF-813").make == "Suzuki"  # the fourth request is healthy


def test_random_errors_are_absorbed_by_retries(make_client, faults) -> None:
    faults(error_rate=0.3, seed=5)
    client = make_client(retries=RetryPolicy(retries=6, backoff=0.001, backoff_max=0.002))
    plates = ["ASF-813", "ASF-613", "AZU-290", "AC-4903", "LEA-13-2293", "R-8501", "TD-483C"]
    assert [client.lookup(p).plate_key for p in plates] == [p.replace("-", "") for p in plates]


def test_outage_opens_the_breaker_then_half_open_probe_recovers(make_client, faults, stats, clock):
    client = make_client(retries=RetryPolicy(retries=1, backoff=0.0))
    faults(outage="503")
    for _ in range(3):
        with pytest.raises(RegistryUnavailable, match="HTTP 503"):
            client.lookup("ASF-813")
    assert client.breaker.state is BreakerState.OPEN
    before = stats()["vehicle_requests"]
    with pytest.raises(RegistryUnavailable, match="circuit open"):
        client.lookup("ASF-813")
    assert stats()["vehicle_requests"] == before  # failing fast, not hammering
    clock.advance(30)
    with pytest.raises(RegistryUnavailable, match="HTTP 503"):
        client.lookup("ASF-813")  # the probe fails: open again
    assert client.breaker.state is BreakerState.OPEN
    faults()  # the registry comes back
    clock.advance(30)
    assert client.lookup("ASF-813").make == "Suzuki"
    assert client.breaker.state is BreakerState.CLOSED


def test_a_timed_outage_heals_itself_and_the_client_recovers(make_client, faults, clock) -> None:
    client = make_client(retries=RetryPolicy(retries=0))
    faults(outage="503", outage_seconds=0.5)
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            client.lookup("ASF-813")
    assert client.breaker.state is BreakerState.OPEN
    time.sleep(0.6)  # the simulator's clock is real; the breaker's is fake
    clock.advance(30)
    assert client.lookup("ASF-813").make == "Suzuki"
    assert client.breaker.state is BreakerState.CLOSED


def test_dropped_connections_are_unavailable(make_client, faults, stats) -> None:
    faults(outage="drop")
    before = stats()["vehicle_requests"]
    with pytest.raises(RegistryUnavailable, match="connection failed"):
        make_client().lookup("ASF-813")
    assert stats()["vehicle_requests"] - before == 3


def test_connection_refused_then_restart_on_the_same_port(make_client, clock) -> None:
    url, stop = run_in_thread(create_simulator(api_key=API_KEY))
    client = make_client(url=url)
    assert client.lookup("ASF-813").make == "Suzuki"
    stop()
    for plate in ("ASF-613", "AZU-290", "AC-4903"):
        with pytest.raises(RegistryUnavailable, match="ConnectionRefusedError"):
            client.lookup(plate)
    assert client.breaker.state is BreakerState.OPEN
    _, stop = run_in_thread(create_simulator(api_key=API_KEY), port=int(url.rsplit(":", 1)[1]))
    try:
        clock.advance(30)
        assert client.lookup("ASF-613").vehicle_class is VehicleClass.MOTORCYCLE
    finally:
        stop()


def test_refuse_outage_closes_the_port_then_reopens_it(make_client, sim_url, faults, stats):
    client = make_client(retries=RetryPolicy(retries=0))
    faults(outage="refuse", outage_seconds=0.5)
    time.sleep(0.1)  # the listening socket closes just after the admin answer
    with pytest.raises(RegistryUnavailable, match="ConnectionRefusedError"):
        client.lookup("ASF-813")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            stats()
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    assert client.lookup("ASF-813").make == "Suzuki"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("html", "not JSON: content type 'text/html'"),
        ("truncated", "body is not valid JSON"),
        ("not_object", "invalid record"),
        ("wrong_types", "invalid record"),
        ("missing_fields", "invalid record"),
        ("oversized", "body of 200"),
        ("oversized_stream", "body exceeds 16384 bytes"),
        ("trickle", "body took longer than 0.3 s"),
        ("wrong_vehicle", "asked for ASF813, got"),
    ],
)
def test_malformed_answers_are_unavailable_logged_and_not_cached(
    make_client, faults, stats, caplog, kind: str, reason: str
) -> None:
    client = make_client()
    faults(malformed_rate=1.0, malformed_kind=kind)
    with (
        caplog.at_level(logging.WARNING, logger="integrations.registry.http"),
        pytest.raises(RegistryUnavailable) as caught,
    ):
        client.lookup("ASF-813")
    assert reason in caught.value.reason
    assert any(reason in message for message in caplog.messages)
    faults()
    before = stats()["vehicle_requests"]
    assert client.lookup("ASF-813").make == "Suzuki"
    assert stats()["vehicle_requests"] == before + 1


def test_wrongly_typed_fields_are_named_in_the_reason(make_client, faults) -> None:
    faults(malformed_rate=1.0, malformed_kind="wrong_types")
    with pytest.raises(RegistryUnavailable) as caught:
        make_client().lookup("ASF-813")
    assert "year" in caught.value.reason and "owner_cnic" in caught.value.reason


def test_concurrent_lookups_share_one_client(make_client, faults) -> None:
    faults(latency_ms=5, jitter_ms=5)
    client = make_client(pool_size=8)
    plates = ["ASF-813", "ASF-613", "AZU-290", "AC-4903", "LEA-13-2293", "R-8501"] * 5
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda p: client.lookup(p).registration_number, plates))
    assert found == plates
    assert client.breaker.state is BreakerState.CLOSED
