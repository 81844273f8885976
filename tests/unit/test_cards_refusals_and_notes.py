"""Refusals, notes (snooze), the block confirmation and translated decision cards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

import domain.i18n as i18n
from cards import verbs
from cards.block import build_block_confirmation_card
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card
from domain.i18n import Messages, load_catalogue
from domain.types import DecisionAction, Publisher, RequestStatus
from tests.card_checks import all_text, by_id, elements, shown_texts
from tests.unit.card_samples import EN, NOW, REFUSALS, decided_view, decision, make_view

DECIDED_AT = "12 Mar 2026, 14:30 UTC"
DATA = {"request_id": "req-1"}
DECIDING = {"Action.Execute", "Action.ShowCard", "Action.Submit", "Input.Text"}


def kinds(card: dict[str, Any]) -> set[str]:
    return {str(element.get("type", "")) for element in elements(card)}


@pytest.mark.parametrize(
    ("reason_key", "text"),
    [
        ("refusal.not_a_reviewer", "Only the reviewers Entra names"),
        ("refusal.own_request", "You asked for this app yourself"),
        (
            "refusal.needs_role",
            "Approving needs the Global, Privileged Role, Cloud Application or Application"
            " Administrator role; you may still deny.",
        ),
        ("refusal.reason_required", "Give a reason to deny"),
        ("refusal.already_decided", "already been decided"),
    ],
)
def test_refusal_tops_the_card_as_it_is(reason_key: str, text: str) -> None:
    plain = build_reviewer_card(make_view(), NOW, EN)
    card = build_refusal_card(make_view(), NOW, EN, reason_key)

    refusal = by_id(card, "refusal")
    assert card["body"][0] is refusal
    assert refusal["style"] == "attention"
    assert refusal["items"][0]["text"] == "You cannot do that here"
    assert text in refusal["items"][1]["text"]
    assert card["body"][1:] == plain["body"]
    assert card["actions"] == plain["actions"]
    assert card["fallbackText"] == plain["fallbackText"]


def test_refusal_on_a_decided_card_keeps_its_banner() -> None:
    view = decided_view(RequestStatus.APPROVED)
    card = build_refusal_card(view, NOW, EN, "refusal.already_decided")
    assert [element.get("id") for element in card["body"][:2]] == ["refusal", "status-banner"]
    assert not kinds(card) & DECIDING


def test_refusal_parameters_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = i18n.load_catalogue

    def with_parameter(language: str) -> Mapping[str, str]:
        return {**shipped(language), "refusal.test": "Ask {name} instead ({count})"}

    monkeypatch.setattr(i18n, "load_catalogue", with_parameter)
    card = build_refusal_card(
        make_view(), NOW, Messages("en"), "refusal.test", name="**Bo**", count=2
    )
    assert (
        by_id(card, "refusal")["items"][1]["text"] == "Ask \u2217\u2217Bo\u2217\u2217 instead (2)"
    )


def test_snooze_sends_its_verb_and_the_request_id_without_inputs() -> None:
    card = build_reviewer_card(make_view(request_id="req-7"), NOW, EN)
    snooze = by_id(card, "snooze")
    assert snooze == {
        "type": "Action.Execute",
        "title": "Snooze reminders",
        "verb": "snooze",
        "data": {"request_id": "req-7"},
        "id": "snooze",
        "associatedInputs": "None",
        "tooltip": "No reminders for this request here until the next business day",
    }
    ids = [action["id"] for action in card["actions"]]
    assert ids.index("block") + 1 == ids.index("snooze") == ids.index("open-entra") - 1
    assert len(ids) == 5 <= 6


def test_snooze_comes_back_with_the_buttons_after_a_failed_decision() -> None:
    failed = decision(DecisionAction.BLOCK, problem="Graph answered 403 Forbidden")
    card = build_reviewer_card(make_view(decision=failed), NOW, EN)
    assert by_id(card, "snooze")["verb"] == verbs.SNOOZE


_DECIDED_STATES = {
    RequestStatus.APPROVING,
    RequestStatus.APPROVED,
    RequestStatus.DENIED,
    RequestStatus.BLOCKING,
    RequestStatus.BLOCKED,
}


@pytest.mark.parametrize("status", [s for s in RequestStatus if s is not RequestStatus.PENDING])
def test_snooze_is_only_on_pending_cards(status: RequestStatus) -> None:
    for view in (make_view(status=status), make_view(decision=decision(DecisionAction.APPROVE))):
        card = build_reviewer_card(view, NOW, EN)
        assert not [e for e in elements(card) if e.get("verb") == verbs.SNOOZE]
    if status in _DECIDED_STATES:
        card = build_reviewer_card(decided_view(status), NOW, EN)
        assert not [e for e in elements(card) if e.get("verb") == verbs.SNOOZE]


def test_noted_card_tops_the_card_as_it_is_with_the_snooze_note() -> None:
    plain = build_reviewer_card(make_view(), NOW, EN)
    until = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
    card = build_noted_card(make_view(), NOW, EN, "good", "snooze.done", until=until)

    note = by_id(card, "note")
    assert card["body"][0] is note
    assert note["style"] == "good"
    assert [item["text"] for item in note["items"]] == [
        "Reminders for this request are snoozed here until 13 Mar 2026, 08:00 UTC."
    ]
    assert card["body"][1:] == plain["body"]
    assert card["actions"] == plain["actions"]
    assert card["fallbackText"] == plain["fallbackText"]


def test_noted_card_escapes_text_parameters_and_keeps_a_decided_banner() -> None:
    view = decided_view(RequestStatus.DENIED)
    card = build_noted_card(view, NOW, EN, "emphasis", "snooze.done", until="**[x](y)**")
    note = by_id(card, "note")
    assert note["items"][0]["text"] == (
        "Reminders for this request are snoozed here until \u2217\u2217[x]\u2060(y)\u2217\u2217."
    )
    assert note["items"][0]["color"] == "default"  # emphasis is a background, not a colour
    assert [element.get("id") for element in card["body"][:2]] == ["note", "status-banner"]


def test_noted_card_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError, match="not a Container style"):
        build_noted_card(make_view(), NOW, EN, "danger", "snooze.done", until="tomorrow")


def test_block_confirmation_explains_and_asks() -> None:
    card = build_block_confirmation_card(make_view(), NOW, EN)

    assert card["fallbackText"] == "Block Contoso Calendar Sync?"
    assert by_id(card, "block-title")["text"] == "Block Contoso Calendar Sync?"
    assert by_id(card, "publisher")["text"] == "✔ Verified publisher: Contoso Ltd"
    facts = {fact["title"]: fact["value"] for fact in by_id(card, "block-facts")["facts"]}
    assert facts == {
        "Application ID": "11111111-2222-3333-4444-555555555555",
        "Waiting": "3 days (since 9 Mar 2026)",
    }
    what = by_id(card, "block-what")["text"]
    assert "service principal" in what
    assert "nobody in your organisation can sign in to Contoso Calendar Sync or request it" in what
    assert "enable the app again in Microsoft Entra" in by_id(card, "block-undo")["text"]
    confirm, cancel = card["actions"]
    assert confirm == {
        "type": "Action.Execute",
        "title": "Yes, block Contoso Calendar Sync",
        "verb": "block_confirm",
        "data": DATA,
        "id": "block-confirm",
        "associatedInputs": "None",
        "style": "destructive",
    }
    assert cancel == {
        "type": "Action.Execute",
        "title": "Cancel",
        "verb": "block_cancel",
        "data": DATA,
        "id": "block-cancel",
        "associatedInputs": "None",
    }
    assert not kinds(card) & {"Action.ShowCard", "Input.Text", "Action.OpenUrl"}


def test_block_confirmation_warns_about_an_unverified_publisher() -> None:
    view = make_view(publisher=Publisher("Fabrikam Apps", verified=False))
    publisher = by_id(build_block_confirmation_card(view, NOW, EN), "publisher")
    assert publisher["style"] == "attention"
    assert "Unverified publisher: Fabrikam Apps" in all_text(publisher)


@pytest.mark.parametrize("locale", ["fr-FR", "ja-JP"])
def test_decision_cards_are_translated(locale: str) -> None:
    messages = Messages.for_locale(locale)
    english = {text for text in load_catalogue("en").values() if "{" not in text}
    cards = [
        build_reviewer_card(make_view(), NOW, messages),
        build_reviewer_card(
            make_view(
                decision=decision(DecisionAction.APPROVE, problem="x", unresolved_scopes=("A.B",))
            ),
            NOW,
            messages,
        ),
        build_block_confirmation_card(make_view(), NOW, messages),
        *(build_reviewer_card(make_view(status=status), NOW, messages) for status in RequestStatus),
        *(
            build_reviewer_card(decided_view(status), NOW, messages)
            for status in (
                RequestStatus.APPROVING,
                RequestStatus.APPROVED,
                RequestStatus.DENIED,
                RequestStatus.BLOCKING,
                RequestStatus.BLOCKED,
            )
        ),
        *(build_refusal_card(make_view(), NOW, messages, key) for key in REFUSALS),
        build_noted_card(make_view(), NOW, messages, "good", "snooze.done", until=NOW),
    ]
    for card in cards:
        assert card["lang"] == messages.language
        texts = shown_texts(card)
        texts += [
            e[k] for e in elements(card) for k in ("label", "placeholder", "errorMessage") if k in e
        ]
        leaked = [text for text in texts if text in english]
        assert not leaked, f"English text in a {locale} card: {leaked}"


def test_french_and_japanese_banners_read_naturally() -> None:
    view = decided_view(RequestStatus.APPROVED)
    french = by_id(build_reviewer_card(view, NOW, Messages("fr")), "status-banner")
    assert french["items"][0]["text"] == "Approuvée par Adele Vance le 12 mars 2026 à 14:30 UTC"
    japanese = by_id(build_reviewer_card(view, NOW, Messages("ja")), "status-banner")
    assert japanese["items"][0]["text"] == "2026年3月12日 14:30 (UTC) に Adele Vance が承認しました"
    assert (
        by_id(build_reviewer_card(make_view(), NOW, Messages("ja")), "approve")["title"] == "承認"
    )


def test_french_and_japanese_snooze_notes_read_naturally() -> None:
    until = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
    french = build_noted_card(make_view(), NOW, Messages("fr"), "good", "snooze.done", until=until)
    assert by_id(french, "note")["items"][0]["text"] == (
        "Les rappels pour cette demande sont suspendus ici jusqu'au 13 mars 2026 à 08:00 UTC."
    )
    assert by_id(french, "snooze")["title"] == "Suspendre les rappels"
    japanese = build_noted_card(
        make_view(), NOW, Messages("ja"), "good", "snooze.done", until=until
    )
    assert by_id(japanese, "note")["items"][0]["text"] == (
        "この要求のリマインダーは、ここでは 2026年3月13日 08:00 (UTC) まで停止しています。"
    )
