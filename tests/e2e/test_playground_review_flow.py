"""A reviewer's first minutes, in the Agents Playground driven by headless Chromium.

The bot runs in this process against the sandbox tenant; the Playground is a
real client talking to it over HTTP. The test says `review here` in General,
a user asks for an app in the sandbox, and the reviewer card appears in the
channel with the app and its permissions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.playground_config import write_playground_config
from sandbox.seed import BOT_APP_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.e2e.conftest import ARTIFACTS, BOT_NAME
from tests.e2e.harness import PlaygroundSession, playground_session
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e


@pytest.fixture
async def playground(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    workdir = tmp_path / "playground"
    workdir.mkdir()
    write_playground_config(workdir, tenant_id=TENANT_ID, bot_id=BOT_APP_ID, bot_name=BOT_NAME)
    async with playground_session(f"{bot.url}/api/messages", workdir, bot_name=BOT_NAME) as session:
        yield session


async def test_review_here_in_general_then_a_request_shows_its_card(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    ui = playground.ui
    try:
        await ui.open_channel("General")
        await ui.post_mentioning_bot("review here")
        await ui.wait_for_card_containing("Reviewer cards will be posted here")

        sandbox.tenant.create_request(
            "OneCal", "adelev@example.com", "I need my work calendar on my phone"
        )
        await bot.tick()

        card = await ui.wait_for_card_containing("OneCal")
        text = await card.inner_text()
        assert "Calendars.ReadWrite" in text
        assert "Adele Vance" in text
        assert "I need my work calendar on my phone" in text
        entra = await ui.card_link_url("Review in Entra", card=card)
        assert entra is not None
        assert "adminconsent" in entra
        assert "bf_id=" in entra
        await ui.screenshot(tmp_path / "reviewer-card.png")
    except Exception:
        # Screenshot, traffic and logs for whoever reads the failure.
        target = ARTIFACTS / "review_flow"
        target.mkdir(parents=True, exist_ok=True)
        await playground.save_artifacts(target)
        raise
