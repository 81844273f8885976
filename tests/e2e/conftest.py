"""Fixtures for the Playground tests: the real bot, in this process, on the sandbox tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.e2e.harness import PlaygroundSession
from tests.e2e.playground_page import PlaygroundPage
from tests.integration.botrig import BotRig, running_bot

BOT_NAME = "Consent Desk"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
async def bot(sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path) -> AsyncIterator[BotRig]:
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path / "data", clock=clock, bot_name=BOT_NAME
    ) as rig:
        yield rig


@asynccontextmanager
async def artifacts_on_failure(
    name: str, *sessions: tuple[str, PlaygroundSession]
) -> AsyncIterator[None]:
    """Keep screenshots, traffic and logs of every Playground when the test body fails."""
    try:
        yield
    except Exception:
        for label, session in sessions:
            target = ARTIFACTS / name / label
            target.mkdir(parents=True, exist_ok=True)
            await session.save_artifacts(target)
        raise


async def review_in_general(ui: PlaygroundPage) -> None:
    """Make the team's General channel the review destination, as a reviewer would."""
    await ui.open_channel("General")
    await ui.post_mentioning_bot("review here")
    await ui.wait_for_card_containing("Reviewer cards will be posted here")
