"""A user asks in French in the Agents Playground and reads the answer in French.

The Playground, driven by headless Chromium, runs with a French locale; the
user opens the personal chat with the bot, asks why they cannot connect the
CRM sidebar, and gets the diagnosis card in French, with the situation, the
causes and the next step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.i18n import Messages
from sandbox.server import SandboxHandle
from tests.e2e.conftest import artifacts_on_failure, playground_for
from tests.e2e.harness import PlaygroundSession
from tests.integration.botrig import BotRig

pytestmark = pytest.mark.e2e
FRENCH = Messages.for_locale("fr-FR")


@pytest.fixture
async def playground(bot: BotRig, tmp_path: Path) -> AsyncIterator[PlaygroundSession]:
    """Alex's Playground, in French."""
    async with playground_for(bot, tmp_path / "playground", locale="fr-FR") as session:
        yield session


async def test_a_question_in_french_gets_its_answer_in_french(
    playground: PlaygroundSession, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_consent_settings(user_consent="low", requests_enabled=False)
    ui = playground.ui
    async with artifacts_on_failure("diagnosis_french", ("page", playground)):
        await ui.open_personal_chat()
        await ui.send("pourquoi je ne peux pas connecter Pipeline CRM Sidebar ?")
        card = await ui.wait_for_card_containing(FRENCH.t("diagnosis.situation.3.title"))
        text = await card.inner_text()
        assert FRENCH.t("diagnosis.why_heading") in text
        assert FRENCH.t("diagnosis.next_heading") in text
        assert FRENCH.t("diagnosis.ask_button") in text
        assert "Pipeline CRM Sidebar" in text
        english = Messages.for_locale("en-US")
        assert english.t("diagnosis.situation.3.title") not in text
