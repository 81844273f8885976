"""The card that asks a reviewer to confirm blocking an app, before anything happens.

Blocking is the one decision that reaches past the request: it disables the
app's service principal, so nobody in the organisation can sign in to it or
ask for it again, including people already using it. The card says so, and
how to undo it, next to the two buttons. It answers only the reviewer who
clicked "Block app"; the posted card stays as it was until they confirm.
"""

from __future__ import annotations

from datetime import datetime

from cards import verbs
from cards.buttons import request_data
from cards.elements import Element, adaptive_card, execute, fact_set, text_block
from cards.reviewer import publisher_line, waiting_fact
from cards.text import safe
from domain.i18n import Messages
from domain.types import ReviewerCardView


def build_block_confirmation_card(
    view: ReviewerCardView, now: datetime, messages: Messages
) -> Element:
    """Block ``view``'s app? What that does, then "Yes, block" or "Cancel"."""
    app = safe(view.app_display_name)
    title = messages.t("block.title", app=app)
    body = [
        text_block(messages.t("reviewer.kicker"), "kicker", isSubtle=True),
        text_block(
            title,
            "block-title",
            spacing="none",
            size="large",
            weight="bolder",
            style="heading",
            color="attention",
        ),
        publisher_line(view.publisher, messages, pending=view.details_pending),
        fact_set(
            [(messages.t("block.app_id"), safe(view.app_id)), waiting_fact(view, now, messages)],
            "block-facts",
        ),
        text_block(messages.t("block.what", app=app), "block-what"),
        text_block(messages.t("block.undo"), "block-undo", isSubtle=True),
    ]
    data = request_data(view)
    actions = [
        execute(
            messages.t("block.confirm", app=app),
            verbs.BLOCK_CONFIRM,
            data,
            "block-confirm",
            style="destructive",
            with_inputs=False,
        ),
        execute(
            messages.t("block.cancel"), verbs.BLOCK_CANCEL, data, "block-cancel", with_inputs=False
        ),
    ]
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=actions)
