"""The notice a requester gets when their request ends: what happened and what to do next."""

from __future__ import annotations

import json

import pytest

from cards.elements import card_size
from cards.notices import NOTICE_BUDGET, NOTICE_OUTCOMES, build_requester_notice
from domain.i18n import Messages, load_catalogue
from domain.types import RequestStatus
from tests.card_checks import by_id, elements, shown_texts, validate_card
from tests.unit.card_samples import EN, LANGUAGES

APP = "Contoso Calendar Sync"
REASON = "We already use Fabrikam Calendar for this"


def ids(card: dict[str, object]) -> list[str]:
    return [str(element["id"]) for element in elements(card) if "id" in element]


@pytest.mark.parametrize(
    ("outcome", "color", "title", "next_step"),
    [
        (
            RequestStatus.APPROVED,
            "good",
            f"{APP} is approved for your organisation",
            f"Connect again now: sign in to {APP} and accept.",
        ),
        (
            RequestStatus.APPROVED_IN_ENTRA,
            "good",
            f"{APP} is approved for your organisation",
            f"Connect again now: sign in to {APP} and accept.",
        ),
        (
            RequestStatus.DENIED,
            "attention",
            f"Your request for {APP} was denied",
            "Ask again later with more detail, or talk to your IT team.",
        ),
        (
            RequestStatus.DENIED_IN_ENTRA,
            "attention",
            f"Your request for {APP} was denied",
            "Ask again later with more detail, or talk to your IT team.",
        ),
        (
            RequestStatus.BLOCKED,
            "attention",
            f"{APP} is blocked in your organisation",
            "It cannot be used or requested; ask IT for an approved alternative.",
        ),
        (
            RequestStatus.EXPIRED,
            "warning",
            f"Your request for {APP} expired before anyone reviewed it",
            "Try to connect again to send a new request.",
        ),
    ],
)
def test_each_outcome_says_what_happened_and_what_next(
    outcome: RequestStatus, color: str, title: str, next_step: str
) -> None:
    card = build_requester_notice(outcome, APP, None, None, EN)

    validate_card(card)
    assert card["fallbackText"] == title
    heading = by_id(card, "notice-title")
    assert heading["text"] == title
    assert heading["color"] == color
    assert heading["style"] == "heading"
    assert by_id(card, "notice-next")["text"] == next_step
    assert ids(card) == ["notice-kicker", "notice-title", "notice-next"]
    assert "actions" not in card


@pytest.mark.parametrize("outcome", [RequestStatus.DENIED, RequestStatus.DENIED_IN_ENTRA])
def test_a_denial_gives_the_reason_and_who_reviewed(outcome: RequestStatus) -> None:
    card = build_requester_notice(outcome, APP, REASON, "Adele Vance", EN)
    assert by_id(card, "notice-reason")["text"] == f"Reason: “{REASON}”"
    assert by_id(card, "notice-reviewer")["text"] == "Reviewed by Adele Vance"
    assert ids(card) == [
        "notice-kicker",
        "notice-title",
        "notice-reason",
        "notice-reviewer",
        "notice-next",
    ]


def test_a_blank_reason_is_left_out() -> None:
    card = build_requester_notice(RequestStatus.DENIED, APP, " \n", None, EN)
    assert "notice-reason" not in ids(card)


@pytest.mark.parametrize(
    "outcome", [RequestStatus.APPROVED, RequestStatus.BLOCKED, RequestStatus.EXPIRED]
)
def test_only_denials_show_a_reason(outcome: RequestStatus) -> None:
    card = build_requester_notice(outcome, APP, REASON, "Adele Vance", EN)
    assert "notice-reason" not in ids(card)
    assert REASON not in json.dumps(card)


def test_nobody_reviewed_an_expired_request() -> None:
    card = build_requester_notice(RequestStatus.EXPIRED, APP, None, "Adele Vance", EN)
    assert "notice-reviewer" not in ids(card)
    approved = build_requester_notice(RequestStatus.APPROVED, APP, None, "Adele Vance", EN)
    assert by_id(approved, "notice-reviewer")["text"] == "Reviewed by Adele Vance"


@pytest.mark.parametrize(
    "outcome",
    [
        RequestStatus.PENDING,
        RequestStatus.APPROVING,
        RequestStatus.BLOCKING,
        RequestStatus.CLOSED_IN_ENTRA,
    ],
)
def test_no_notice_for_an_outcome_that_is_not_final(outcome: RequestStatus) -> None:
    assert outcome not in NOTICE_OUTCOMES
    with pytest.raises(ValueError, match="no requester notice"):
        build_requester_notice(outcome, APP, None, None, EN)


@pytest.mark.parametrize(
    ("locale", "title", "reason"),
    [
        ("fr-FR", f"Votre demande pour {APP} a été refusée", f"Raison : « {REASON} »"),
        ("ja-JP", f"{APP} の要求は拒否されました", f"理由: 「{REASON}」"),
    ],
)
def test_notices_are_in_the_requesters_language(locale: str, title: str, reason: str) -> None:
    messages = Messages.for_locale(locale)
    card = build_requester_notice(RequestStatus.DENIED, APP, REASON, "Adele Vance", messages)
    assert card["lang"] == messages.language
    assert by_id(card, "notice-title")["text"] == title
    assert by_id(card, "notice-reason")["text"] == reason
    english = {text for text in load_catalogue("en").values() if "{" not in text}
    for outcome in NOTICE_OUTCOMES:
        notice = build_requester_notice(outcome, APP, REASON, "Adele Vance", messages)
        leaked = [text for text in shown_texts(notice) if text in english]
        assert not leaked, f"English text in a {locale} notice: {leaked}"
        assert (
            by_id(notice, "notice-title")["text"]
            != by_id(
                build_requester_notice(outcome, APP, REASON, "Adele Vance", EN), "notice-title"
            )["text"]
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("heavy", ["😀" * 600, "権限](x)" * 200, "x" * 5000])
def test_notices_stay_small_whatever_they_carry(heavy: str, language: str) -> None:
    for outcome in NOTICE_OUTCOMES:
        card = build_requester_notice(outcome, heavy, heavy, heavy, Messages(language))
        validate_card(card)
        assert card_size(card) <= NOTICE_BUDGET == 8_000
        assert len(json.dumps(card, ensure_ascii=False).encode()) < NOTICE_BUDGET
        assert by_id(card, "notice-title")["text"]


def test_ordinary_notices_lose_nothing() -> None:
    long_reason = "Our security team reviewed this app and prefers the approved one. " * 7
    card = build_requester_notice(RequestStatus.DENIED, APP * 4, long_reason, "Adele Vance", EN)
    assert by_id(card, "notice-title")["text"] == f"Your request for {APP * 4} was denied"
    assert by_id(card, "notice-reason")["text"] == f"Reason: “{long_reason.strip()}”"
