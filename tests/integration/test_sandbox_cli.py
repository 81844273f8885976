"""``python -m sandbox`` against a running sandbox, as a developer types it."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.server import SandboxHandle, start_sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox()
    yield handle
    await handle.close()


async def run_cli(*args: str, env_url: str | None = None) -> tuple[int, str, str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if env_url:
        env["SANDBOX_URL"] = env_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


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
