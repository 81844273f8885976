"""Help arrives unasked in the Agents Playground's personal chat.

Alex (an admin) switches proactive help on in his personal chat with the bot;
Entra then stops him connecting Zeliq (no request form: AADSTS90094), the
sign-in log records it, and one pass of proactive help later the answer is in
his chat without his asking: the situation, "Ask the reviewers for me", and
how to stop such messages.
"""

from __future__ import annotations

import pytest

from domain.i18n import Messages
from sandbox.seed import BOT_APPLICATION_PERMISSIONS
from sandbox.server import SandboxHandle
from tests.e2e.conftest import artifacts_on_failure
from tests.e2e.harness import PlaygroundSession
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e
EN = Messages.for_locale("en-US")


async def test_the_answer_arrives_unasked_in_the_personal_chat(
    playground: PlaygroundSession, bot: BotRig, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_bot_permissions(
        BOT_APPLICATION_PERMISSIONS | {"AuditLog.Read.All", "Directory.Read.All"}
    )
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    ui = playground.ui
    async with artifacts_on_failure("proactive_help", ("page", playground)):
        await ui.open_personal_chat()
        await ui.send("proactive help on")
        await ui.wait_for_card_containing(EN.t("proactive_help.switched_on"))

        attempt = sandbox.tenant.attempt_sign_in("Zeliq", "alexw@example.com")
        assert attempt["outcome"] == "need_admin_approval"
        report = await bot.services.proactive_help.run_once()
        assert report.offered == 1
        await bot.services.delivery.run_due()

        card = await ui.wait_for_card_containing(EN.t("diagnosis.situation.3.title"))
        text = await card.inner_text()
        assert EN.t("outreach.title", app="Zeliq") in text
        assert EN.t("diagnosis.ask_button") in text
        assert EN.t("outreach.stop_hint") in text
