"""Every API operation, fed requests generated from the OpenAPI document, never answers 500.

The schemathesis command runs against the app served on loopback, as an outside client would
call it. Its coverage phase sends each operation the boundary values its schema names and the
ones just past them (missing fields, wrong types, numbers past every limit); a short fuzzing
phase adds random ones. Bad input must get a 4xx problem, never a server error. Requests go as
a signed-in admin and as a partner key holding every scope, so they reach past authentication.
This short run is a smoke check. Longer runs of the same command against the demo (25 to 40
examples an operation, every phase, five credentials) found 500s on oversized ids, offsets and
ages, and checking that class by hand found one more (a device's uptime counter);
`test_every_integer_a_request_carries_has_a_maximum` pins the class, which five random examples
rarely reach.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from echallan.core.auth import SCOPES
from tests.integration import factories as f


def schemathesis_command() -> str:
    """Return the schemathesis console script of this environment, or skip without it."""
    beside = Path(sys.executable).with_name("schemathesis")
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    if not found:
        pytest.skip("schemathesis is not installed (it is in the test extra)")
    return found


def run_schemathesis(
    served: str, checks: str, phases: str, max_examples: int, headers: list[str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run schemathesis against the served app's OpenAPI document (seeded, one worker)."""
    command = [
        schemathesis_command(),
        "run",
        f"{served}/api/v1/openapi.json",
        f"--checks={checks}",
        f"--phases={phases}",
        f"--max-examples={max_examples}",
        "--seed=1",
        "--workers=1",
        "--request-timeout=30",
        *(f"--header={header}" for header in headers),
    ]
    # cwd: its cache goes to the run's folder, not the checkout
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=cwd
    )


def credentials(app: Flask) -> list[list[str]]:
    """Return header lines for a signed-in admin (cookie and CSRF token) and a partner key."""
    with app.app_context():
        f.staff("root", "admin")
        key = f.partner_key(sorted(SCOPES))
    client = app.test_client()
    token = f.sign_in(client, "root")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return [[f"Cookie: session={cookie.value}", f"X-CSRFToken: {token}"], [f"X-Api-Key: {key}"]]


@pytest.mark.parametrize("who", ["admin", "partner"])
def test_no_request_gets_a_server_error(app: Flask, served: str, who: str, tmp_path: Path) -> None:
    headers = credentials(app)[["admin", "partner"].index(who)]
    done = run_schemathesis(served, "not_a_server_error", "coverage,fuzzing", 5, headers, tmp_path)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Server error" not in done.stdout
