"""Fixtures for the Playground tests: the real bot, in this process, on the sandbox tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from sandbox.playground_config import (
    ALEX_WILBER,
    DEFAULT_OTHER_USERS,
    PlaygroundUser,
    write_playground_config,
)
from sandbox.seed import BOT_APP_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.e2e.harness import PlaygroundSession, playground_session
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


def _configure_playground(
    workdir: Path, current_user: PlaygroundUser, users: Sequence[PlaygroundUser]
) -> None:
    workdir.mkdir()
    write_playground_config(
        workdir,
        tenant_id=TENANT_ID,
        bot_id=BOT_APP_ID,
        bot_name=BOT_NAME,
        current_user=current_user,
        users=users,
    )


@asynccontextmanager
async def playground_for(
    bot: BotRig,
    workdir: Path,
    *,
    locale: str = "en-US",
    current_user: PlaygroundUser = ALEX_WILBER,
    users: Sequence[PlaygroundUser] = DEFAULT_OTHER_USERS,
) -> AsyncIterator[PlaygroundSession]:
    """A Playground in ``workdir`` on the sandbox tenant's people, talking to ``bot``."""
    _configure_playground(workdir, current_user, users)
    async with playground_session(
        f"{bot.url}/api/messages", workdir, bot_name=BOT_NAME, locale=locale
    ) as session:
        yield session


@pytest.fixture
async def playground(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    """One Playground, Alex Wilber's, in English."""
    async with playground_for(bot, tmp_path / "playground") as session:
        yield session


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
