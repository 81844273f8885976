"""The activities Teams sends, as the benchmarks post them to ``/api/messages``.

The same shapes as the integration tests' rigs (``tests/integration/botrig.py``,
``decision_clicks.py``, ``diagnosis_rig.py``): an admin's @mention in the
General channel, a person's 1:1 message, an ``adaptiveCard/action`` invoke
from a reviewer card. They are written out here instead of imported because
those rigs import the bot itself: the load generator must not, so that a bot
that cannot even import shows up as a failed start in the report (its own
process dies) rather than as a suite that cannot run. The people are the
sandbox tenant's seeded users.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

TENANT = "00000000-0000-0000-0000-000000000001"
GENERAL_CHANNEL = "19:general-channel@thread.tacv2"
TEAM_ID = "19:team-id@thread.tacv2"
BOT = {"id": "28:bot", "name": "Consent Desk"}
_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    upn: str

    def account(self) -> dict[str, str]:
        return {"id": f"29:{self.id}", "name": self.name, "aadObjectId": self.id}


ALEX = Person("00000000-0000-0000-0000-000000000020", "Alex Wilber", "alexw@example.com")
"""Global Administrator."""
MEGAN = Person("00000000-0000-0000-0000-000000000021", "Megan Bowen", "meganb@example.com")
"""Cloud Application Administrator."""
ADELE = Person("00000000-0000-0000-0000-000000000022", "Adele Vance", "adelev@example.com")
PATTI = Person("00000000-0000-0000-0000-000000000024", "Patti Fernandez", "pattif@example.com")
LYNNE = Person("00000000-0000-0000-0000-000000000025", "Lynne Robbins", "lynner@example.com")


def _channel(conversation_suffix: str) -> dict[str, Any]:
    return {
        "conversation": {
            "id": f"{GENERAL_CHANNEL};messageid={conversation_suffix}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelData": {
            "channel": {"id": GENERAL_CHANNEL, "name": "General"},
            "team": {"id": TEAM_ID, "name": "My Team"},
            "tenant": {"id": TENANT},
        },
    }


def channel_message(text: str, service_url: str, who: Person = ALEX) -> dict[str, Any]:
    """``@Consent Desk <text>`` posted in the General channel."""
    number = next(_ids)
    return {
        "type": "message",
        "id": f"msg-{number}",
        "text": f"<at>Consent Desk</at> {text}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": who.account(),
        "recipient": BOT,
        **_channel(str(number)),
        "entities": [{"type": "mention", "text": "<at>Consent Desk</at>", "mentioned": BOT}],
        "locale": "en-US",
    }


def personal_message(
    text: str, service_url: str, who: Person, locale: str = "en-US"
) -> dict[str, Any]:
    """A message in the person's 1:1 chat with the bot."""
    return {
        "type": "message",
        "id": f"dm-{next(_ids)}",
        "text": text,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": who.account(),
        "recipient": BOT,
        "conversation": {
            "id": f"a:personal-{who.id}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "locale": locale,
    }


def card_click(verb: str, request_id: str, who: Person, service_url: str) -> dict[str, Any]:
    """A button (``Action.Execute``) pressed on a reviewer card in the General channel."""
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"invoke-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": who.account(),
        "recipient": BOT,
        **_channel("1"),
        "value": {
            "action": {"type": "Action.Execute", "verb": verb, "data": {"request_id": request_id}}
        },
        "locale": "en-US",
    }
