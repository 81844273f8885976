"""A sandbox tenant of its own and a raw HTTP client on its Graph, for these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.server import SandboxHandle, start_sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox()
    yield handle
    await handle.close()


@pytest.fixture
async def graph(sandbox: SandboxHandle) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": "Bearer sandbox-token"}
    async with aiohttp.ClientSession(sandbox.url, headers=headers) as session:
        yield session
