"""Risk at a glance on the reviewer card and the digest: markers, headline and facts.

The admins' high-risk list used to steer routing only; these cases check that a
reviewer now sees it on the card (a marker on each listed permission and one
headline that says why), with the facts they weigh, in every language, on a
card that is still schema-valid and with outside text kept inert.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cards.digest import build_digest_card, risk_line
from cards.reviewer import build_reviewer_card
from domain.i18n import Messages
from domain.types import Publisher, ScopeDetail
from tests.card_checks import all_text, by_id, elements, shown_texts, validate_card
from tests.hostile_text import assert_inert
from tests.unit.card_samples import CALENDAR_SCOPES, EN, LANGUAGES, NOW, digest_item, make_view

LISTED = tuple(replace(s, on_risk_list=s.value == "Calendars.ReadWrite") for s in CALENDAR_SCOPES)
"""The sample app's scopes with Calendars.ReadWrite on the admins' high-risk list."""


def test_a_listed_permission_is_marked_and_named_in_the_headline() -> None:
    card = build_reviewer_card(make_view(scopes=LISTED, user_grants=12), NOW, EN)
    validate_card(card)
    headline = all_text(by_id(card, "risk"))
    assert "High risk" in headline
    assert "Calendars.ReadWrite is on your high-risk list" in headline
    assert "1 permission needs an admin" in headline
    first_scope = all_text(by_id(card, "scope-0"))
    assert "Calendars.ReadWrite" in first_scope
    assert "On your high-risk list" in first_scope
    assert "On your high-risk list" not in all_text(by_id(card, "scope-1"))


def test_the_facts_a_reviewer_weighs() -> None:
    card = build_reviewer_card(make_view(scopes=LISTED, user_grants=12), NOW, EN)
    facts = all_text(by_id(card, "risk-facts"))
    assert "Already granted by" in facts
    assert "12 people in your organisation" in facts
    assert "Offline access" in facts
    assert "keeps access" in facts


@pytest.mark.parametrize(
    ("grants", "text"),
    [(0, "Nobody in your organisation yet"), (1, "1 person"), (None, "Not known yet")],
)
def test_user_grants_are_counted_or_said_to_be_unknown(grants: int | None, text: str) -> None:
    card = build_reviewer_card(make_view(user_grants=grants), NOW, EN)
    assert text in all_text(by_id(card, "risk-facts"))


def test_a_request_that_is_not_high_risk_has_no_headline() -> None:
    harmless = (ScopeDetail("User.Read", "Sign you in", False, "Microsoft Graph"),)
    card = build_reviewer_card(make_view(scopes=harmless, user_grants=3), NOW, EN)
    validate_card(card)
    assert "risk" not in {e.get("id") for e in elements(card)}
    assert "No" in all_text(by_id(card, "risk-facts"))  # no offline access


def test_an_unverified_publisher_is_named_among_the_reasons() -> None:
    view = make_view(scopes=LISTED, publisher=Publisher("Fabrikam", verified=False))
    headline = all_text(by_id(build_reviewer_card(view, NOW, EN), "risk"))
    assert "publisher not verified" in headline


def test_many_listed_permissions_are_named_then_counted() -> None:
    scopes = tuple(
        ScopeDetail(f"Mail.Scope{i}", None, False, "Microsoft Graph", on_risk_list=True)
        for i in range(5)
    )
    headline = all_text(by_id(build_reviewer_card(make_view(scopes=scopes), NOW, EN), "risk"))
    assert "Mail.Scope0, Mail.Scope1 and 3 more are on your high-risk list" in headline


@pytest.mark.parametrize("language", LANGUAGES)
def test_risk_markers_in_every_language_are_schema_valid(language: str) -> None:
    messages = Messages(language)
    card = build_reviewer_card(make_view(scopes=LISTED, user_grants=2), NOW, messages)
    validate_card(card)
    for key in ("risk", "risk-facts"):
        assert all_text(by_id(card, key)).strip()
    assert messages.t("reviewer.scope_listed") in all_text(by_id(card, "scope-0"))


def test_a_hostile_listed_scope_name_stays_inert_in_the_headline() -> None:
    hostile = ScopeDetail("[x](https://evil.example)**Mail**", None, True, None, on_risk_list=True)
    card = build_reviewer_card(make_view(scopes=(hostile,)), NOW, EN)
    validate_card(card)
    assert "evil.example" in all_text(by_id(card, "risk"))  # shown, as text
    for text in shown_texts(card):
        assert_inert(text)


def test_the_digest_line_carries_the_same_facts() -> None:
    item = digest_item(0, listed=2, offline_access=True, user_grants=7)
    line, colour = risk_line(item, EN)
    assert "2 on your high-risk list" in line
    assert "offline access" in line
    assert "granted by 7 people here" in line
    assert colour == "attention"
    validate_card(build_digest_card([item], NOW, EN))
