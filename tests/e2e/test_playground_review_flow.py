"""A reviewer's first minutes, in the Agents Playground driven by headless Chromium.

The bot runs in this process against the sandbox tenant; the Playground is a
real client talking to it over HTTP. The test says `review here` in General,
a user asks for an app in the sandbox, and the reviewer card appears in the
channel with the app and its permissions.
"""

from __future__ import annotations

import pytest

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.e2e.conftest import artifacts_on_failure, review_in_general
from tests.e2e.harness import PlaygroundSession
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e


async def test_review_here_in_general_then_a_request_shows_its_card(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle
) -> None:
    ui = playground.ui
    async with artifacts_on_failure("review_flow", ("page", playground)):
        await review_in_general(ui)

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


async def test_deny_with_a_reason_and_block_after_confirming(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle
) -> None:
    ui = playground.ui
    async with artifacts_on_failure("deny_block_flow", ("page", playground)):
        await review_in_general(ui)
        sandbox.tenant.create_request("Zeliq", "pattif@example.com", "Sequences for my territory")
        sandbox.tenant.create_request("Pipeline CRM Sidebar", "adelev@example.com", "CRM in mail")
        await bot.tick()

        zeliq = await ui.wait_for_card_containing("Sequences for my territory")
        await ui.click_card_button("Deny", card=zeliq)
        await zeliq.get_by_role("textbox").fill("We already use another sequencing tool")
        await ui.click_card_button("Deny request", card=zeliq)
        denied = await ui.wait_for_card_containing("Denied by Alex Wilber")
        assert "We already use another sequencing tool" in await denied.inner_text()

        crm = await ui.wait_for_card_containing("CRM in mail")
        await ui.click_card_button("Block app", card=crm)
        await ui.click_card_button("Yes, block Pipeline CRM Sidebar")
        await ui.wait_for_card_containing("Confirmed by Alex Wilber")
        await bot.services.decision_worker.run_due()
        await bot.services.delivery.run_due()
        await ui.wait_for_card_containing("Blocked by Alex Wilber")
        app = sandbox.tenant.apps.find_app("Pipeline CRM Sidebar")
        assert app is not None
        principal = sandbox.tenant.apps.sp_for_app(app.app_id)
        assert principal is not None
        assert principal.account_enabled is False


async def test_a_reminder_appears_under_the_card(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle, clock: ManualClock
) -> None:
    ui = playground.ui
    async with artifacts_on_failure("reminder_flow", ("page", playground)):
        await review_in_general(ui)
        sandbox.tenant.create_request("Carerix", "lynner@example.com", "Entretiens à planifier")
        await bot.tick()
        await ui.wait_for_card_containing("Entretiens à planifier")
        clock.advance(hours=24)
        await bot.services.reminders.run_due()
        await bot.services.delivery.run_due()
        thread = await ui.wait_for_thread_containing("Still waiting for a review")
        assert "Carerix" in await thread.inner_text()  # the reply sits in the card's thread
