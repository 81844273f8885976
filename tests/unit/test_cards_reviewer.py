"""What the reviewer card tells a reviewer about a request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cards.reviewer import build_reviewer_card
from domain.i18n import Messages, load_catalogue
from domain.types import Publisher, RequestStatus, ScopeDetail
from tests.card_checks import all_text, by_id, elements, shown_texts
from tests.unit.card_samples import EN, ENTRA_URL, NOW, make_view, requester


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in elements(card) if str(e.get("type", "")).startswith("Action.")]


def test_pending_card_shows_app_scopes_requesters_and_timing() -> None:
    card = build_reviewer_card(make_view(), NOW, EN)

    assert card["fallbackText"] == "Admin consent request: Contoso Calendar Sync"
    assert all(e.get("id") != "status-banner" for e in elements(card))
    assert by_id(card, "app-name")["text"] == "Contoso Calendar Sync"
    assert by_id(card, "app-name")["style"] == "heading"
    scopes = all_text(by_id(card, "scopes"))
    for value in ("Calendars.ReadWrite", "User.Read", "offline_access"):
        assert value in scopes
    assert "Read and write your calendars" in scopes
    assert "Requires admin consent" in all_text(by_id(card, "scope-0"))
    assert "Does not require admin" in all_text(by_id(card, "scope-1"))
    assert "Microsoft Graph" not in scopes
    assert by_id(card, "scopes-heading")["text"] == "Permissions requested (3)"

    people = all_text(by_id(card, "requesters"))
    for index in (0, 1):
        assert f"Megan Bowen {index}" in people
        assert f"megan{index}@contoso.example" in people
        assert f"“I need my meetings in the sync tool ({index})”" in people
    assert "Requested 9 Mar 2026, 15:30 UTC" in people

    facts = {fact["title"]: fact["value"] for fact in by_id(card, "timing")["facts"]}
    assert facts == {
        "Waiting": "3 days (since 9 Mar 2026)",
        "Expires": "20 Mar 2026, 17:30 UTC (in 8 days)",
    }


def test_pending_card_offers_decisions_and_the_entra_hand_off() -> None:
    card = build_reviewer_card(make_view(), NOW, EN)

    top = card["actions"]
    assert [action["id"] for action in top] == ["approve", "deny", "block", "snooze", "open-entra"]
    assert len(top) <= 6  # Teams hides the rest
    entra = top[-1]
    assert entra["type"] == "Action.OpenUrl"
    assert entra["url"] == ENTRA_URL
    assert entra["title"] == "Review in Entra"
    # Buttons only: nothing in the body acts, and the card does not refresh itself.
    assert actions({"body": card["body"]}) == []
    assert "refresh" not in card


def test_verified_publisher_is_stated_in_good_colour() -> None:
    publisher = by_id(build_reviewer_card(make_view(), NOW, EN), "publisher")
    assert publisher["text"] == "✔ Verified publisher: Contoso Ltd"
    assert publisher["color"] == "good"


def test_unverified_publisher_is_a_warning_box() -> None:
    view = make_view(publisher=Publisher("Fabrikam Apps", verified=False))
    publisher = by_id(build_reviewer_card(view, NOW, EN), "publisher")
    assert publisher["style"] == "attention"
    text = all_text(publisher)
    assert "Unverified publisher: Fabrikam Apps" in text
    assert "Microsoft has not verified" in text


def test_unnamed_unverified_publisher_still_warns() -> None:
    view = make_view(publisher=Publisher(" ", verified=False))
    text = all_text(by_id(build_reviewer_card(view, NOW, EN), "publisher"))
    assert "Unverified publisher: (no publisher name)" in text


def test_app_not_in_tenant_says_so() -> None:
    publisher = by_id(build_reviewer_card(make_view(publisher=None), NOW, EN), "publisher")
    assert publisher["style"] == "warning"
    assert "Not yet in your tenant" in all_text(publisher)
    assert "Verified" not in all_text(publisher)


def test_unknown_scope_is_flagged_and_not_explained_away() -> None:
    view = make_view(scopes=(ScopeDetail("User.Read", "Sign in", False), ScopeDetail("Weird.All")))
    card = build_reviewer_card(view, NOW, EN)
    first = all_text(by_id(card, "scope-0"))  # unknown ranks above user-consentable
    assert "Weird.All" in first
    assert "Unknown permission" in first
    assert "not in your tenant's catalogue" in first


def test_non_graph_resource_is_named() -> None:
    scope = ScopeDetail("user_impersonation", "Access Contoso CRM", True, "Contoso CRM API")
    card = build_reviewer_card(make_view(scopes=(scope,)), NOW, EN)
    assert "API: Contoso CRM API" in all_text(by_id(card, "scope-0"))


def test_scopes_are_ordered_by_risk() -> None:
    scopes = (
        ScopeDetail("User.Read", "a", False),
        ScopeDetail("Odd.Scope", None, None),
        ScopeDetail("Mail.Send", "b", True),
    )
    card = build_reviewer_card(make_view(scopes=scopes), NOW, EN)
    order = [all_text(by_id(card, f"scope-{i}")).split("\n")[0] for i in range(3)]
    assert order == ["Mail.Send", "Odd.Scope", "User.Read"]


def test_requester_without_reason_or_upn() -> None:
    view = make_view(requesters=(requester(0, reason="  \n ", user_principal_name=None),))
    person = by_id(build_reviewer_card(view, NOW, EN), "requester-0")
    text = all_text(person)
    assert "No reason given" in text
    assert "Requested 9 Mar 2026, 15:30 UTC" in text
    assert " · " not in text


def test_newest_requesters_come_first() -> None:
    view = make_view(requesters=tuple(requester(i) for i in range(4)))
    card = build_reviewer_card(view, NOW, EN)
    assert "Megan Bowen 3" in all_text(by_id(card, "requester-0"))
    assert "Megan Bowen 0" in all_text(by_id(card, "requester-3"))


def test_unknown_and_passed_expiry() -> None:
    unknown = build_reviewer_card(make_view(expires_at=None), NOW, EN)
    assert by_id(unknown, "timing")["facts"][1]["value"] == "Expiry unknown"
    passed = build_reviewer_card(make_view(expires_at=NOW - timedelta(hours=2)), NOW, EN)
    assert by_id(passed, "timing")["facts"][1]["value"] == "12 Mar 2026, 13:30 UTC (2 hours ago)"


@pytest.mark.parametrize(
    ("status", "style", "title"),
    [
        (RequestStatus.APPROVED_IN_ENTRA, "good", "Approved in the Entra portal"),
        (RequestStatus.DENIED_IN_ENTRA, "attention", "Denied in the Entra portal"),
        (RequestStatus.CLOSED_IN_ENTRA, "default", "Closed in Entra"),
        (RequestStatus.EXPIRED, "warning", "Expired"),
    ],
)
def test_closed_request_shows_banner_and_no_actions(
    status: RequestStatus, style: str, title: str
) -> None:
    card = build_reviewer_card(make_view(status=status), NOW, EN)

    banner = by_id(card, "status-banner")
    assert card["body"][0] is banner
    assert banner["style"] == style
    assert banner["items"][0]["text"] == title
    assert actions(card) == []
    assert "actions" not in card
    facts = by_id(card, "timing")["facts"]
    assert facts == [{"title": "First requested", "value": "9 Mar 2026, 10:30 UTC"}]


@pytest.mark.parametrize(
    ("language", "kicker", "waiting"),
    [
        ("fr-FR", "Demande de consentement administrateur", "3 jours (depuis le 9 mars 2026)"),
        ("ja-JP", "管理者の同意要求", "3日 (2026年3月9日 から)"),
    ],
)
def test_translated_cards_use_no_english(language: str, kicker: str, waiting: str) -> None:
    messages = Messages.for_locale(language)
    views = [
        make_view(),
        make_view(publisher=None, expires_at=None),
        make_view(publisher=Publisher("Fabrikam", False), scopes=(ScopeDetail("X.Y"),)),
        make_view(requesters=tuple(requester(i, reason=None) for i in range(30))),
        make_view(status=RequestStatus.EXPIRED),
    ]
    english = {text for text in load_catalogue("en").values() if "{" not in text}
    for view in views:
        card = build_reviewer_card(view, NOW, messages)
        assert card["lang"] == messages.language
        leaked = [text for text in shown_texts(card) if text in english]
        assert not leaked, f"English text in a {language} card: {leaked}"
    card = build_reviewer_card(make_view(), NOW, messages)
    assert by_id(card, "kicker")["text"] == kicker
    assert by_id(card, "timing")["facts"][0]["value"] == waiting
