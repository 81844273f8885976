"""Clicking Approve, Deny and Block on a reviewer card as a given person, and what follows.

The people are sandbox tenant users with the roles the decision rules look at.
A click is an ``adaptiveCard/action`` invoke as Teams sends it from the General
channel; ``settle`` then runs the queued Graph work and delivers what it queued,
and the outcome is read back from the sandbox tenant and the recording connector.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.seed import TENANT_ID
from sandbox.server import SandboxHandle
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig

ALEX = ("00000000-0000-0000-0000-000000000020", "Alex Wilber")  # Global Administrator
MEGAN = ("00000000-0000-0000-0000-000000000021", "Megan Bowen")  # Cloud App Administrator
ADELE = ("00000000-0000-0000-0000-000000000022", "Adele Vance")  # ordinary user
ISAIAH = ("00000000-0000-0000-0000-000000000023", "Isaiah Langer")  # reviewer group, no role


def click(
    verb: str, request_id: str, who: tuple[str, str], service_url: str, **inputs: str
) -> dict[str, Any]:
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"invoke-{verb}-{who[0][-2:]}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{who[0]}", "name": who[1], "aadObjectId": who[0]},
        "recipient": {"id": "28:bot", "name": "Consent Desk"},
        "conversation": {
            "id": f"{GENERAL_CHANNEL};messageid=1",
            "conversationType": "channel",
            "tenantId": TENANT_ID,
        },
        "channelData": {
            "channel": {"id": GENERAL_CHANNEL},
            "team": {"id": GENERAL_CHANNEL},
            "tenant": {"id": TENANT_ID},
        },
        "value": {
            "action": {
                "type": "Action.Execute",
                "verb": verb,
                "data": {"request_id": request_id, **inputs},
            }
        },
        "locale": "en-US",
    }


async def press(bot: BotRig, body: dict[str, Any]) -> str:
    """Send the invoke; return the card the clicker sees, as text."""
    answer = await bot.post_activity(body)
    assert answer.status == 200, answer.text
    return answer.text


def texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def settle(bot: BotRig) -> None:
    """Run the Graph work of queued decisions and deliver everything it queued."""
    await bot.services.delivery.run_due()
    await bot.services.decision_worker.run_due()
    await bot.services.delivery.run_due()


async def ask(bot: BotRig, sandbox: SandboxHandle, app: str, user: str, reason: str) -> str:
    created = sandbox.tenant.create_request(app, user, reason)
    await bot.tick()
    return str(created["appConsentRequestId"])


def tenant_wide(sandbox: SandboxHandle, app_name: str) -> list[dict[str, Any]]:
    return [
        g
        for g in sandbox.tenant.grants()
        if g["consentType"] == "AllPrincipals" and g["clientDisplayName"] == app_name
    ]


def notices(connector: RecordingConnector) -> list[dict[str, Any]]:
    return [
        connector.card_of(c)
        for c in connector.posts()
        if "/activities" in c.path and GENERAL_CHANNEL not in c.path
    ]
