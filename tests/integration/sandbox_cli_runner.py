"""Runs ``python -m sandbox`` in a child process, as a developer types it in a shell.

The child sees only a minimal environment (``PATH``, ``PYTHONPATH`` and, when
given, ``SANDBOX_URL``), so nothing from the test run leaks into what the CLI
reads.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(*args: str, env_url: str | None = None) -> tuple[int, str, str]:
    """Run the sandbox CLI with ``args``; return its exit code, stdout and stderr."""
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
