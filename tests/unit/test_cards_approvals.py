"""Two-person approval on the reviewer card and in the rules card, in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.store.tables import RoutingRuleRow
from cards.admin import build_rules_card
from cards.approvals import APPROVALS_ID
from cards.reviewer import build_noted_card, build_reviewer_card
from domain.i18n import Messages
from domain.types import DecisionAction, RequestStatus
from tests.card_checks import all_text, by_id, shown_texts, validate_card
from tests.unit.card_samples import EN, LANGUAGES, NOW, decided_view, decision, make_view

HOSTILE = "[Megan](https://evil.example) **Bowen**\n<at>Alex</at>"

QUORUM_VARIANTS = {
    "none-yet": make_view(approvals_required=2),
    "one-of-two": make_view(approvals_required=2, approved_by=("Megan Bowen",)),
    "two-of-three": make_view(approvals_required=3, approved_by=("Megan Bowen", "Alex Wilber")),
    "hostile-name": make_view(approvals_required=2, approved_by=(HOSTILE,)),
    "blank-name": make_view(approvals_required=2, approved_by=(" ",)),
    "approving": decided_view(
        RequestStatus.APPROVING, approvals_required=2, approved_by=("Megan Bowen", "Alex Wilber")
    ),
    "approved": decided_view(
        RequestStatus.APPROVED, approvals_required=2, approved_by=("Megan Bowen", "Alex Wilber")
    ),
    "denied-after-one": decided_view(
        RequestStatus.DENIED, approvals_required=2, approved_by=("Megan Bowen",)
    ),
    "grant-failed": make_view(
        approvals_required=2,
        approved_by=("Megan Bowen", "Alex Wilber"),
        decision=decision(DecisionAction.APPROVE, problem="Graph answered 403 Forbidden"),
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("variant", sorted(QUORUM_VARIANTS))
def test_quorum_cards_validate(variant: str, language: str) -> None:
    messages = Messages(language)
    view = QUORUM_VARIANTS[variant]
    validate_card(build_reviewer_card(view, NOW, messages))
    validate_card(
        build_noted_card(view, NOW, messages, "good", "quorum.counted", count=1, required=2)
    )
    validate_card(
        build_noted_card(view, NOW, messages, "accent", "quorum.already_approved", count=1)
    )


def progress(card: dict[str, Any]) -> str:
    return all_text(by_id(card, APPROVALS_ID))


def test_one_approval_shows_no_progress() -> None:
    card = build_reviewer_card(make_view(), NOW, EN)
    assert not any(e.get("id") == APPROVALS_ID for e in card["body"])


def test_a_fresh_request_says_how_many_approvals_it_needs() -> None:
    text = progress(build_reviewer_card(QUORUM_VARIANTS["none-yet"], NOW, EN))
    assert "Needs 2 approvals from different reviewers" in text
    assert "One Deny ends the request." in text


def test_progress_names_who_approved_and_what_is_left() -> None:
    card = build_reviewer_card(QUORUM_VARIANTS["one-of-two"], NOW, EN)
    text = progress(card)
    assert "1 of 2 approvals: Megan Bowen" in text
    assert "Waiting for 1 more approval from another reviewer." in text
    assert any(a.get("verb") == "approve" for a in card["actions"])  # still decidable
    three = progress(build_reviewer_card(QUORUM_VARIANTS["two-of-three"], NOW, EN))
    assert "2 of 3 approvals: Megan Bowen, Alex Wilber" in three


def test_the_progress_sits_under_the_status_banner() -> None:
    card = build_reviewer_card(QUORUM_VARIANTS["grant-failed"], NOW, EN)
    ids = [e.get("id") for e in card["body"]]
    assert ids.index("decision-problem") < ids.index(APPROVALS_ID)
    assert "Approve tries the grant again" in progress(card)


def test_approved_cards_name_every_approver_and_denied_ones_none() -> None:
    for status in ("approving", "approved"):
        text = progress(build_reviewer_card(QUORUM_VARIANTS[status], NOW, EN))
        assert "2 of 2 approvals: Megan Bowen, Alex Wilber" in text
    denied = build_reviewer_card(QUORUM_VARIANTS["denied-after-one"], NOW, EN)
    assert not any(e.get("id") == APPROVALS_ID for e in denied["body"])


def test_approver_names_are_escaped() -> None:
    card = build_reviewer_card(QUORUM_VARIANTS["hostile-name"], NOW, EN)
    text = "\n".join(shown_texts(card))
    assert "](" not in text
    assert "**" not in text
    assert "<at>" not in text
    assert "Megan" in progress(card)
    blank = progress(build_reviewer_card(QUORUM_VARIANTS["blank-name"], NOW, EN))
    assert "1 of 2 approvals: a reviewer" in blank


@pytest.mark.parametrize("language", LANGUAGES)
def test_progress_is_translated(language: str) -> None:
    messages = Messages(language)
    text = progress(build_reviewer_card(QUORUM_VARIANTS["one-of-two"], NOW, messages))
    assert "Megan Bowen" in text
    assert messages.t("quorum.progress", count=1, required=2, names="Megan Bowen") in text


def _rule(kind: str, destination_id: int, approvals: int, value: str | None = None) -> Any:
    return RoutingRuleRow(
        position=destination_id,
        kind=kind,
        value=value,
        destination_id=destination_id,
        created_by=None,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        origin="chat",
        approvals_required=approvals,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_rules_card_says_which_rules_need_more_approvals(language: str) -> None:
    rules = [
        (_rule("high_risk", 1, 2), "Security"),
        (_rule("app", 2, 3, "11111111-2222-3333-4444-555555555555"), "HR"),
        (_rule("default", 3, 1), "General"),
    ]
    messages = Messages(language)
    card = build_rules_card(rules, ("Mail.*",), messages)
    validate_card(card)
    facts = {f["title"]: f["value"] for f in by_id(card, "rules")["facts"]}
    assert facts["1"].endswith(messages.t("admin.rule_approvals", count=2))
    assert facts["2"].endswith(messages.t("admin.rule_approvals", count=3))
    assert messages.t("admin.rule_approvals", count=1) not in facts["3"]
    if language == "en":
        assert facts["1"] == "high-risk requests go to Security (needs 2 approvals)"
