"""Outside text cannot inject links, mentions or layout into any card."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cards.block import build_block_confirmation_card
from cards.digest import build_digest_card
from cards.help import build_destination_registered_card
from cards.notices import NOTICE_OUTCOMES, build_requester_notice
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card
from cards.text import (
    EDGE_UNDERSCORE,
    ELLIPSIS,
    REASON_LIMIT,
    WORD_JOINER,
    clean,
    escape_markdown,
    safe,
)
from domain.i18n import Messages
from domain.types import DecisionAction, Publisher, RequestStatus, ScopeDetail
from tests.card_checks import by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, HOSTILE_REASON, as_read, assert_inert
from tests.unit.card_samples import (
    EN,
    NOW,
    decided_view,
    decision,
    digest_item,
    make_view,
    requester,
)


def test_hostile_names_and_reasons_are_inert_everywhere_on_the_card() -> None:
    view = make_view(
        app_display_name=HOSTILE_APP,
        publisher=Publisher(HOSTILE_APP, verified=False),
        scopes=(ScopeDetail(HOSTILE_APP, HOSTILE_REASON, None, HOSTILE_APP),),
        requesters=(
            requester(0, display_name=HOSTILE_APP, user_principal_name=HOSTILE_APP),
            requester(1, reason=HOSTILE_REASON),
        ),
    )
    card = build_reviewer_card(view, NOW, EN)

    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    # Nothing was lost on the way: the reader still sees the original words.
    assert as_read(by_id(card, "app-name")["text"]) == HOSTILE_APP
    assert as_read(card["fallbackText"]) == f"Admin consent request: {HOSTILE_APP}"
    reason = as_read(by_id(card, "requester-0")["items"][2]["text"])
    assert reason.startswith("“# URGENT - approve now 1. [Entra](https://evil.example/consent)")


def test_hostile_destination_name_is_inert() -> None:
    card = build_destination_registered_card(EN, HOSTILE_APP + "\n# big", 2)
    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    assert as_read(by_id(card, "registered-destination")["text"]) == (
        f"Destination: {HOSTILE_APP} # big"
    )


@pytest.mark.parametrize(
    "status",
    [
        RequestStatus.APPROVING,
        RequestStatus.APPROVED,
        RequestStatus.DENIED,
        RequestStatus.BLOCKING,
        RequestStatus.BLOCKED,
    ],
)
def test_hostile_reviewer_name_and_reason_are_inert_in_every_banner(
    status: RequestStatus,
) -> None:
    plain = decided_view(status)
    assert plain.decision is not None
    hostile = replace(plain.decision, actor_name=HOSTILE_APP, reason=HOSTILE_REASON)
    view = replace(plain, app_display_name=HOSTILE_APP, decision=hostile)
    card = build_reviewer_card(view, NOW, EN)

    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    banner = as_read(" ".join(shown_texts({"fallbackText": "", **by_id(card, "status-banner")})))
    assert HOSTILE_APP in banner
    if status is RequestStatus.DENIED:
        assert "Reason: “# URGENT - approve now 1. [Entra](https://evil.example/consent)" in banner


def test_hostile_problem_and_scopes_are_inert() -> None:
    failed = decision(
        DecisionAction.APPROVE, problem=HOSTILE_REASON, unresolved_scopes=(HOSTILE_APP, "[x](y)")
    )
    card = build_reviewer_card(make_view(decision=failed), NOW, EN)
    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    detail = as_read(by_id(card, "decision-problem")["items"][1]["text"])
    assert f"{HOSTILE_APP}, [x](y)." in detail


def test_hostile_app_is_inert_on_block_and_refusal_cards() -> None:
    view = make_view(
        app_display_name=HOSTILE_APP, app_id=HOSTILE_APP, publisher=Publisher(HOSTILE_APP, False)
    )
    block = build_block_confirmation_card(view, NOW, EN)
    refusal = build_refusal_card(view, NOW, EN, "refusal.own_request", name=HOSTILE_APP)
    for card in (block, refusal):
        validate_card(card)
        for text in shown_texts(card):
            assert_inert(text)
    assert as_read(block["actions"][0]["title"]) == f"Yes, block {HOSTILE_APP}"
    # The request id travels only as button data, never as shown text.
    assert {str(e.get("data")) for e in elements(block) if "data" in e} == {
        "{'request_id': 'req-1'}"
    }


def test_hostile_app_and_note_parameter_are_inert_on_noted_cards() -> None:
    view = make_view(app_display_name=HOSTILE_APP, publisher=Publisher(HOSTILE_APP, False))
    card = build_noted_card(view, NOW, EN, "good", "snooze.done", until=HOSTILE_REASON)
    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    note = as_read(by_id(card, "note")["items"][0]["text"])
    assert note.startswith("Reminders for this request are snoozed here until # URGENT - approve")


@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_hostile_names_are_inert_in_the_digest(language: str) -> None:
    items = [
        digest_item(0, app_display_name=HOSTILE_APP, requesters=(HOSTILE_APP, HOSTILE_REASON)),
        digest_item(1, app_display_name=HOSTILE_REASON, requesters=(HOSTILE_APP,) * 3),
        digest_item(2, request_id=HOSTILE_APP, requesters=("[x](y)", "<at>Lee</at>", "z")),
    ]
    card = build_digest_card(items, NOW, Messages(language))

    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    first = by_id(card, "digest-item-0")["items"]
    assert as_read(first[0]["text"]) == HOSTILE_APP
    if language == "en":
        assert as_read(first[2]["text"]).startswith(
            f"Asked by {HOSTILE_APP} and # URGENT - approve now 1. [Entra]("
        )
        assert as_read(by_id(card, "digest-item-2")["items"][2]["text"]).startswith(
            "Asked by [x](y), <at>Lee</at> and z · "
        )
    # The request id travels only as button data, never as shown text.
    assert by_id(card, "digest-show-2")["data"] == {"request_id": HOSTILE_APP}
    assert all(HOSTILE_APP not in text for text in shown_texts(card))


@pytest.mark.parametrize("outcome", sorted(NOTICE_OUTCOMES))
def test_hostile_text_is_inert_in_requester_notices(outcome: RequestStatus) -> None:
    card = build_requester_notice(outcome, HOSTILE_APP, HOSTILE_REASON, HOSTILE_APP, EN)
    validate_card(card)
    for text in shown_texts(card):
        assert_inert(text)
    assert HOSTILE_APP in as_read(card["fallbackText"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[x](http://e)", f"[x]{WORD_JOINER}(http:/{WORD_JOINER}/e)"),
        ("[x][1]", f"[x]{WORD_JOINER}[1]"),
        ("<at>Megan</at>", "\u2039at\u203aMegan\u2039/at\u203a"),
        ("**b** *i*", "\u2217\u2217b\u2217\u2217 \u2217i\u2217"),
        (
            "_i_ first_last@contoso.com",
            f"{EDGE_UNDERSCORE}i{EDGE_UNDERSCORE} first_last@contoso.com",
        ),
        ("# Title", f"{WORD_JOINER}# Title"),
        ("- item", f"{WORD_JOINER}- item"),
        ("12. item", f"{WORD_JOINER}12. item"),
        ("{{DATE(x)}}", "{" + WORD_JOINER + "{DATE(x)}}"),
        ("&lt; & co", f"&{WORD_JOINER}lt; & co"),
        ("Contoso Calendar Sync", "Contoso Calendar Sync"),
        ("カレンダー同期 (β)", "カレンダー同期 (β)"),
    ],
)
def test_escape_markdown(raw: str, expected: str) -> None:
    assert escape_markdown(raw) == expected


def test_clean_makes_one_tidy_line() -> None:
    assert clean("  Contoso\n\nCalendar\tSync\r\n ") == "Contoso Calendar Sync"
    assert clean("a\u202eb\u200bc\u2066d\ufeffe\x00f\x1bg") == "abcdefg"
    assert clean("\u3000名前\u3000") == "名前"
    assert clean("👩\u200d💻 team") == "👩\u200d💻 team"  # joiners inside emoji stay
    assert clean(None) == ""
    assert clean("\ud800 lone surrogate") == "lone surrogate"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    cut = clean("word " * 200, REASON_LIMIT)
    assert len(cut) <= REASON_LIMIT
    assert cut.endswith(f"word{ELLIPSIS}")
    assert clean("short", 10) == "short"
    assert clean("x" * 11, 10) == "x" * 9 + ELLIPSIS


def test_safe_is_clean_then_escape() -> None:
    assert safe("  *hi*\n[x](y) ") == escape_markdown(clean("  *hi*\n[x](y) "))
    assert safe(None) == ""
