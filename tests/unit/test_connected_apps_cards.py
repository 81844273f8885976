"""The connected apps cards: valid 1.5, inert outside text, paging buttons, size."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.admin.connected_apps import requested_app, requested_page
from cards.connected_apps import (
    PAGE_SIZE,
    SCOPES_SHOWN,
    ConnectedApp,
    Notice,
    build_block_connected_card,
    build_connected_apps_card,
    build_connected_refusal_card,
    build_connected_unavailable_card,
)
from cards.elements import CARD_BUDGET, card_size
from cards.verbs import CONNECTED_APPS_BLOCK, CONNECTED_APPS_BLOCK_CONFIRM, CONNECTED_APPS_PAGE
from domain.i18n import Messages
from tests.card_checks import by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES

APP = ConnectedApp(
    service_principal_id="11111111-1111-1111-1111-111111111111",
    app_id="22222222-2222-2222-2222-222222222222",
    display_name="Pipeline CRM Sidebar",
    publisher="Sidebar Apps Ltd",
    verified=False,
    enabled=True,
    tenant_wide_scopes=("User.Read", "offline_access"),
    users=2,
)


def app(index: int, **overrides: Any) -> ConnectedApp:
    values: dict[str, Any] = {
        "service_principal_id": f"11111111-1111-1111-1111-{index:012d}",
        "app_id": f"22222222-2222-2222-2222-{index:012d}",
        "display_name": f"App {index:02d}",
        **overrides,
    }
    return replace(APP, **values)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in elements(card) if e.get("type") == "Action.Execute"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_connected_card_validates(language: str) -> None:
    messages = Messages(language)
    notice = Notice("good", messages.t("connected.block_done", app="X"), "detail")
    blocked = replace(APP, enabled=False, publisher=None, tenant_wide_scopes=())
    for card in (
        build_connected_apps_card([APP, blocked], page=0, total=2, messages=messages),
        build_connected_apps_card(
            [app(i) for i in range(PAGE_SIZE)], page=1, total=35, messages=messages, notice=notice
        ),
        build_connected_apps_card([], page=0, total=0, messages=messages),
        build_block_connected_card(APP, page=3, messages=messages),
        build_connected_refusal_card(messages),
        build_connected_unavailable_card(messages, 2),
    ):
        validate_card(card)
        assert card["lang"] == language


def test_list_shows_scopes_users_publisher_and_a_block_button() -> None:
    card = build_connected_apps_card([APP], page=0, total=1, messages=EN)

    item = by_id(card, "connected-app-0")
    facts = next(e for e in elements(item) if e.get("type") == "FactSet")["facts"]
    assert facts == [
        {"title": "Granted for everyone", "value": "User.Read offline_access"},
        {"title": "Users who consented themselves", "value": "2"},
    ]
    assert "Sidebar Apps Ltd, publisher not verified" in str(item)
    block = by_id(card, "connected-block-0")
    assert block["verb"] == CONNECTED_APPS_BLOCK
    assert block["data"] == {"app_id": APP.app_id, "page": "0"}
    assert block["style"] == "destructive"
    assert "actions" not in card  # one page: neither Previous nor Next


def test_a_blocked_app_has_no_block_button() -> None:
    card = build_connected_apps_card([replace(APP, enabled=False)], page=0, total=1, messages=EN)
    assert not [a for a in actions(card) if a["verb"] == CONNECTED_APPS_BLOCK]
    assert "Blocked" in str(by_id(card, "connected-app-0"))


@pytest.mark.parametrize(
    ("page", "total", "previous", "next_"),
    [(0, 10, None, None), (0, 11, None, "1"), (1, 11, "0", None), (1, 35, "0", "2")],
)
def test_paging_buttons(page: int, total: int, previous: str | None, next_: str | None) -> None:
    shown = [app(i) for i in range(min(PAGE_SIZE, total - page * PAGE_SIZE))]
    card = build_connected_apps_card(shown, page=page, total=total, messages=EN)

    buttons = {a["id"]: a for a in card.get("actions", [])}
    assert (buttons.get("connected-previous") or {}).get("data") == (
        {"page": previous} if previous else None
    )
    assert (buttons.get("connected-next") or {}).get("data") == ({"page": next_} if next_ else None)
    assert all(b["verb"] == CONNECTED_APPS_PAGE for b in buttons.values())
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    assert by_id(card, "connected-summary")["text"] == (
        f"{total} third-party apps hold delegated permissions in your organization."
        f" Page {page + 1} of {pages}."
    )
    # Each app's Block button remembers the page to come back to.
    assert {b["data"]["page"] for b in actions(card) if b["verb"] == CONNECTED_APPS_BLOCK} == {
        str(page)
    }


def test_confirmation_card_confirms_or_goes_back_to_the_page() -> None:
    card = build_block_connected_card(APP, page=3, messages=EN)

    assert by_id(card, "connected-confirm-title")["text"] == "Block Pipeline CRM Sidebar?"
    confirm, cancel = by_id(card, "connected-confirm"), by_id(card, "connected-cancel")
    assert confirm["verb"] == CONNECTED_APPS_BLOCK_CONFIRM
    assert confirm["data"] == {"app_id": APP.app_id, "page": "3"}
    assert cancel["verb"] == CONNECTED_APPS_PAGE
    assert cancel["data"] == {"page": "3"}
    assert confirm["associatedInputs"] == cancel["associatedInputs"] == "None"


def test_hostile_names_publishers_and_scopes_are_inert() -> None:
    hostile = replace(
        APP, display_name=HOSTILE_APP, publisher=HOSTILE_APP, tenant_wide_scopes=(HOSTILE_APP,)
    )
    for card in (
        build_connected_apps_card([hostile], page=0, total=1, messages=EN),
        build_block_connected_card(hostile, page=0, messages=EN),
    ):
        validate_card(card)
        for text in shown_texts(card):
            assert_inert(text)
    listing = build_connected_apps_card([hostile], page=0, total=1, messages=EN)
    assert as_read(by_id(listing, "connected-app-0")["items"][0]["text"]) == HOSTILE_APP


def test_many_scopes_are_counted_not_all_listed() -> None:
    scopes = tuple(f"Scope{i}.Read" for i in range(30))
    card = build_connected_apps_card(
        [replace(APP, tenant_wide_scopes=scopes)], page=0, total=1, messages=EN
    )
    value = str(by_id(card, "connected-app-0"))
    assert f"Scope{SCOPES_SHOWN - 1}.Read" in value
    assert f"Scope{SCOPES_SHOWN}.Read" not in value
    assert f"and {30 - SCOPES_SHOWN} more" in value


@pytest.mark.parametrize("heavy", ["x", "\U0001f600", "\u0416"])
def test_a_full_page_of_worst_case_apps_fits(heavy: str) -> None:
    big = heavy * 10_000
    worst = [
        app(i, display_name=big, publisher=big, tenant_wide_scopes=tuple([big] * 200))
        for i in range(PAGE_SIZE)
    ]
    for language in LANGUAGES:
        messages = Messages(language)
        notice = Notice("good", messages.t("connected.block_done", app=big[:200]), big[:300])
        card = build_connected_apps_card(
            worst, page=3, total=5000, messages=messages, notice=notice
        )
        assert card_size(card) <= CARD_BUDGET
        validate_card(card)
        confirm = build_block_connected_card(worst[0], page=3, messages=messages)
        assert card_size(confirm) <= CARD_BUDGET


@pytest.mark.parametrize(
    ("data", "page"),
    [({"page": "2"}, 2), ({"page": 4}, 4), ({"page": "-1"}, 0), ({"page": "x"}, 0), (None, 0)],
)
def test_requested_page(data: Any, page: int) -> None:
    assert requested_page(data) == page


def test_requested_app_accepts_only_app_ids() -> None:
    assert requested_app({"app_id": APP.app_id}) == APP.app_id
    assert requested_app({"app_id": "x') or (1 eq 1"}) is None
    assert requested_app({}) is None
