"""Approve in the channel, then the requester hears of it: two Playground users, two browsers.

The Playground cannot switch its current user, so the reviewer (Megan Bowen,
Cloud Application Administrator) and the requester (Alex Wilber) each get a
Playground of their own against the same bot. Alex has said hello to the bot
1:1, so the bot knows his personal chat and tells him there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.playground_config import (
    ALEX_WILBER,
    DEFAULT_OTHER_USERS,
    MEGAN_BOWEN,
    PlaygroundUser,
)
from sandbox.server import SandboxHandle
from tests.e2e.conftest import artifacts_on_failure, playground_for, review_in_general
from tests.e2e.harness import PlaygroundSession
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e


def _others(current: PlaygroundUser) -> tuple[PlaygroundUser, ...]:
    """Everyone but ``current``, as the Playground's other users."""
    return tuple(u for u in (ALEX_WILBER, *DEFAULT_OTHER_USERS) if u is not current)


@pytest.fixture
async def reviewer(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    async with playground_for(
        bot, tmp_path / "megan", current_user=MEGAN_BOWEN, users=_others(MEGAN_BOWEN)
    ) as session:
        yield session


@pytest.fixture
async def requester(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    async with playground_for(bot, tmp_path / "alex") as session:
        yield session


async def test_approve_in_channel_shows_decided_card_and_tells_the_requester(
    bot: BotRig,
    sandbox: SandboxHandle,
    reviewer: PlaygroundSession,
    requester: PlaygroundSession,
) -> None:
    async with artifacts_on_failure(
        "decision_flow", ("reviewer", reviewer), ("requester", requester)
    ):
        await requester.ui.open_personal_chat()
        await requester.ui.send("hello")
        await requester.ui.wait_for_card_containing("What I can do")  # the help card answers

        await review_in_general(reviewer.ui)

        sandbox.tenant.create_request("OneCal", "alexw@example.com", "Calendar on my phone")
        await bot.tick()
        card = await reviewer.ui.wait_for_card_containing("Calendar on my phone")
        await reviewer.ui.click_card_button("Approve", card=card)
        await reviewer.ui.wait_for_card_containing("granting consent in your tenant")
        await bot.services.decision_worker.run_due()
        await bot.services.delivery.run_due()

        await reviewer.ui.wait_for_card_containing("Approved by Megan Bowen, ")
        notice = await requester.ui.wait_for_card_containing("OneCal")
        assert "approved" in (await notice.inner_text()).lower()
        grants = [g for g in sandbox.tenant.grants() if g["consentType"] == "AllPrincipals"]
        assert any(g["clientDisplayName"] == "OneCal" for g in grants)
