"""The digest card: many new requests at once, one compact entry and button each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cards import verbs
from cards.digest import (
    DIGEST_BUDGET,
    ITEMS_SHOWN,
    asked_by,
    build_digest_card,
    digest_size,
    risk_line,
)
from cards.elements import CARD_BUDGET, card_size
from domain.i18n import Messages, load_catalogue
from tests.card_checks import all_text, by_id, elements, shown_texts, validate_card
from tests.unit.card_samples import EN, NOW, digest_item


def entries(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if str(e.get("id", "")).startswith("digest-item-")]


def test_digest_says_how_many_and_why() -> None:
    card = build_digest_card([digest_item(i) for i in range(3)], NOW, EN)

    assert card["fallbackText"] == "3 new admin consent requests"
    title = by_id(card, "digest-title")
    assert title["text"] == "3 new admin consent requests"
    assert title["style"] == "heading"
    assert by_id(card, "digest-intro")["text"] == (
        "Too many arrived at once to post one by one; open any of them here."
    )
    assert card["body"][:2] == [title, by_id(card, "digest-intro")]
    assert len(entries(card)) == 3
    assert "actions" not in card  # every button belongs to its own entry
    assert "digest-more" not in json.dumps(card)


def test_one_request_is_singular() -> None:
    card = build_digest_card([digest_item(0)], NOW, EN)
    assert card["fallbackText"] == by_id(card, "digest-title")["text"]
    assert card["fallbackText"] == "1 new admin consent request"


def test_each_entry_shows_app_risk_requesters_and_waiting() -> None:
    card = build_digest_card([digest_item(0), digest_item(1)], NOW, EN)
    first = by_id(card, "digest-item-0")

    assert first["type"] == "Container"
    app, risk, asked, buttons = first["items"]
    assert app == {
        "type": "TextBlock",
        "text": "Fabrikam Notes 0",
        "wrap": True,
        "weight": "bolder",
    }
    assert risk["text"] == "Unverified publisher · 2 permissions need an admin · 1 unknown"
    assert risk["color"] == "attention"
    assert asked["text"] == "Asked by Adele Vance, Patti Fernandez and 3 more · waiting 2 hours"
    assert asked["isSubtle"] is True
    assert buttons["type"] == "ActionSet"
    assert "waiting 3 hours" in all_text(by_id(card, "digest-item-1"))


def test_each_entry_has_its_own_show_full_card_button() -> None:
    items = [digest_item(i, request_id=f"req-{i * 7}") for i in range(4)]
    card = build_digest_card(items, NOW, EN)

    for index, entry in enumerate(entries(card)):
        [button_set] = [e for e in entry["items"] if e["type"] == "ActionSet"]
        [show] = button_set["actions"]
        assert show == {
            "type": "Action.Execute",
            "title": "Show full card",
            "verb": verbs.SHOW_CARD,
            "data": {"request_id": f"req-{index * 7}"},
            "id": f"digest-show-{index}",
        }
    # No inputs anywhere, so nothing but the request id can travel with a click.
    assert not [e for e in elements(card) if str(e.get("type", "")).startswith("Input.")]
    sent = [e["data"] for e in elements(card) if e.get("type") == "Action.Execute"]
    assert sent == [{"request_id": item.request_id} for item in items]


def test_entries_keep_the_order_given() -> None:
    items = [digest_item(i, app_display_name=name) for i, name in enumerate("CAB")]
    card = build_digest_card(items, NOW, EN)
    assert [entry["items"][0]["text"] for entry in entries(card)] == ["C", "A", "B"]


@pytest.mark.parametrize(
    ("verified", "admin", "unknown", "count", "text", "colour"),
    [
        (
            False,
            2,
            1,
            5,
            "Unverified publisher · 2 permissions need an admin · 1 unknown",
            "attention",
        ),
        (True, 0, 0, 4, "Verified publisher · 4 permissions", None),
        (True, 0, 0, 1, "Verified publisher · 1 permission", None),
        (True, 1, 0, 3, "Verified publisher · 1 permission needs an admin", "warning"),
        (True, 0, 3, 3, "Verified publisher · 3 unknown", "warning"),
        (False, 0, 0, 2, "Unverified publisher · 2 permissions", "attention"),
        (None, 0, 0, 3, "Not yet in your tenant · 3 permissions", "warning"),
        (None, 4, 0, 6, "Not yet in your tenant · 4 permissions need an admin", "warning"),
    ],
)
def test_risk_line(
    verified: bool | None, admin: int, unknown: int, count: int, text: str, colour: str | None
) -> None:
    item = digest_item(
        0, publisher_verified=verified, needs_admin=admin, unknown_scopes=unknown, scope_count=count
    )
    assert risk_line(item, EN) == (text, colour)
    risk = by_id(build_digest_card([item], NOW, EN), "digest-item-0")["items"][1]
    assert risk["text"] == text
    assert risk.get("color") == colour


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ((), "No requester recorded"),
        (("Adele Vance",), "Asked by Adele Vance"),
        (("Adele Vance", "Patti Fernandez"), "Asked by Adele Vance and Patti Fernandez"),
        (("Adele", "Patti", "Lee Gu"), "Asked by Adele, Patti and Lee Gu"),
        (("Adele", "Patti", "Lee", "Megan"), "Asked by Adele, Patti and 2 more"),
        (tuple(f"User {i}" for i in range(250)), "Asked by User 0, User 1 and 248 more"),
        # Blank names are counted, never shown as gaps.
        (("Adele", " ", "Lee"), "Asked by Adele, Lee and 1 more"),
        ((" ", "Patti"), "Asked by Patti and 1 more"),
        (("\n", " "), "Asked by 2 people"),
        (("\t",), "Asked by 1 person"),
    ],
)
def test_requesters_are_named_then_counted(names: tuple[str, ...], text: str) -> None:
    assert asked_by(names, EN) == text
    card = build_digest_card([digest_item(0, requesters=names)], NOW, EN)
    assert by_id(card, "digest-item-0")["items"][2]["text"] == f"{text} · waiting 2 hours"


def test_an_app_without_a_name_is_still_an_entry() -> None:
    card = build_digest_card([digest_item(0, app_display_name="\u202e ")], NOW, EN)
    assert by_id(card, "digest-item-0")["items"][0]["text"] == "(no app name)"


@pytest.mark.parametrize(("count", "more"), [(40, None), (41, "and 1 more request: see Entra")])
def test_forty_are_listed_then_the_rest_counted(count: int, more: str | None) -> None:
    card = build_digest_card([digest_item(i) for i in range(count)], NOW, EN)
    assert len(entries(card)) == ITEMS_SHOWN == 40
    if more is None:
        assert "digest-more" not in json.dumps(card)
    else:
        assert by_id(card, "digest-more")["text"] == more
        assert card["body"][-1]["id"] == "digest-more"
    assert card["fallbackText"] == f"{count} new admin consent requests"


def test_two_hundred_requests_fit_under_forty_kilobytes() -> None:
    for language in ("en", "fr", "ja"):
        card = build_digest_card([digest_item(i) for i in range(200)], NOW, Messages(language))
        assert len(json.dumps(card, ensure_ascii=False).encode()) < DIGEST_BUDGET == 40_000
        assert len(json.dumps(card).encode()) < 40_000
        assert card_size(card) <= CARD_BUDGET
        assert len(entries(card)) == 40  # ordinary names cost nothing in detail
    assert by_id(card, "digest-more")["text"] == "ほか 160 件 (Entra で確認してください)"
    english = build_digest_card([digest_item(i) for i in range(200)], NOW, EN)
    assert by_id(english, "digest-more")["text"] == "and 160 more requests: see Entra"


@pytest.mark.parametrize("heavy", ["権限](x)" * 200, "😀" * 600, "](" * 400, "a" * 5000])
def test_worst_case_names_still_fit_and_everything_is_counted(heavy: str) -> None:
    items = [digest_item(i, app_display_name=heavy, requesters=(heavy,) * 300) for i in range(200)]
    for language in ("en", "fr", "ja"):
        card = build_digest_card(items, NOW, Messages(language))
        if language == "en":  # the schema tests cover the languages; this is slow
            validate_card(card)
        assert digest_size(card) <= DIGEST_BUDGET
        assert card_size(card) <= CARD_BUDGET
        shown = len(entries(card))
        assert 10 <= shown <= 40
        hidden = int("".join(c for c in by_id(card, "digest-more")["text"] if c.isdigit()))
        assert shown + hidden == 200


@pytest.mark.parametrize(
    ("language", "title", "risk", "asked", "waiting", "button"),
    [
        (
            "fr",
            "3 nouvelles demandes de consentement administrateur",
            "Éditeur non vérifié · 2 autorisations requièrent un administrateur · 1 inconnue",
            "Demandée par Adele Vance, Patti Fernandez et 3 autres personnes",
            "en attente depuis 2 heures",
            "Afficher la carte complète",
        ),
        (
            "ja",
            "新しい管理者の同意要求 3 件",
            "未確認の発行元 · 管理者の同意が必要なアクセス許可 2 件 · 不明 1 件",
            "Adele Vance、Patti Fernandez ほか 3 人が要求",
            "2時間 待機中",
            "カード全体を表示",
        ),
    ],
)
def test_digest_reads_naturally_in_french_and_japanese(
    language: str, title: str, risk: str, asked: str, waiting: str, button: str
) -> None:
    messages = Messages(language)
    card = build_digest_card([digest_item(i) for i in range(3)], NOW, messages)
    assert card["lang"] == language
    assert card["fallbackText"] == by_id(card, "digest-title")["text"] == title
    entry = by_id(card, "digest-item-0")
    assert [item.get("text") for item in entry["items"][:3]] == [
        "Fabrikam Notes 0",
        risk,
        f"{asked} · {waiting}",
    ]
    assert by_id(card, "digest-show-0")["title"] == button


@pytest.mark.parametrize("locale", ["fr-FR", "ja-JP"])
def test_translated_digests_use_no_english(locale: str) -> None:
    messages = Messages.for_locale(locale)
    english = {text for text in load_catalogue("en").values() if "{" not in text}
    items = [
        digest_item(0, publisher_verified=True, needs_admin=0, unknown_scopes=0),
        digest_item(1, publisher_verified=None, requesters=()),
        digest_item(2, app_display_name="", requesters=(" ",)),
        *(digest_item(i) for i in range(3, 60)),
    ]
    card = build_digest_card(items, NOW, messages)
    leaked = [text for text in shown_texts(card) if text in english]
    assert not leaked, f"English text in a {locale} digest: {leaked}"
