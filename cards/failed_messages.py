"""The card behind ``failed messages``: what the bot gave up sending, and a button to retry.

Only admins see it. Error texts come from Teams or Graph and the names of
conversations from outside, so everything shown goes through ``cards.text.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards import verbs
from cards.elements import Element, adaptive_card, execute, text_block
from cards.text import NAME_LIMIT, REASON_LIMIT, safe
from domain.i18n import Messages

ROW_IDS_KEY = "rows"
"""Space-separated ids of the outbox rows the retry button puts back in the queue."""
SHOWN = 20


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """One message given up: what it was, where it was going, why, after how many tries."""

    row_id: int
    kind: str
    app_name: str | None
    place: str | None
    error: str
    attempts: int


def build_failed_messages_card(
    failed: Sequence[FailedMessage], total: int, messages: Messages
) -> Element:
    title = messages.t("failed.title", count=total)
    body: list[Element] = [text_block(title, "failed-title", weight="bolder", size="medium")]
    if not failed:
        body.append(text_block(messages.t("failed.none"), "failed-none"))
        return adaptive_card(body, fallback_text=title, language=messages.language)
    for index, item in enumerate(failed[:SHOWN]):
        line = messages.t(
            "failed.line",
            what=messages.t(f"failed.kind_{item.kind}"),
            app=safe(item.app_name or "-", NAME_LIMIT),
            place=safe(item.place or "-", NAME_LIMIT),
            attempts=item.attempts,
            error=safe(item.error, REASON_LIMIT),
        )
        body.append(text_block(line, f"failed-{index}"))
    body.append(text_block(messages.t("failed.hint"), "failed-hint", isSubtle=True))
    ids = " ".join(str(item.row_id) for item in failed[:SHOWN])
    retry = execute(
        messages.t("failed.retry"),
        verbs.RETRY_FAILED_MESSAGES,
        {ROW_IDS_KEY: ids},
        "failed-retry",
        with_inputs=False,
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[retry])


def build_failed_refused_card(messages: Messages) -> Element:
    """The answer to someone who is not an admin pressing the retry button."""
    text = messages.t("admin.not_allowed")
    return adaptive_card(
        [text_block(text, "failed-refused", color="attention")],
        fallback_text=text,
        language=messages.language,
    )
