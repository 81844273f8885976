"""``python -m sandbox`` against a running sandbox, as a developer types it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from sandbox.server import SandboxHandle, start_sandbox
from tests.integration.sandbox_cli_runner import run_cli


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox()
    yield handle
    await handle.close()


async def test_request_command_creates_a_request(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli(
        "request", "--app", "OneCal", "--user", "meganb@example.com", "--reason", "Calendar sync",
        "--url", sandbox.url,
    )  # fmt: skip

    assert code == 0, err
    [request] = sandbox.tenant.consent.all()
    assert request.app_display_name == "OneCal"
    assert f"appConsentRequestId: {request.id}" in out


async def test_url_comes_from_the_environment(sandbox: SandboxHandle) -> None:
    sandbox.tenant.create_request("Carerix", "lynner@example.com", "Entretiens")
    code, out, err = await run_cli("state", env_url=sandbox.url)
    assert code == 0, err
    assert "Carerix  [PENDING]" in out
    assert "lynner@example.com: Entretiens" in out


async def test_refusals_exit_non_zero_with_one_line(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli(
        "request", "--app", "No Such App", "--user", "alexw@example.com", "--reason", "r",
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 1
    assert out == ""
    assert err.startswith("sandbox: 404: Unknown app 'No Such App'")
    assert err.count("\n") == 1


async def test_no_sandbox_running_is_reported_clearly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    code, _, err = await run_cli("grants", "--url", f"http://127.0.0.1:{free_port}")
    assert code == 2
    assert f"no sandbox running at http://127.0.0.1:{free_port}" in err
