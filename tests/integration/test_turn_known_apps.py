"""Names the store learnt a moment ago are found, though the list of requested apps is cached.

The apps anyone requested are matched against typed names. Their list is
read once for the questions of a burst, so it may lack an app the store
learnt since; a miss is never final, and the catch-up reads the store again.
"""

from __future__ import annotations

from sandbox.server import SandboxHandle
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import ADELE, PATTI, ask, diagnosis_bot

__all__ = ["diagnosis_bot"]  # fixture


async def test_an_app_the_store_learnt_after_the_list_was_read_is_found_by_name(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    warm = await ask(diagnosis_bot, connector, "why can't I connect Pipeline CRM Sidebar?", ADELE)
    assert warm.element("app-name")["text"] == "Pipeline CRM Sidebar"
    created = sandbox.tenant.create_request("OneCal", PATTI.upn, "Team calendars")
    await diagnosis_bot.tick()  # the store knows OneCal now
    # Entra no longer lists it as pending: only the store can name it.
    sandbox.tenant.expire_request(str(created["appConsentRequestId"]))
    answer = await ask(diagnosis_bot, connector, "why can't I connect OneCal?", ADELE)
    assert answer.element("app-name")["text"] == "OneCal"
    assert "choose-none" not in answer.ids()
