"""Cards that explain the bot: help (also after "did not understand"), destination set.

They list only commands that work today, so nobody tries one that is not
there yet. Command words are the literal syntax the bot accepts, not prose,
so they are the same in every language.
"""

from __future__ import annotations

from cards.elements import Element, adaptive_card, fact_set, text_block
from cards.text import safe
from domain.i18n import Messages

COMMAND_REVIEW_HERE = "review here"
COMMAND_ESCALATE_HERE = "escalate here"
COMMAND_HELP = "help"
COMMAND_STOP_START = "stop · start"
ADMIN_COMMAND_KEYS = (
    ("settings", "help.admin.settings"),
    ("destinations", "help.admin.destinations"),
    ("review by (UPN) · stop reviews for (UPN)", "help.admin.people"),
    ("rename (name) · stop here", "help.admin.rename_stop"),
    (
        "route high risk here (with 2 approvals) · route unverified here · "
        "route everything else here",
        "help.admin.route",
    ),
    ("rules · remove rule (number) · high risk scopes (names)", "help.admin.rules"),
    ("requests on", "help.admin.requests_on"),
    ("connected apps", "help.admin.connected_apps"),
    ("blocked apps · blocked apps 30", "help.admin.blocked_apps"),
    ("auto approve (app id) (permissions) · auto approvals", "help.admin.auto_approve"),
    ("audit", "help.admin.audit"),
    ("failed messages", "help.admin.failed"),
    (
        "proactive help · on · off · exclude (app) · include (app)",
        "help.admin.proactive_help",
    ),
)
"""Commands only admins may use, shown under their own heading so others know they exist."""


def build_help_card(messages: Messages, in_channel: bool, lead: str | None = None) -> Element:
    """What the bot can do; in a channel it also says to @mention it first.

    ``lead`` is a first line such as ``help.not_understood``: answering
    anything that is not a command with the help itself shows the way out.
    """
    body = _help_body(messages, in_channel)
    if lead:
        body.insert(0, text_block(lead, "help-lead", weight="bolder"))
    return adaptive_card(
        body,
        fallback_text=lead or messages.t("help.title"),
        language=messages.language,
    )


def build_destination_registered_card(
    messages: Messages, destination_name: str, backlog_count: int
) -> Element:
    """Confirms where reviewer cards go and how many waiting requests follow now.

    Saying the backlog count up front tells admins the burst of cards that
    follows is expected, and a zero tells them the silence is too.
    """
    title = messages.t("registered.title")
    body = [
        text_block(
            title, "registered-title", size="medium", weight="bolder", style="heading", color="good"
        )
    ]
    destination = safe(destination_name)
    if destination:
        text = messages.t("registered.destination", destination=destination)
        body.append(text_block(text, "registered-destination", isSubtle=True, spacing="none"))
    backlog = (
        messages.plural("registered.backlog", backlog_count)
        if backlog_count > 0
        else messages.t("registered.backlog_none")
    )
    body.append(text_block(backlog, "registered-backlog"))
    return adaptive_card(body, fallback_text=title, language=messages.language)


def _help_body(messages: Messages, in_channel: bool) -> list[Element]:
    review_here = "help.review_here_channel" if in_channel else "help.review_here_chat"
    body = [
        text_block(
            messages.t("help.title"), "help-title", size="medium", weight="bolder", style="heading"
        ),
        text_block(messages.t("help.intro"), "help-intro"),
        fact_set(
            [
                (COMMAND_REVIEW_HERE, messages.t(review_here)),
                (COMMAND_ESCALATE_HERE, messages.t("help.escalate_here")),
                (messages.t("help.why_command"), messages.t("help.why")),
                (COMMAND_HELP, messages.t("help.help")),
            ],
            "help-commands",
        ),
        # Apart from the commands above: anyone proactive help may write to can refuse it.
        fact_set([(COMMAND_STOP_START, messages.t("help.stop_start"))], "help-outreach"),
    ]
    body.append(
        text_block(
            messages.t("help.admin.title"), "help-admin-title", weight="bolder", spacing="medium"
        )
    )
    body.append(
        fact_set(
            [(command, messages.t(key)) for command, key in ADMIN_COMMAND_KEYS],
            "help-admin-commands",
        )
    )
    if in_channel:
        body.append(text_block(messages.t("help.mention_hint"), "help-mention", isSubtle=True))
    return body
