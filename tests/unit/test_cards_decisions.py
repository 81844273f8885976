"""Deciding on the reviewer card: the buttons and the banners of each decision state."""

from __future__ import annotations

from typing import Any

import pytest

from cards import verbs
from cards.reviewer import build_reviewer_card
from cards.status import UNRESOLVED_SHOWN
from cards.text import REASON_LIMIT
from domain.types import DecisionAction, RequestStatus
from tests.card_checks import all_text, by_id, elements
from tests.unit.card_samples import EN, ENTRA_REQUESTS_URL, NOW, decided_view, decision, make_view

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
