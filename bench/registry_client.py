"""Registry client: look-ups per second against the simulator on loopback, and added latency.

    .venv/bin/python bench/registry_client.py [--lookups 2000] [--threads 4]
        [--server werkzeug|gunicorn|thread]

The simulator runs in its own process (`echallan registry-sim`, or gunicorn's threaded worker with
keep-alive), so client and server do not share a GIL. Per look-up (cache off) it records the
client-observed time and the simulator's own time from its `Server-Timing: app;dur=` header;
"added" is the difference: everything the client and the wire add (requests/urllib3, HTTP parsing
on both ends, the server outside the app, validation). A bare http.client GET on the same kind of
connection, interleaved with the client's look-ups, gives the floor any HTTP client pays, so
"client library" = client - bare. "cpu" is the thread CPU time a look-up consumed in this
process, which a loaded machine does not inflate the way it inflates waiting. Werkzeug closes
every connection, so there each look-up pays a TCP connect and a server thread start; gunicorn
keeps connections alive like a production registry.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrations.registry import CacheTtl, HttpVehicleRegistry  # noqa: E402
from integrations.registry.simulator import DEFAULT_SEED, create_simulator  # noqa: E402
from integrations.registry.simulator.server import run_in_thread  # noqa: E402

API_KEY = "bench-key"
NO_CACHE = CacheTtl(found=0, not_found=0)


def percentiles(values: list[float]) -> dict[str, float]:
    """Return p50, p95, p99 and max of a list of milliseconds."""
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": ordered[-1]}


def server_ms(response: requests.Response | http.client.HTTPResponse) -> float:
    """Return the simulator's own time from Server-Timing, in milliseconds."""
    header = response.headers.get("Server-Timing", "") if response.headers else ""
    return float(header.split("dur=")[1]) if "dur=" in header else float("nan")


@contextmanager
def simulator(server: str) -> Iterator[str]:
    """Run the simulator (in a thread, or its own werkzeug or gunicorn process); yield its URL."""
    if server == "thread":
        url, stop = run_in_thread(create_simulator(api_key=API_KEY))
        yield url
        stop()
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(server_command(server, port), cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def server_command(server: str, port: int) -> list[str]:
    """Return the command serving the simulator: the CLI (werkzeug) or gunicorn with keep-alive."""
    if server == "werkzeug":
        code = "from echallan.commands.registry_sim import command; command()"
        return [sys.executable, "-c", code, "--port", str(port), "--api-key", API_KEY, "--quiet"]
    app = f"integrations.registry.simulator:create_simulator(api_key='{API_KEY}')"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [
        gunicorn,
        "-k",
        "gthread",
        "--threads",
        "8",
        "--keep-alive",
        "30",
        "-w",
        "1",
        "--log-level",
        "warning",
        "-b",
        f"127.0.0.1:{port}",
        app,
    ]


def wait_until_up(url: str, seconds: float = 30.0) -> None:
    """Poll /_health until the simulator answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/_health", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"simulator at {url} did not start")


def seed_plates() -> list[str]:
    """Return every plate of the bundled seed."""
    vehicles = json.loads(DEFAULT_SEED.read_text())["vehicles"]
    return [v["registration_number"] for v in vehicles]


def timed_client(url: str) -> tuple[HttpVehicleRegistry, list[float]]:
    """Return an uncached client whose session records each response's server time."""
    server_times: list[float] = []
    session = requests.Session()
    session.trust_env = False  # as the client's own sessions
    session.hooks["response"].append(lambda r, *a, **k: server_times.append(server_ms(r)))
    return HttpVehicleRegistry(url, API_KEY, cache_ttl=NO_CACHE, session=session), server_times


class BareGetter:
    """GET vehicles with http.client and json only: the floor any HTTP client pays."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)

    def get(self, plate: str) -> float:
        """Fetch and decode one vehicle; return the server's own milliseconds."""
        self.connection.request("GET", f"/api/v1/vehicles/{plate}", headers={"X-Api-Key": API_KEY})
        response = self.connection.getresponse()
        json.loads(response.read())
        return server_ms(response)


def measure_interleaved(url: str, plates: list[str]) -> dict[str, tuple[list, list]]:
    """Alternate a bare GET and a client look-up per plate, so both see the same load."""
    client, server_times = timed_client(url)
    bare = BareGetter(url)
    for plate in plates[:50]:  # warm the connection and the code paths
        client.lookup(plate)
        bare.get(plate)
    server_times.clear()
    figures: dict[str, tuple[list, list]] = {"bare http": ([], []), "client": ([], [])}
    cpu: dict[str, list[float]] = {"bare http": [], "client": []}
    for plate in plates:
        started, cpu_started = time.perf_counter(), time.thread_time()
        figures["bare http"][1].append(bare.get(plate))
        figures["bare http"][0].append((time.perf_counter() - started) * 1000.0)
        cpu["bare http"].append((time.thread_time() - cpu_started) * 1000.0)
        started, cpu_started = time.perf_counter(), time.thread_time()
        client.lookup(plate)
        figures["client"][0].append((time.perf_counter() - started) * 1000.0)
        cpu["client"].append((time.thread_time() - cpu_started) * 1000.0)
    figures["client"][1].extend(server_times)
    for name, values in cpu.items():
        cells = "  ".join(f"{k} {v:7.3f}" for k, v in percentiles(values).items())
        print(f"  {name:<14} {'cpu':<9} ms  {cells}")
    client.close()
    bare.connection.close()
    return figures


def throughput(lookup: Callable[[str], object], plates: list[str], threads: int) -> float:
    """Return look-ups per second over the plates with a number of threads."""
    started = time.perf_counter()
    if threads == 1:
        for plate in plates:
            lookup(plate)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lookup, plates))
    return len(plates) / (time.perf_counter() - started)


