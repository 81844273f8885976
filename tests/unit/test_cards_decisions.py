"""Deciding on the reviewer card: buttons, decision states, refusals, block confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

import bot.i18n as i18n
from bot.domain import DecisionAction, Publisher, RequestStatus
from bot.i18n import Messages, load_catalogue
from cards import (
    build_block_confirmation_card,
    build_noted_card,
    build_refusal_card,
    build_reviewer_card,
    verbs,
)
from cards.status import UNRESOLVED_SHOWN
from cards.text import REASON_LIMIT
from tests.unit.test_cards_schema import (
    EN,
    ENTRA_REQUESTS_URL,
    NOW,
    REFUSALS,
    all_text,
    by_id,
    decided_view,
    decision,
    elements,
    make_view,
    shown_texts,
)

DECIDED_AT = "12 Mar 2026, 14:30 UTC"
DATA = {"request_id": "req-1"}
DECIDING = {"Action.Execute", "Action.ShowCard", "Action.Submit", "Input.Text"}


def kinds(card: dict[str, Any]) -> set[str]:
    return {str(element.get("type", "")) for element in elements(card)}


def test_verbs_are_the_wire_values() -> None:
    assert (verbs.APPROVE, verbs.DENY, verbs.BLOCK) == ("approve", "deny", "block")
    assert (verbs.BLOCK_CONFIRM, verbs.BLOCK_CANCEL) == ("block_confirm", "block_cancel")
    assert verbs.REFRESH == "refresh"
    assert (verbs.SNOOZE, verbs.SHOW_CARD) == ("snooze", "show_card")
    assert verbs.REASON_INPUT_ID == "reason"
    assert verbs.REQUEST_ID_KEY == "request_id"


def test_approve_sends_its_verb_and_the_request_id() -> None:
    approve = by_id(build_reviewer_card(make_view(), NOW, EN), "approve")
    assert approve == {
        "type": "Action.Execute",
        "title": "Approve",
        "verb": "approve",
        "data": DATA,
        "id": "approve",
        "associatedInputs": "None",
        "style": "positive",
        "tooltip": "Grant admin consent for everyone in your organisation",
    }


def test_deny_unfolds_a_required_reason_and_its_own_button() -> None:
    deny = by_id(build_reviewer_card(make_view(), NOW, EN), "deny")

    assert deny["type"] == "Action.ShowCard"
    assert deny["title"] == "Deny"
    assert deny["style"] == "destructive"
    [reason] = deny["card"]["body"]
    assert reason["type"] == "Input.Text"
    assert reason["id"] == verbs.REASON_INPUT_ID
    assert reason["isMultiline"] is True
    assert reason["isRequired"] is True
    assert reason["maxLength"] == REASON_LIMIT == 500
    assert reason["label"] == "Why are you denying it? The requesters will see this."
    assert reason["placeholder"].startswith("For example:")
    assert reason["errorMessage"] == "Give a reason so the requesters know what to do next."
    [submit] = deny["card"]["actions"]
    assert submit["type"] == "Action.Execute"
    assert submit["title"] == "Deny request"
    assert submit["verb"] == verbs.DENY
    assert submit["data"] == DATA
    assert submit["style"] == "destructive"
    # The reason must travel with it: the default ("Auto") sends this card's inputs.
    assert submit.get("associatedInputs", "Auto") == "Auto"


def test_block_only_asks_for_confirmation() -> None:
    block = by_id(build_reviewer_card(make_view(), NOW, EN), "block")
    assert block["type"] == "Action.Execute"
    assert block["title"] == "Block app"
    assert block["verb"] == verbs.BLOCK
    assert block["data"] == DATA
    assert block["associatedInputs"] == "None"


def test_buttons_carry_their_own_request_id() -> None:
    card = build_reviewer_card(make_view(request_id="req-42"), NOW, EN)
    sent = [e["data"] for e in elements(card) if e.get("type") == "Action.Execute"]
    assert sent == [{"request_id": "req-42"}] * 4


def test_a_decision_in_flight_hides_the_buttons_but_keeps_entra() -> None:
    view = make_view(decision=decision(DecisionAction.APPROVE))
    card = build_reviewer_card(view, NOW, EN)
    assert [action["id"] for action in card["actions"]] == ["open-entra"]
    assert not kinds(card) & DECIDING


def test_failed_approval_says_why_lists_the_scopes_and_keeps_the_buttons() -> None:
    failed = decision(
        DecisionAction.APPROVE,
        problem="2 permissions could not be matched to an API",
        unresolved_scopes=("Contoso.Secret", "Tasks.Mystery"),
    )
    card = build_reviewer_card(make_view(decision=failed), NOW, EN)

    problem = by_id(card, "decision-problem")
    assert card["body"][0] is problem
    assert problem["style"] == "attention"
    assert problem["items"][0]["text"] == (
        "Could not approve here: 2 permissions could not be matched to an API"
    )
    assert problem["items"][1]["text"] == (
        "These permissions are not defined by any API in your tenant, or by more than one: "
        "Contoso.Secret, Tasks.Mystery. Use Review in Entra to decide."
    )
    assert [action["id"] for action in card["actions"]] == [
        "approve",
        "deny",
        "block",
        "snooze",
        "open-entra",
    ]
    assert all(e.get("id") != "status-banner" for e in elements(card))


def test_failed_block_without_scopes_points_to_entra() -> None:
    failed = decision(DecisionAction.BLOCK, problem="Graph answered 403")
    card = build_reviewer_card(make_view(decision=failed), NOW, EN)
    assert all_text(by_id(card, "decision-problem")) == (
        "Could not block here: Graph answered 403\n"
        "The request is still open: try again, or use Review in Entra."
    )
    assert by_id(card, "approve")["verb"] == verbs.APPROVE


def test_many_unresolved_scopes_are_counted_past_the_first() -> None:
    scopes = tuple(f"Odd.Scope{i}" for i in range(UNRESOLVED_SHOWN + 5))
    failed = decision(DecisionAction.APPROVE, problem="unresolved", unresolved_scopes=scopes)
    text = by_id(build_reviewer_card(make_view(decision=failed), NOW, EN), "decision-problem")
    detail = text["items"][1]["text"]
    assert f"Odd.Scope{UNRESOLVED_SHOWN - 1}, and 5 more." in detail
    assert f"Odd.Scope{UNRESOLVED_SHOWN}," not in detail


@pytest.mark.parametrize(
    ("status", "style", "lines"),
    [
        (
            RequestStatus.APPROVING,
            "accent",
            [
                "Approving…",
                f"Approved by Adele Vance at {DECIDED_AT}; granting consent in your tenant.",
            ],
        ),
        (
            RequestStatus.APPROVED,
            "good",
            [
                f"Approved by Adele Vance, {DECIDED_AT}",
                "Every user in your organisation can now connect Contoso Calendar Sync.",
            ],
        ),
        (
            RequestStatus.DENIED,
            "attention",
            [
                f"Denied by Adele Vance, {DECIDED_AT}",
                "Reason: “We already use Fabrikam Calendar for this”",
                "Entra keeps its own copy of this request open until it expires and may keep"
                " reminding its reviewers: close it there too.",
            ],
        ),
        (
            RequestStatus.BLOCKING,
            "accent",
            [
                "Blocking…",
                "Confirmed by Adele Vance; disabling Contoso Calendar Sync in your tenant.",
            ],
        ),
        (
            RequestStatus.BLOCKED,
            "attention",
            [
                f"Blocked by Adele Vance, {DECIDED_AT}",
                "Nobody in your organisation can sign in to or request Contoso Calendar Sync now.",
            ],
        ),
    ],
)
def test_decision_states_show_a_banner_and_no_decision_buttons(
    status: RequestStatus, style: str, lines: list[str]
) -> None:
    card = build_reviewer_card(decided_view(status), NOW, EN)

    banner = by_id(card, "status-banner")
    assert card["body"][0] is banner
    assert banner["style"] == style
    assert [item["text"] for item in banner["items"]] == lines
    assert not kinds(card) & DECIDING
    facts = by_id(card, "timing")["facts"]
    assert facts == [{"title": "First requested", "value": "9 Mar 2026, 10:30 UTC"}]
    if status is RequestStatus.DENIED:
        [close] = card["actions"]
        assert close["type"] == "Action.OpenUrl"
        assert close["url"] == ENTRA_REQUESTS_URL
        assert close["title"] == "Close it in Entra"
    else:
        assert "actions" not in card


def test_denied_without_a_requests_link_has_no_actions() -> None:
    card = build_reviewer_card(decided_view(RequestStatus.DENIED, entra_requests_url=None), NOW, EN)
    assert "actions" not in card
    assert "close it there too" in all_text(by_id(card, "status-banner"))


def test_denied_without_a_reason_leaves_the_line_out() -> None:
    view = decided_view(RequestStatus.DENIED, decision=decision(DecisionAction.DENY, reason=" "))
    text = all_text(by_id(build_reviewer_card(view, NOW, EN), "status-banner"))
    assert "Reason" not in text


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (RequestStatus.APPROVING, "Approving…"),
        (RequestStatus.APPROVED, "Approved"),
        (RequestStatus.DENIED, "Denied"),
        (RequestStatus.BLOCKING, "Blocking…"),
        (RequestStatus.BLOCKED, "Blocked"),
    ],
)
def test_decision_states_without_a_record_still_say_what_happened(
    status: RequestStatus, title: str
) -> None:
    card = build_reviewer_card(make_view(status=status), NOW, EN)
    banner = by_id(card, "status-banner")
    assert banner["items"][0]["text"] == title
    assert "Adele" not in all_text(banner)
    assert not kinds(card) & DECIDING


def test_a_blank_reviewer_name_reads_as_a_reviewer() -> None:
    view = decided_view(
        RequestStatus.APPROVED, decision=decision(DecisionAction.APPROVE, actor_name="\n")
    )
    banner = by_id(build_reviewer_card(view, NOW, EN), "status-banner")
    assert banner["items"][0]["text"] == f"Approved by a reviewer, {DECIDED_AT}"


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
