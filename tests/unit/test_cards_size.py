"""Reviewer cards stay under Teams' message size limit whatever the request holds."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cards.elements import CARD_BUDGET, card_size
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card
from domain.i18n import Messages
from domain.types import DecisionAction, RequestStatus, ScopeDetail
from tests.card_checks import by_id, validate_card
from tests.unit.card_samples import CALENDAR_SCOPES, EN, NOW, decision, make_view, requester

LIMIT = 80_000


def test_five_hundred_requesters_fit_and_the_rest_are_counted() -> None:
    people = tuple(requester(i, reason=f"Reason {i}: " + "calendar sync " * 40) for i in range(500))
    card = build_reviewer_card(make_view(requesters=people), NOW, EN)

    assert len(json.dumps(card)) < LIMIT
    assert card_size(card) <= CARD_BUDGET <= LIMIT
    validate_card(card)
    shown = [
        e for e in by_id(card, "requesters")["items"] if e.get("id", "").startswith("requester-")
    ]
    assert shown, "at least the newest requester is shown"
    assert "Megan Bowen 499" in json.dumps(shown[0])  # newest first
    more = by_id(card, "requesters-more")["text"]
    assert more == f"and {500 - len(shown)} more requesters"
    assert by_id(card, "requesters-heading")["text"] == "Requested by (500)"
    # Requesters give way first: every scope keeps its description.
    scopes = json.dumps(by_id(card, "scopes"), ensure_ascii=False)
    for scope in CALENDAR_SCOPES:
        assert scope.value in scopes
        assert str(scope.description) in scopes


def test_one_more_requester_is_singular() -> None:
    people = tuple(requester(i) for i in range(11))
    card = build_reviewer_card(make_view(requesters=people), NOW, EN)
    assert by_id(card, "requesters-more")["text"] == "and 1 more requester"


def test_small_requests_lose_nothing() -> None:
    card = build_reviewer_card(make_view(requesters=(requester(0), requester(1))), NOW, EN)
    assert "requesters-more" not in json.dumps(card)
    assert "scopes-more" not in json.dumps(card)


@pytest.mark.parametrize("heavy", ["権限](x)" * 200, "😀" * 600, "](" * 400])
def test_worst_case_text_still_fits(heavy: str) -> None:
    # Non-ASCII text costs six (astral: twelve) bytes a character once
    # JSON-escaped, and link syntax gains a joiner per bracket.
    scopes = tuple(ScopeDetail(f"{heavy}{i}", heavy, True, heavy) for i in range(400))
    people = tuple(
        requester(i, display_name=heavy, user_principal_name=heavy, reason=heavy)
        for i in range(1000)
    )
    view = make_view(app_display_name=heavy, scopes=scopes, requesters=people)
    for language in ("en", "fr", "ja"):
        card = build_reviewer_card(view, NOW, Messages(language))
        assert len(json.dumps(card)) < LIMIT
        assert card_size(card) <= CARD_BUDGET
        assert by_id(card, "scopes-more")["type"] == "TextBlock"
        assert by_id(card, "scopes-heading")["text"].endswith("(400)")


@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_refusals_and_failed_decisions_fit_too(language: str) -> None:
    heavy = "😀" * 600
    scopes = tuple(ScopeDetail(f"{heavy}{i}", heavy, True, heavy) for i in range(400))
    people = tuple(requester(i, display_name=heavy, reason=heavy) for i in range(1000))
    failed = decision(
        DecisionAction.APPROVE,
        actor_name=heavy,
        problem=heavy,
        unresolved_scopes=tuple(f"{heavy}{i}" for i in range(400)),
    )
    view = make_view(app_display_name=heavy, scopes=scopes, requesters=people, decision=failed)
    messages = Messages(language)
    for card in (
        build_reviewer_card(view, NOW, messages),
        build_refusal_card(view, NOW, messages, "refusal.needs_role"),
        build_noted_card(view, NOW, messages, "accent", "snooze.done", until=heavy),
        build_reviewer_card(
            replace(view, status=RequestStatus.DENIED, decision=replace(failed, reason=heavy)),
            NOW,
            messages,
        ),
    ):
        validate_card(card)
        assert card_size(card) <= CARD_BUDGET
