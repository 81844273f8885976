"""Asking the bot "why can't I connect?" over real HTTP, and reading its answer card.

A message goes to ``/api/messages`` as Teams sends it; the bot's reply is
read back from the recording connector. The answer card's element ids name
the headline (``situation-2``), each cause (``cause-admin_scopes``) and the
next step (``next-submit_request``), so tests compare meaning, not wording.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot

if TYPE_CHECKING:
    from sandbox.server import SandboxHandle
    from sandbox.tenant import SandboxTenant

TENANT = "00000000-0000-0000-0000-000000000001"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    upn: str


ALEX = Person("00000000-0000-0000-0000-000000000020", "Alex Wilber", "alexw@example.com")
MEGAN = Person("00000000-0000-0000-0000-000000000021", "Megan Bowen", "meganb@example.com")
ADELE = Person("00000000-0000-0000-0000-000000000022", "Adele Vance", "adelev@example.com")
PATTI = Person("00000000-0000-0000-0000-000000000024", "Patti Fernandez", "pattif@example.com")
LYNNE = Person("00000000-0000-0000-0000-000000000025", "Lynne Robbins", "lynner@example.com")


def personal_message(
    text: str, service_url: str, who: Person, locale: str = "en-US"
) -> dict[str, Any]:
    number = next(_ids)
    return {
        "type": "message",
        "id": f"dm-{number}",
        "text": text,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{who.id}", "name": who.name, "aadObjectId": who.id},
        "recipient": {"id": "28:bot", "name": "Consent Desk"},
        "conversation": {
            "id": f"a:personal-{who.id}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "locale": locale,
    }


def card_click(
    verb: str, data: dict[str, str], service_url: str, who: Person, locale: str = "en-US"
) -> dict[str, Any]:
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"invoke-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{who.id}", "name": who.name, "aadObjectId": who.id},
        "recipient": {"id": "28:bot", "name": "Consent Desk"},
        "conversation": {
            "id": f"a:personal-{who.id}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        "locale": locale,
    }


@dataclass(frozen=True)
class Reading:
    """What an answer card says, by element id."""

    card: dict[str, Any]

    def ids(self) -> list[str]:
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("id"), str):
                    found.append(node["id"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.card)
        return found

    def _one(self, prefix: str) -> str:
        found = [i[len(prefix) :] for i in self.ids() if i.startswith(prefix)]
        assert len(found) == 1, f"expected one {prefix}* element in {self.text}"
        return found[0]

    @property
    def headline(self) -> str:
        return self._one("situation-")

    @property
    def causes(self) -> set[str]:
        return {i[len("cause-") :] for i in self.ids() if i.startswith("cause-")}

    @property
    def next_step(self) -> str:
        return self._one("next-")

    @property
    def text(self) -> str:
        return json.dumps(self.card, ensure_ascii=False)

    def element(self, element_id: str) -> dict[str, Any]:
        def walk(node: Any) -> dict[str, Any] | None:
            if isinstance(node, dict):
                if node.get("id") == element_id:
                    return node
                for value in node.values():
                    if (hit := walk(value)) is not None:
                        return hit
            elif isinstance(node, list):
                for value in node:
                    if (hit := walk(value)) is not None:
                        return hit
            return None

        hit = walk(self.card)
        assert hit is not None, f"no element {element_id!r} in the card"
        return hit


async def ask(
    bot: BotRig, connector: RecordingConnector, text: str, who: Person, locale: str = "en-US"
) -> Reading:
    """Send a personal message; return the card the bot replied with."""
    before = len(connector.calls)
    answer = await bot.post_activity(personal_message(text, connector.url, who, locale))
    assert answer.status in (200, 202), answer.text
    replies = [c for c in connector.calls[before:] if c.method == "POST"]
    assert replies, "the bot did not answer"
    return Reading(RecordingConnector.card_of(replies[-1]))


async def click(
    bot: BotRig,
    connector: RecordingConnector,
    verb: str,
    data: dict[str, str],
    who: Person,
    locale: str = "en-US",
) -> Reading:
    """Press a button on an answer card; return the card it is replaced with."""
    answer = await bot.post_activity(card_click(verb, data, connector.url, who, locale))
    assert answer.status == 200, answer.text
    body = json.loads(answer.text)
    return Reading(body["value"])


@pytest.fixture
async def diagnosis_bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    """The bot on the sandbox tenant, with General as review destination."""
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await rig.post_activity(channel_message("review here", connector.url))
        yield rig


async def pending_request_for(
    tenant: SandboxTenant, bot: BotRig, who: Person, app_name: str
) -> None:
    """``who`` asked for ``app_name`` in Entra, and the bot's intake has seen it."""
    tenant.create_request(app_name, who.upn, "Team calendars for the spring campaign")
    await bot.tick()
