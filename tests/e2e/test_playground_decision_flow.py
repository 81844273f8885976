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
    write_playground_config,
)
from sandbox.seed import BOT_APP_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.e2e.conftest import BOT_NAME, artifacts_on_failure, review_in_general
from tests.e2e.harness import PlaygroundSession, playground_session
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e


def _workdir(tmp_path: Path, name: str, as_megan: bool) -> Path:
    workdir = tmp_path / name
    workdir.mkdir()
    others = (
        (ALEX_WILBER, *(u for u in DEFAULT_OTHER_USERS if u is not MEGAN_BOWEN))
        if as_megan
        else DEFAULT_OTHER_USERS
    )
    write_playground_config(
        workdir,
        tenant_id=TENANT_ID,
        bot_id=BOT_APP_ID,
        bot_name=BOT_NAME,
        current_user=MEGAN_BOWEN if as_megan else ALEX_WILBER,
        users=others,
    )
    return workdir


@pytest.fixture
async def reviewer(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    workdir = _workdir(tmp_path, "megan", as_megan=True)
    async with playground_session(f"{bot.url}/api/messages", workdir, bot_name=BOT_NAME) as s:
        yield s


@pytest.fixture
async def requester(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    workdir = _workdir(tmp_path, "alex", as_megan=False)
    async with playground_session(f"{bot.url}/api/messages", workdir, bot_name=BOT_NAME) as s:
        yield s


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
