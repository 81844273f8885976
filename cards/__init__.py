"""Adaptive Card builders: pure functions from domain values to card JSON.

Nothing here sends, stores or calls Graph, so cards can be built and checked
anywhere, including in unit tests against the official schema.
"""

from cards.block import build_block_confirmation_card
from cards.digest import DigestItem, build_digest_card
from cards.help import build_destination_registered_card, build_help_card
from cards.notices import build_requester_notice
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card

__all__ = [
    "DigestItem",
    "build_block_confirmation_card",
    "build_destination_registered_card",
    "build_digest_card",
    "build_help_card",
    "build_noted_card",
    "build_refusal_card",
    "build_requester_notice",
    "build_reviewer_card",
]
