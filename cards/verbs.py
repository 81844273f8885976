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
