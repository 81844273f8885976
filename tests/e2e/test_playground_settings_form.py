"""An admin configures a second channel and a routing rule through the settings form.

In the Agents Playground, driven by headless Chromium: General is the review
destination; Alex opens "settings" in App Reviews, makes it the destination
for high-risk requests with the form, and the next high-risk request's card
lands in App Reviews while an ordinary one still goes to General.
"""

from __future__ import annotations

import pytest

from sandbox.server import SandboxHandle
from tests.e2e.conftest import artifacts_on_failure, review_in_general
from tests.e2e.harness import PlaygroundSession
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e


async def test_the_form_makes_app_reviews_the_high_risk_destination(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle
) -> None:
    ui = playground.ui
    async with artifacts_on_failure("settings_form", ("page", playground)):
        await review_in_general(ui)

        await ui.open_channel("App Reviews")
        await ui.post_mentioning_bot("settings")
        form = await ui.wait_for_card_containing("Settings for")
        await form.get_by_label("Posts reviewer cards").check()
        name = form.get_by_label("Name shown in lists and the audit trail")
        await name.fill("App reviews")
        await form.get_by_label("High-risk requests", exact=False).check()
        await ui.click_card_button("Save", card=form)
        saved = await ui.wait_for_card_containing("Settings saved for App reviews")
        assert "High-risk requests" in await saved.inner_text()

        sandbox.tenant.create_request("Zeliq", "adelev@example.com", "Sequences for my team")
        await bot.tick()
        zeliq = await ui.wait_for_card_containing("Sequences for my team")
        assert "Mail.Send" in await zeliq.inner_text()

        sandbox.tenant.create_request("OneCal", "adelev@example.com", "Calendar on my phone")
        await bot.tick()
        await ui.open_channel("General")
        await ui.wait_for_card_containing("Calendar on my phone")
        general_text = await ui.page.locator("body").inner_text()
        assert "Sequences for my team" not in general_text
