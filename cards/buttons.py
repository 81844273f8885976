"""The buttons of the reviewer card: decide here, snooze, or go to Entra.

Teams shows at most six top-level actions and wraps the rest out of sight,
so a pending card has five: Approve, Deny (which unfolds the reason form),
Block app (which only asks for a confirmation card), Snooze reminders and
Review in Entra. Every button that reaches the bot carries the request id,
never anything the handler should trust beyond looking the request up again.
"""

from __future__ import annotations

from cards import verbs
from cards.elements import Element, execute, open_url, show_card, text_input
from cards.text import REASON_LIMIT
from domain.i18n import Messages
from domain.types import ReviewerCardView


def request_data(view: ReviewerCardView) -> dict[str, str]:
    """The ``data`` every decision button sends."""
    return {verbs.REQUEST_ID_KEY: view.request_id}


def decision_buttons(view: ReviewerCardView, messages: Messages) -> list[Element]:
    """Approve, Deny with its reason form, and Block app."""
    data = request_data(view)
    approve = execute(
        messages.t("decision.approve"),
        verbs.APPROVE,
        data,
        "approve",
        style="positive",
        tooltip=messages.t("decision.approve_tooltip"),
        with_inputs=False,
    )
    reason = text_input(
        verbs.REASON_INPUT_ID,
        label=messages.t("decision.reason_label"),
        placeholder=messages.t("decision.reason_placeholder"),
        error_message=messages.t("decision.reason_error"),
        max_length=REASON_LIMIT,
        multiline=True,
        required=True,
    )
    # Inside the unfolded card, so Teams validates and sends the reason with it.
    submit = execute(
        messages.t("decision.deny_submit"), verbs.DENY, data, "deny-submit", style="destructive"
    )
    deny = show_card(
        messages.t("decision.deny"),
        [reason],
        [submit],
        "deny",
        style="destructive",
        tooltip=messages.t("decision.deny_tooltip"),
    )
    block = execute(
        messages.t("decision.block"),
        verbs.BLOCK,
        data,
        "block",
        tooltip=messages.t("decision.block_tooltip"),
        with_inputs=False,
    )
    # Nothing to grant without the scopes; Entra's page grants what the app asks for.
    return [approve, deny, block] if view.scopes else [deny, block]


def snooze_button(view: ReviewerCardView, messages: Messages) -> Element:
    """Quiets the reminders about this request where the card is, until the next business day.

    It decides nothing, so it never sends the deny form's reason along.
    """
    return execute(
        messages.t("snooze.button"),
        verbs.SNOOZE,
        request_data(view),
        "snooze",
        tooltip=messages.t("snooze.tooltip"),
        with_inputs=False,
    )


def open_in_entra(view: ReviewerCardView, messages: Messages) -> Element:
    """The Entra page that decides the request and closes it there too."""
    return open_url(
        messages.t("reviewer.open_entra"),
        view.entra_review_url,
        "open-entra",
        tooltip=messages.t("reviewer.open_entra_tooltip"),
    )


def close_in_entra(url: str, messages: Messages) -> Element:
    """Entra's own list of requests, where a request denied here is still open."""
    return open_url(
        messages.t("decision.close_in_entra"),
        url,
        "close-entra",
        tooltip=messages.t("decision.close_in_entra_tooltip"),
    )