def report_latency(name: str, observed: list[float], server: list[float]) -> dict[str, float]:
    """Print percentiles of observed, server and added time; return the added ones."""
    added = [o - s for o, s in zip(observed, server, strict=True)]
    for label, values in (("observed", observed), ("server", server), ("added", added)):
        figures = percentiles(values)
        cells = "  ".join(f"{k} {v:7.3f}" for k, v in figures.items())
        print(f"  {name:<14} {label:<9} ms  {cells}")
    return percentiles(added)


def run_throughput(url: str, plates: list[str], threads: int) -> None:
    """Print look-ups per second uncached (1 and N threads) and from the cache."""
    cold = HttpVehicleRegistry(url, API_KEY, cache_ttl=NO_CACHE, pool_size=threads)
    print(f"  uncached, 1 thread      {throughput(cold.lookup, plates, 1):9.0f} look-ups/s")
    rate = throughput(cold.lookup, plates, threads)
    print(f"  uncached, {threads} threads     {rate:9.0f} look-ups/s")
    warm = HttpVehicleRegistry(url, API_KEY)
    throughput(warm.lookup, plates, 1)
    print(f"  cached (all hits)       {throughput(warm.lookup, plates * 20, 1):9.0f} look-ups/s")
    cold.close()
    warm.close()


def main() -> None:
    """Parse arguments, run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--server",
        choices=["werkzeug", "gunicorn", "thread"],
        default="werkzeug",
        help="werkzeug: `echallan registry-sim` (closes every connection); "
        "gunicorn: gthread with keep-alive; thread: in this process",
    )
    args = parser.parse_args()
    rng = random.Random(1)
    plates = rng.choices(seed_plates(), k=args.lookups)
    where = {"thread": "in-process thread"}.get(args.server, f"{args.server}, own process")
    print(f"registry client vs simulator on loopback ({where}), {args.lookups} look-ups")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with simulator(args.server) as url:
        figures = measure_interleaved(url, plates)
        bare = report_latency("bare http", *figures["bare http"])
        added = report_latency("client", *figures["client"])
        print(
            f"  client library over bare http: p50 {added['p50'] - bare['p50']:.3f} ms, "
            f"p95 {added['p95'] - bare['p95']:.3f} ms"
        )
        verdict = "meets" if added["p95"] < 5.0 else "MISSES"
        print(f"  target: added p95 < 5 ms: {added['p95']:.3f} ms ({verdict})")
        run_throughput(url, plates, args.threads)
    print(f"  threads alive at exit: {threading.active_count()}")


if __name__ == "__main__":
    main()
