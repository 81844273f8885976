"""Typing in the General channel as a given person, and reading what the bot answered.

Chat commands are posted to ``/api/messages`` as Teams sends them; the answer
is read back from the recording connector, texts and card JSON alike.
"""

from __future__ import annotations

from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message
from tests.integration.diagnosis_rig import Person


def replies_since(connector: RecordingConnector, before: int) -> str:
    """Everything the bot posted since call ``before``: texts and card JSON, in order."""
    replies = [c for c in connector.calls[before:] if c.method == "POST"]
    assert replies, "the bot did not answer"
    parts = []
    for reply in replies:
        activity = reply.body.get("activity", reply.body)
        if activity.get("attachments"):
            parts.append(str(activity["attachments"][0]["content"]))
        else:
            parts.append(str(activity.get("text", "")))
    return "\n".join(parts)


async def say(bot: BotRig, connector: RecordingConnector, text: str, who: Person) -> str:
    """Post in General as ``who``; return what the bot answered (text or card JSON)."""
    before = len(connector.calls)
    body = channel_message(text, connector.url, user=who.id)
    body["from"]["name"] = who.name
    answer = await bot.post_activity(body)
    assert answer.status in (200, 202), answer.text
    return replies_since(connector, before)
