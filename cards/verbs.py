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
