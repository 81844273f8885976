"""The message a user gets unasked after Entra stopped them connecting an app.

It is the very answer they would get by asking "why can't I connect <app>?"
(same situation, causes, next step and "Ask the reviewers for me"), with a
first line saying why the bot writes at all and a last one saying how to
make it stop. Its ``refresh`` asks the bot for the answer again when the user
opens the chat, so a request they filed after the message was sent shows as
pending instead of the card still telling them to file one.
"""

from __future__ import annotations

from collections.abc import Mapping

from cards import verbs
from cards.elements import Element, callout, text_block
from cards.text import safe
from domain.i18n import Messages

INTRO_ID = "outreach-intro"
STOP_HINT_ID = "outreach-stop"


def teams_user_id(user_id: str) -> str:
    """The id Teams' ``refresh.userIds`` takes for an Entra user (``8:orgid:<object id>``)."""
    return f"8:orgid:{user_id}"


def build_outreach_card(
    answer: Element,
    messages: Messages,
    *,
    app_name: str,
    user_id: str,
    refresh_data: Mapping[str, str],
) -> Element:
    """``answer`` (a diagnosis card) introduced, with how to stop these messages.

    ``refresh_data`` is what the diagnosis buttons send (the app id, the error
    code, the language), so a refreshed card is the answer of that moment.
    """
    app = safe(app_name)
    card = dict(answer)
    card["body"] = [
        callout(
            "accent",
            INTRO_ID,
            messages.t("outreach.title", app=app),
            messages.t("outreach.intro"),
        ),
        *answer.get("body", []),
        text_block(messages.t("outreach.stop_hint"), STOP_HINT_ID, isSubtle=True, separator=True),
    ]
    card["fallbackText"] = messages.t("outreach.fallback", app=app)
    card["refresh"] = {
        "action": {
            "type": "Action.Execute",
            "title": messages.t("outreach.refresh"),
            "verb": verbs.DIAGNOSE,
            "data": dict(refresh_data),
        },
        "userIds": [teams_user_id(user_id)],
    }
    return card
