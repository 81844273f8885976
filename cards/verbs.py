"""The verbs and input ids card buttons send, shared by the card builders and the handlers.

A button's ``Action.Execute`` carries one of these as ``verb`` and
``{"request_id": ...}`` as ``data``; the deny form adds the reviewer's text
under ``REASON_INPUT_ID``. Changing a value here breaks every card already
posted, so values are only ever added.
"""

from __future__ import annotations

from typing import Final

APPROVE: Final = "approve"
DENY: Final = "deny"
BLOCK: Final = "block"
"""Asks for the block confirmation card; nothing is blocked yet."""
BLOCK_CONFIRM: Final = "block_confirm"
BLOCK_CANCEL: Final = "block_cancel"
REFRESH: Final = "refresh"
SNOOZE: Final = "snooze"
"""Stops reminders about one request in the conversation of the card until the next business day."""
SHOW_CARD: Final = "show_card"
"""Asks, from the digest card, for one request's full reviewer card."""

REQUEST_ID_KEY: Final = "request_id"
"""The key of the request id in every button's ``data``."""
REASON_INPUT_ID: Final = "reason"
"""The deny form's text field; its value arrives in ``data`` under this key."""
DIAGNOSE: Final = "diagnose"
"""Explains why the user cannot connect the app in ``data`` (from the "which app?" card)."""
ASK_REVIEWERS: Final = "ask_reviewers"
"""Sends the reviewers a request for an app Entra offers no request form for."""

APP_ID_KEY: Final = "app_id"
"""The key of the app id in the diagnosis cards' buttons."""
SCOPES_KEY: Final = "scopes"
"""Space-separated scopes the user pasted, carried through the "which app?" card."""
ERROR_CODE_KEY: Final = "error_code"
JUSTIFICATION_INPUT_ID: Final = "justification"
"""The "Ask the reviewers for me" form's text field."""
APP_NAME_INPUT_ID: Final = "app_name"
"""The ask form's app name field, shown when the tenant does not know the app's name."""
LANGUAGE_KEY: Final = "lang"
"""The language the answer was given in, so the card's buttons answer in it too."""

# The admin panels and the failed-messages card.
SETTINGS_SAVE: Final = "settings_save"
"""The form's button: validate everything, then save it all or nothing."""
SETTINGS_SHOW: Final = "settings_show"
"""Shows the form again with what is saved (the button of the saved card)."""
ENABLE_REQUESTS_CONFIRM: Final = "enable_requests_confirm"
"""The form's button: validate, then PUT the workflow policy."""
ENABLE_REQUESTS_SHOW: Final = "enable_requests_show"
"""Shows the form again with the current setting (the refresh button of the saved card)."""
CONNECTED_APPS_PAGE: Final = "connected_apps_page"
"""Shows a page of the list (Previous, Next, and Cancel on the confirmation card)."""
CONNECTED_APPS_BLOCK: Final = "connected_apps_block"
"""Asks for the block confirmation card; nothing is blocked yet."""
CONNECTED_APPS_BLOCK_CONFIRM: Final = "connected_apps_block_confirm"
"""Blocks the app in ``data`` and answers with the list."""
RETRY_FAILED_MESSAGES: Final = "retry_failed_messages"
"""Queues the failed messages in ``data`` for sending again (admins only)."""
BLOCKED_APPS_SHOW: Final = "blocked_apps_show"
"""Shows the "blocked apps" list for the period in ``data`` (admins only)."""
BLOCKED_APPS_REVIEW: Final = "blocked_apps_review"
"""Starts a review of the app in ``data`` and posts its reviewer card here (admins only)."""

ALL: Final = frozenset(
    {
        APPROVE,
        DENY,
        BLOCK,
        BLOCK_CONFIRM,
        BLOCK_CANCEL,
        REFRESH,
        SNOOZE,
        SHOW_CARD,
        DIAGNOSE,
        ASK_REVIEWERS,
        SETTINGS_SAVE,
        SETTINGS_SHOW,
        ENABLE_REQUESTS_CONFIRM,
        ENABLE_REQUESTS_SHOW,
        CONNECTED_APPS_PAGE,
        CONNECTED_APPS_BLOCK,
        CONNECTED_APPS_BLOCK_CONFIRM,
        RETRY_FAILED_MESSAGES,
        BLOCKED_APPS_SHOW,
        BLOCKED_APPS_REVIEW,
    }
)
"""Every verb a card button sends; the application refuses to start unless each has a handler."""
