"""A start builds no Graph SDK client: msgraph-sdk is imported at the first call through it.

The bot is started in a fresh interpreter (against the in-process sandbox
tenant, which does not use the SDK) exactly as ``python app.py`` composes it,
then asked which of the slow-to-import packages it has loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_START = """
import asyncio, sys
from aiohttp import web
from app import create_app
from config.settings import Settings
from sandbox.seed import fresh_tenant
from sandbox.server import start_sandbox

async def main(data_dir):
    sandbox = await start_sandbox(port=0, tenant=fresh_tenant())
    settings = Settings(_env_file=None, graph_base_url=sandbox.url, data_dir=data_dir)
    runner = web.AppRunner(create_app(settings, start_jobs=False))
    await runner.setup()
    loaded = {m.split(".")[0] for m in sys.modules} & {"msgraph", "kiota_http", "alembic"}
    await runner.cleanup()
    await sandbox.close()
    print(" ".join(sorted(loaded)))

asyncio.run(main(sys.argv[1]))
"""


def _start(data_dir: Path) -> list[str]:
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", _START, str(data_dir)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def test_a_second_start_loads_neither_the_graph_sdk_nor_alembic(tmp_path: Path) -> None:
    assert "alembic" in _start(tmp_path)  # the first start creates the schema
    assert _start(tmp_path) == []
