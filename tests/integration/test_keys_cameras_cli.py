"""`echallan keys ...` and `echallan cameras ...`: the admin desk's operations from a shell."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from echallan.audit.models import AuditEntry
from echallan.core.extensions import db
from tests.integration import factories as f


def run(runner, *args: str) -> object:  # noqa: ANN001
    """Invoke the command and return click's result."""
    return runner.invoke(list(args))


def audited(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """Return (actor, action) of every audit entry."""
    with app.app_context():
        return [
            tuple(r) for r in db.session.execute(sa.select(AuditEntry.actor, AuditEntry.action))
        ]


def test_issue_list_and_revoke_a_key(app, runner) -> None:  # noqa: ANN001
    issued = run(runner, "keys", "issue", "--name", "excise", "--scope", "challans:read", "--json")
    assert issued.exit_code == 0, issued.output
    key = json.loads(issued.stdout)
    assert key["scopes"] == ["challans:read"] and key["key"].startswith(key["key_id"] + ".")
    client = app.test_client()
    url = "/api/v1/partners/challans?plate=ASF-813"
    assert client.get(url, headers={"X-Api-Key": key["key"]}).status_code == 200
    listed = json.loads(run(runner, "keys", "list", "--json").stdout)["keys"]
    assert [k["key_id"] for k in listed] == [key["key_id"]]
    assert listed[0]["last_used_at"] is not None and "key" not in listed[0]
    revoked = run(runner, "keys", "revoke", key["key_id"], "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["active"] is False
    assert client.get(url, headers={"X-Api-Key": key["key"]}).status_code == 401
    assert ("cli:keys-issue", "api_client.created") in audited(app)
    assert ("cli:keys-revoke", "api_client.revoked") in audited(app)


def test_key_text_output_and_refusals(app, runner) -> None:  # noqa: ANN001
    text = run(
        runner, "keys", "issue", "--name", "bank", "--kind", "bank", "--scope", "payments:write"
    )
    assert text.exit_code == 0 and "shown once" in text.stdout
    assert "never used" in run(runner, "keys", "list").stdout
    unknown = run(runner, "keys", "issue", "--name", "x", "--scope", "root:all")
    assert unknown.exit_code == 2
    assert run(runner, "keys", "issue", "--name", "x").exit_code == 2  # a scope is required
    missing = run(runner, "keys", "revoke", "nosuchkey")
    assert missing.exit_code == 1 and "no API key" in missing.output


def write(tmp_path: Path, content: object) -> str:
    """Write a calibration file; return its path."""
    path = tmp_path / "camera.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_add_and_list_a_camera(app, runner, tmp_path) -> None:  # noqa: ANN001
    with app.app_context():
        from echallan.core.uow import unit_of_work
        from echallan.devices import operations as devices

        with unit_of_work():
            devices.register_site("KHI-J01", "test", name="Nursery")
    calibration = write(tmp_path, f.calibration("KHI-0042"))
    added = run(
        runner,
        "cameras",
        "add",
        "--site",
        "KHI-J01",
        "--code",
        "KHI-0042",
        "--calibration",
        calibration,
        "--json",
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == {"id": "KHI-0042", "name": "", "site_id": "KHI-J01"}
    listed = json.loads(run(runner, "cameras", "list", "--json").stdout)["cameras"]
    assert listed[0]["site_name"] == "Nursery" and listed[0]["calibrated"] is True
    assert "calibrated" in run(runner, "cameras", "list").stdout
    assert ("cli:cameras-add", "camera.registered") in audited(app)


def test_bad_calibrations_are_refused_readably(app, runner, tmp_path) -> None:  # noqa: ANN001
    for content, says in (
        ("{oops", "not JSON"),
        ({"camera_id": "KHI-0042"}, "frame_size"),
        (f.calibration("KHI-0007"), "does not match"),
    ):
        result = run(
            runner,
            "cameras",
            "add",
            "--code",
            "KHI-0042",
            "--calibration",
            write(tmp_path, content),
        )
        assert result.exit_code == 1 and says in result.output, result.output
    at_nowhere = run(
        runner,
        "cameras",
        "add",
        "--site",
        "NOPE",
        "--code",
        "KHI-0042",
        "--calibration",
        write(tmp_path, f.calibration("KHI-0042")),
    )
    assert at_nowhere.exit_code == 1 and "no site" in at_nowhere.output
    assert (
        run(runner, "cameras", "add", "--code", "K", "--calibration", "/nonexistent").exit_code == 2
    )
    assert json.loads(run(runner, "cameras", "list", "--json").stdout) == {"cameras": []}


def test_users_add_and_list(app, runner) -> None:  # noqa: ANN001
    added = runner.invoke(
        ["users", "add", "zara", "--role", "supervisor", "--json"],
        input="a long password\na long password\n",
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout.splitlines()[-1])["role"] == "supervisor"
    listed = json.loads(run(runner, "users", "list", "--json").stdout)["users"]
    assert [u["username"] for u in listed] == ["zara"] and "password_hash" not in listed[0]
    short = run(runner, "users", "add", "omar", "--role", "officer", "--password", "short")
    assert short.exit_code == 1 and "8 characters" in short.output
    again = run(runner, "users", "add", "zara", "--role", "officer", "--password", "long enough!")
    assert again.exit_code == 1 and "exists already" in again.output
    assert ("cli:users-add", "user.created") in audited(app)
    client = app.test_client()
    ok = client.post("/api/v1/session", json={"username": "zara", "password": "a long password"})
    assert ok.status_code == 200
