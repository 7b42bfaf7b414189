"""`echallan registry-sim`: run the excise-registry simulator (a separate Flask app) on a port."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from echallan.commands import json_option

if TYPE_CHECKING:
    from flask import Flask

OUTAGE_CHOICES = ["off", "503", "drop", "refuse"]


@click.command("registry-sim")
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--seed",
    "seed_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Vehicles JSON (default: the bundled seed.json).",
)
@click.option(
    "--api-key",
    envvar="REGISTRY_SIM_API_KEY",
    default="sim-key",
    show_default=True,
    help="Required X-Api-Key (env REGISTRY_SIM_API_KEY).",
)
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added latency.")
@click.option("--jitter-ms", type=click.FloatRange(0), default=0.0, help="Uniform extra latency.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, help="Fraction of 5xx.")
@click.option(
    "--malformed-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fraction of 200s with a malformed body.",
)
@click.option(
    "--outage",
    type=click.Choice(OUTAGE_CHOICES),
    default="off",
    show_default=True,
    help="503 to every look-up, drop connections unanswered, or refuse them for --outage-seconds.",
)
@click.option(
    "--outage-seconds",
    type=click.FloatRange(0),
    default=0.0,
    help="Heal the outage by itself after this long (0: never).",
)
@click.option("--fault-seed", type=int, default=0, help="Seed for the fault dice.")
@click.option("--quiet", is_flag=True, help="Do not log every request.")
@json_option
def command(
    port: int,
    host: str,
    seed_path: Path | None,
    api_key: str,
    quiet: bool,
    as_json: bool,
    **switches: object,
) -> None:
    """Serve the registry simulator's REST API (faults can be changed later: POST /_faults)."""
    from integrations.registry.simulator.server import RestartableServer

    if switches["outage"] == "refuse" and not switches["outage_seconds"]:
        raise click.BadParameter("--outage refuse needs --outage-seconds", param_hint="--outage")
    app = build_app(seed_path, api_key, switches)
    server = RestartableServer(app, host, port, quiet=quiet)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if as_json:  # one line a supervisor can parse for the bound port
        click.echo(json.dumps({"url": server.url, "vehicles": f"{server.url}/api/v1/vehicles/"}))
    else:
        click.echo(f"registry simulator: {server.url}/api/v1/vehicles/<plate>")
    server.start()
    if switches["outage"] == "refuse":
        server.refuse_for(float(switches["outage_seconds"]))
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo(json.dumps({"stopped": True}) if as_json else "registry simulator stopped")
    finally:
        server.stop()


def build_app(seed_path: Path | None, api_key: str, switches: dict[str, object]) -> Flask:
    """Return the simulator app with the fault switches given on the command line."""
    from integrations.registry.simulator import FaultConfig, create_simulator

    faults = FaultConfig(
        latency_ms=float(switches["latency_ms"]),
        jitter_ms=float(switches["jitter_ms"]),
        error_rate=float(switches["error_rate"]),
        malformed_rate=float(switches["malformed_rate"]),
        outage=str(switches["outage"]),
        outage_seconds=float(switches["outage_seconds"]),
        seed=int(switches["fault_seed"]),
    )
    return create_simulator(seed_path, api_key=api_key, faults=faults)
