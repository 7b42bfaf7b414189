"""`echallan wallet-sim`: run the JazzCash/Easypaisa-style wallet simulator on a port."""

from __future__ import annotations

import json
import logging

import click
from flask import Flask

from echallan.commands import json_option
from integrations.registry.simulator.server import RestartableServer
from integrations.wallets.simulator import Faults, create_simulator, default_secrets


@click.command("wallet-sim")
@click.option("--port", type=click.IntRange(0, 65535), default=8091, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--webhook-base",
    default="http://127.0.0.1:5000/api/v1/wallets",
    show_default=True,
    help="Where webhooks go: <base>/<provider>/webhook.",
)
@click.option(
    "--secret",
    envvar="WALLET_SIM_SECRET",
    default="wallet-sim-secret",
    show_default=True,
    help="Webhook signing secret of every provider (env WALLET_SIM_SECRET).",
)
@click.option(
    "--api-key",
    envvar="WALLET_SIM_API_KEY",
    default="wallet-sim-key",
    show_default=True,
    help="Required merchant X-Api-Key (env WALLET_SIM_API_KEY).",
)
@click.option("--slow-ms", type=click.FloatRange(0), default=0.0, help="Delay every API call.")
@click.option("--error-500", is_flag=True, help="Answer every merchant API call 500.")
@click.option("--drop-webhook", is_flag=True, help="Send no webhook (reconciliation finds it).")
@click.option("--duplicate-webhook", is_flag=True, help="Send every webhook twice.")
@click.option("--wrong-amount", is_flag=True, help="Take and report 100 paisa less.")
@click.option("--quiet", is_flag=True, help="Do not log every request.")
@json_option
def command(
    port: int,
    host: str,
    webhook_base: str,
    secret: str,
    api_key: str,
    quiet: bool,
    as_json: bool,
    **switches: object,
) -> None:
    """Serve the wallet simulator (faults can be changed later: POST /_faults)."""
    app = build_app(webhook_base, secret, api_key, switches)
    server = RestartableServer(app, host, port, quiet=quiet)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    urls = {name: f"{server.url}/{name}" for name in default_secrets()}
    click.echo(json.dumps({"url": server.url, **urls}) if as_json else f"wallet simulator: {urls}")
    server.start()
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo(json.dumps({"stopped": True}) if as_json else "wallet simulator stopped")
    finally:
        server.stop()


def build_app(webhook_base: str, secret: str, api_key: str, switches: dict[str, object]) -> Flask:
    """Return the simulator app with the fault switches given on the command line."""
    faults = Faults(
        **{name: type(getattr(Faults, name))(value) for name, value in switches.items()}
    )
    return create_simulator(default_secrets(secret), webhook_base, api_key, faults)
