"""Reviewers' delegated tokens are held per user and dropped shortly before they expire."""

from __future__ import annotations

from bot.hosting.reviewer_sign_in import EXPIRY_MARGIN_SECONDS, ReviewerTokens

MEGAN = "00000000-0000-0000-0000-000000000021"


def test_a_token_is_handed_out_until_shortly_before_it_expires() -> None:
    now = [1_000.0]
    held = ReviewerTokens(clock=lambda: now[0])
    held.keep(MEGAN, "megans-token", expires_at=now[0] + 3600)
    assert held.token_of(MEGAN.upper()) == "megans-token"  # object ids compare case-blind
    now[0] += 3600 - EXPIRY_MARGIN_SECONDS - 1
    assert held.token_of(MEGAN) == "megans-token"
    now[0] += 2
    assert held.token_of(MEGAN) is None
    assert held.token_of(MEGAN) is None  # dropped, not revived


def test_nobody_and_strangers_have_no_token() -> None:
    held = ReviewerTokens()
    held.keep(MEGAN, "megans-token", expires_at=10**12)
    assert held.token_of(None) is None
    assert held.token_of("someone-else") is None
