"""An answer card is built once per turn and sent as built: the SDK's copy shares it.

The SDK deep-copies every activity it sends; the card inside is never changed
after it is built, so copying it (hundreds of elements) is work nobody reads.
The activity's own fields are still the copy's own.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.hosting.activity_reading import reply_card


class Sent:
    """A turn context that keeps what would be sent."""

    def __init__(self) -> None:
        self.activities: list[Activity] = []

    async def send_activity(self, activity: Activity) -> None:
        self.activities.append(activity)


async def test_the_sdks_copy_of_an_answer_shares_its_card_not_its_fields() -> None:
    card: dict[str, Any] = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "x"}]}
    context = Sent()
    await reply_card(cast(TurnContext, context), card)
    [activity] = context.activities
    copied = copy.deepcopy(activity)
    assert copied.attachments is not None
    assert activity.attachments is not None
    assert copied.attachments[0].content is activity.attachments[0].content
    assert copied.attachments[0].content == card
    copied.text = "changed"
    assert activity.text != "changed"
    wire = copied.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert wire["attachments"][0]["content"] == card
