"""Fixtures for the Playground tests: the real bot, in this process, on the sandbox tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.integration.botrig import BotRig, running_bot

BOT_NAME = "Consent Desk"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
async def bot(sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path) -> AsyncIterator[BotRig]:
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path / "data", clock=clock, bot_name=BOT_NAME
    ) as rig:
        yield rig
