"""The blocked apps card: valid 1.5 in every language, inert outside text, its buttons, its size."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.admin.blocked_app_review import parse_scopes
from bot.admin.blocked_apps import requested_app, requested_days, typed_days, typed_scopes
from cards.blocked_apps import (
    ITEMS_SHOWN,
    BlockedApp,
    Listing,
    Notice,
    build_blocked_apps_card,
    build_blocked_refusal_card,
    scopes_input_id,
)
from cards.elements import CARD_BUDGET, card_size
from cards.reviewer import build_reviewer_card
from cards.verbs import ALL, BLOCKED_APPS_REVIEW, BLOCKED_APPS_SHOW, SHOW_CARD
from domain.blocked_apps import Situation, situations
from domain.i18n import Messages
from domain.types import Publisher, RequestOrigin
from tests.card_checks import all_text, by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, HOSTILE_REASON, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES, NOW, make_view

LAST = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
ZELIQ = BlockedApp(
    app_id="8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84",
    display_name="Zeliq",
    people=3,
    attempts=5,
    last_at=LAST,
    situations=(Situation.FORM_SHOWN, Situation.NO_FORM),
    publisher=None,
    known_scopes=("Mail.Send", "User.Read"),
)
PIPELINE = BlockedApp(
    app_id="c5b7e9d1-3a2f-4b6c-8d0e-7f1a2b3c4d55",
    display_name="Pipeline CRM Sidebar",
    people=1,
    attempts=1,
    last_at=LAST,
    situations=(Situation.CONSENT_NEEDED,),
    publisher=Publisher("Sidebar Apps Ltd", verified=False),
    request_id="req-1",
)


def app(index: int, **overrides: Any) -> BlockedApp:
    return replace(ZELIQ, app_id=f"22222222-2222-2222-2222-{index:012d}", **overrides)


def facts(card: dict[str, Any], index: int) -> dict[str, str]:
    item = by_id(card, f"blocked-app-{index}")
    found = next(e for e in elements(item) if e.get("type") == "FactSet")["facts"]
    return {f["title"]: f["value"] for f in found}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_blocked_apps_card_validates(language: str) -> None:
    messages = Messages(language)
    notice = Notice("good", messages.t("blocked.started", app="Zeliq"), "detail")
    verified = replace(PIPELINE, publisher=Publisher("Contoso", verified=True), enabled=False)
    unread = replace(ZELIQ, app_id=app(9).app_id, profile_read=False, situations=())
    for card in (
        build_blocked_apps_card(Listing([ZELIQ, PIPELINE, verified, unread]), messages, notice),
        build_blocked_apps_card(Listing([], days=30, log_read=False), messages),
        build_blocked_apps_card(Listing([], days=7), messages),
        build_blocked_apps_card(Listing([ZELIQ], reviews_here=False, log_read=False), messages),
        build_blocked_refusal_card(messages),
    ):
        validate_card(card)
        assert card["lang"] == language


def test_each_app_says_who_publishes_it_how_many_were_stopped_and_what_they_saw() -> None:
    card = build_blocked_apps_card(Listing([ZELIQ, PIPELINE]), EN)

    assert by_id(card, "blocked-summary")["text"] == (
        "2 apps people tried to connect in the last 7 days, stopped by consent. Most people first."
    )
    assert facts(card, 0) == {
        "People stopped": "3",
        "Attempts": "5, the latest on 20 Nov 2026, 14:05 UTC",
        "What they saw": "Request form shown · No request form (requests are switched off)",
        "Consent request": "None yet",
    }
    assert "Not in your organization yet" in all_text(by_id(card, "blocked-app-0"))
    assert facts(card, 1)["Consent request"] == "Waiting for review"
    assert facts(card, 1)["What they saw"] == "Consent needed"
    assert "Published by Sidebar Apps Ltd, publisher not verified" in all_text(
        by_id(card, "blocked-app-1")
    )


def test_open_review_card_for_an_app_with_a_request_and_review_here_otherwise() -> None:
    card = build_blocked_apps_card(Listing([ZELIQ, PIPELINE], days=30), EN)

    review = by_id(card, "blocked-review-0")
    assert review["type"] == "Action.ShowCard"
    assert review["title"] == "Review here"
    field = by_id(card, scopes_input_id(ZELIQ.app_id))
    assert field["type"] == "Input.Text"
    assert field["value"] == "Mail.Send User.Read"  # from the latest request for the app
    start = by_id(card, "blocked-review-go-0")
    assert start["verb"] == BLOCKED_APPS_REVIEW
    assert start["data"] == {"app_id": ZELIQ.app_id, "days": "30"}
    assert "associatedInputs" not in start  # it sends the permissions typed

    opened = by_id(card, "blocked-open-1")
    assert opened["verb"] == SHOW_CARD
    assert opened["data"] == {"request_id": "req-1"}
    assert opened["associatedInputs"] == "None"
    assert not [
        e for e in elements(by_id(card, "blocked-app-1")) if e.get("verb") == BLOCKED_APPS_REVIEW
    ]


def test_the_period_button_switches_between_7_and_30_days() -> None:
    week = build_blocked_apps_card(Listing([ZELIQ]), EN)
    assert [(a["verb"], a["data"], a["title"]) for a in week["actions"]] == [
        (BLOCKED_APPS_SHOW, {"days": "30"}, "Last 30 days")
    ]
    month = build_blocked_apps_card(Listing([ZELIQ], days=30), EN)
    assert [a["data"] for a in month["actions"]] == [{"days": "7"}]
    assert {BLOCKED_APPS_SHOW, BLOCKED_APPS_REVIEW} <= ALL


def test_empty_list_says_so_and_how_to_switch_the_log_on() -> None:
    off = build_blocked_apps_card(Listing([], days=30, log_read=False), EN)
    assert by_id(off, "blocked-empty")["text"] == (
        "Nobody was stopped by consent connecting an app in the last 30 days."
    )
    assert "Turn on proactive help (proactive help on)" in all_text(by_id(off, "blocked-log-off"))
    on = build_blocked_apps_card(Listing([]), EN)
    assert "sign-in log" in by_id(on, "blocked-log-on")["text"]
    assert not [e for e in elements(on) if e.get("id") == "blocked-log-off"]


def test_outside_a_review_conversation_the_card_says_where_buttons_work() -> None:
    card = build_blocked_apps_card(Listing([ZELIQ], reviews_here=False), EN)
    assert "Say review here first" in by_id(card, "blocked-not-here")["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_names_publishers_and_scopes_are_inert(language: str) -> None:
    hostile = replace(
        ZELIQ,
        display_name=HOSTILE_APP,
        publisher=Publisher(HOSTILE_REASON, verified=True),
        known_scopes=(HOSTILE_REASON, HOSTILE_APP, "Mail.Send\x00\n", "User.Read"),
    )
    messages = Messages(language)
    notice = Notice("good", messages.t("blocked.started", app="x"))
    card = build_blocked_apps_card(
        Listing([hostile, replace(PIPELINE, display_name=HOSTILE_REASON)]), messages, notice
    )
    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    assert as_read(by_id(card, "blocked-app-0")["items"][0]["text"]) == HOSTILE_APP
    assert by_id(card, scopes_input_id(ZELIQ.app_id))["value"] == "Mail.Send User.Read"


def test_many_apps_are_counted_and_the_rest_are_left_out() -> None:
    card = build_blocked_apps_card(Listing([app(i) for i in range(ITEMS_SHOWN + 7)]), EN)
    assert (
        len([e for e in elements(card) if str(e.get("id", "")).startswith("blocked-app-")])
        == ITEMS_SHOWN
    )
    assert by_id(card, "blocked-more")["text"] == "and 7 more apps, not shown"


@pytest.mark.parametrize("heavy", ["x", "\U0001f600", "\u0416"])
def test_a_full_list_of_worst_case_apps_fits(heavy: str) -> None:
    big = heavy * 10_000
    worst = [
        app(i, display_name=big, publisher=Publisher(big, False), known_scopes=(big,) * 60)
        for i in range(ITEMS_SHOWN + 5)
    ]
    for language in LANGUAGES:
        messages = Messages(language)
        card = build_blocked_apps_card(Listing(worst, days=30), messages, Notice("good", big[:200]))
        assert card_size(card) <= CARD_BUDGET
        validate_card(card)


def test_situations_come_from_the_error_codes() -> None:
    assert situations([65001, 90094, 90094, 1234]) == (Situation.NO_FORM, Situation.CONSENT_NEEDED)
    assert situations([90095]) == (Situation.FORM_SHOWN,)
    assert situations([]) == ()


@pytest.mark.parametrize(
    ("rest", "days"),
    [
        ("", 7),
        ("30", 30),
        ("30 days", 30),
        ("7 days", 7),
        ("1 day", 1),
        ("30日", 30),
        ("31", None),
        ("0", None),
        ("weekly on", None),
        ("-3", None),
    ],
)
def test_typed_days(rest: str, days: int | None) -> None:
    assert typed_days(rest) == days


def test_button_data_is_read_defensively() -> None:
    assert requested_days({"days": "30"}) == 30
    assert requested_days({"days": "900"}) == 7
    assert requested_days({"days": 30}) == 7
    assert requested_days(None) == 7
    assert requested_app({"app_id": ZELIQ.app_id.upper()}) == ZELIQ.app_id
    assert requested_app({"app_id": "x') or (1 eq 1"}) is None
    assert typed_scopes({scopes_input_id(ZELIQ.app_id): "User.Read"}, ZELIQ.app_id) == "User.Read"
    assert typed_scopes({scopes_input_id(ZELIQ.app_id): ["x"]}, ZELIQ.app_id) == ""


def test_parse_scopes() -> None:
    assert parse_scopes("User.Read, Mail.Send user.read") == ("User.Read", "Mail.Send")
    assert parse_scopes("") == ()
    assert parse_scopes("Mail.* [x](y)") == ["Mail.*", "[x](y)"]
    assert parse_scopes(" ".join(f"S{i}.Read" for i in range(51))) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_review_started_from_the_log_says_who_started_it_and_lists_no_requesters(
    language: str,
) -> None:
    view = make_view(origin=RequestOrigin.BOT, requesters=(), started_by=HOSTILE_APP)
    messages = Messages(language)
    card = build_reviewer_card(view, NOW, messages)
    validate_card(card)
    origin = by_id(card, "origin")
    assert messages.t("reviewer.started_from_log") in all_text(origin)
    assert "Megan" in as_read(all_text(origin))
    for text in shown_texts(card):
        assert_inert(text)
    assert not [e for e in elements(card) if e.get("id") == "requesters-heading"]
    asked = build_reviewer_card(make_view(origin=RequestOrigin.BOT), NOW, messages)
    assert messages.t("reviewer.asked_through_bot") in all_text(by_id(asked, "origin"))
