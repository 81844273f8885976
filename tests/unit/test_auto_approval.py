"""Auto-approval: the pure decision, the verdicts, chat input checks and the cards."""

from __future__ import annotations

from typing import Any

import pytest

from bot.admin.auto_approval_admin import NewEntry, Problem, parse_entry, parse_removal
from bot.admin.command_table import Command, Who, commands_for, parse_command
from bot.review.auto_approval import (
    AUTO_APPROVAL_ACTOR,
    MAX_SCOPES,
    SNAPSHOT_KEY,
    Candidate,
    auto_approvable,
    judge,
    note_of,
    valid_scope_name,
)
from bot.store import decisions
from bot.store.tables import AutoApprovalRow, DecisionRow
from cards.auto_approval import SCOPES_SHOWN, build_auto_approvals_card
from cards.elements import CARD_BUDGET, card_size
from cards.reviewer import build_reviewer_card
from domain.i18n import Messages
from domain.types import AutoApprovalNote, AutoApprovalOutcome, DecisionAction, RequestStatus
from tests.card_checks import by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES, NOW, decided_view, make_view

ONECAL = "2d3f1b9c-7e4a-4c1d-9b8e-0a1c5e6f7d21"
CALENDAR = ("Calendars.ReadWrite", "User.Read", "offline_access")


def entry(*scopes: str, **overrides: Any) -> AutoApprovalRow:
    values: dict[str, Any] = {
        "app_id": ONECAL,
        "app_name": "OneCal",
        "max_scopes": list(scopes),
        "created_by": None,
        "created_at": NOW,
        "origin": "chat",
    }
    values.update(overrides)
    return AutoApprovalRow(**values)


def decision_row(actor_id: str | None, actor_name: str, state: str = decisions.DONE) -> DecisionRow:
    return DecisionRow(
        request_id="req-1",
        action=DecisionAction.APPROVE.value,
        state=state,
        actor_id=actor_id,
        actor_name=actor_name,
        decided_at=NOW,
    )


# The pure decision -------------------------------------------------------------------------


def test_every_requested_scope_within_the_list_is_approvable() -> None:
    assert auto_approvable(CALENDAR, entry(*CALENDAR, "Contacts.Read")) == (True, ())


def test_the_comparison_ignores_case() -> None:
    assert auto_approvable(CALENDAR, entry("calendars.readwrite", "USER.READ", "Offline_Access"))[0]


def test_scopes_beyond_the_list_are_named_in_request_order() -> None:
    ok, beyond = auto_approvable(("Mail.Send", *CALENDAR, "Mail.Read"), entry(*CALENDAR))
    assert not ok
    assert beyond == ("Mail.Send", "Mail.Read")


def test_no_entry_approves_nothing_and_everything_is_beyond() -> None:
    assert auto_approvable(CALENDAR, None) == (False, CALENDAR)


def test_a_request_without_scopes_is_never_approvable() -> None:
    assert auto_approvable((), entry(*CALENDAR)) == (False, ())


def test_repeated_scopes_count_once() -> None:
    assert auto_approvable(("Mail.Send", "mail.send"), entry("User.Read")) == (
        False,
        ("Mail.Send",),
    )


# Verdicts -----------------------------------------------------------------------------------


def candidate(*scopes: str, blocked: bool = False) -> Candidate:
    return Candidate("req-1", ONECAL, scopes, blocked)


def test_verdict_approves_within_the_list() -> None:
    verdict = judge(candidate(*CALENDAR), entry(*CALENDAR))
    assert verdict.approved
    assert verdict.scopes == CALENDAR
    assert "allow-list entry (chat): Calendars.ReadWrite User.Read offline_access" in (
        verdict.detail()
    )


def test_a_blocked_app_is_never_approved() -> None:
    verdict = judge(candidate(*CALENDAR, blocked=True), entry(*CALENDAR))
    assert verdict.outcome is AutoApprovalOutcome.BLOCKED
    assert not verdict.approved


def test_unresolved_scopes_are_never_approved() -> None:
    verdict = judge(candidate(*CALENDAR), entry(*CALENDAR), unresolved=["offline_access"])
    assert verdict.outcome is AutoApprovalOutcome.UNRESOLVED
    assert verdict.scopes == ("offline_access",)


def test_beyond_names_the_scopes_not_listed() -> None:
    verdict = judge(candidate("Mail.Send", *CALENDAR), entry(*CALENDAR))
    assert (verdict.outcome, verdict.scopes) == (AutoApprovalOutcome.BEYOND, ("Mail.Send",))
    assert verdict.detail().startswith("not on the allow-list: Mail.Send")


def test_the_card_note_shows_an_approval_only_while_the_lists_decision_stands() -> None:
    snapshot = {SNAPSHOT_KEY: {"outcome": "approved", "scopes": list(CALENDAR)}}
    by_list = decision_row(None, AUTO_APPROVAL_ACTOR)
    for status in (RequestStatus.APPROVING, RequestStatus.APPROVED):
        note = note_of(snapshot, status, by_list)
        assert note == AutoApprovalNote(AutoApprovalOutcome.APPROVED, CALENDAR)
    failed = decision_row(None, AUTO_APPROVAL_ACTOR, state=decisions.FAILED)
    pending = note_of(snapshot, RequestStatus.PENDING, failed)
    assert pending is not None
    assert pending.outcome is AutoApprovalOutcome.FAILED
    by_person = decision_row("user-1", "Alex Wilber")
    later = note_of(snapshot, RequestStatus.APPROVED, by_person)
    assert later is not None
    assert later.outcome is AutoApprovalOutcome.FAILED


@pytest.mark.parametrize(
    "snapshot",
    [{}, {SNAPSHOT_KEY: None}, {SNAPSHOT_KEY: {"outcome": "maybe"}}, {SNAPSHOT_KEY: "approved"}],
)
def test_no_or_unreadable_verdict_means_no_note(snapshot: dict[str, Any]) -> None:
    assert note_of(snapshot, RequestStatus.PENDING, None) is None


# Chat input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("auto approve x", Command.AUTO_APPROVE),
        ("Auto-approve x", Command.AUTO_APPROVE),
        ("auto approvals", Command.AUTO_APPROVALS),
        ("auto-approvals", Command.AUTO_APPROVALS),
        ("remove auto approval x", Command.REMOVE_AUTO_APPROVAL),
    ],
)
def test_commands_are_recognised_and_admin_only(text: str, command: Command) -> None:
    assert parse_command(text) is command
    assert command in commands_for(Who.ADMINS)


@pytest.mark.parametrize(
    "name",
    ["Calendars.ReadWrite", "User.Read", "offline_access", "User.ReadBasic.All", "openid"],
)
def test_permission_names_are_accepted(name: str) -> None:
    assert valid_scope_name(name)


@pytest.mark.parametrize(
    "name", ["Mail.*", "*", ".Read", "User..Read", "User.Read.", "https://x/y", "a" * 101, "Mail?"]
)
def test_wildcards_and_odd_names_are_refused(name: str) -> None:
    assert not valid_scope_name(name)


def test_an_entry_keeps_the_typed_case_and_drops_repeats() -> None:
    parsed = parse_entry(f"auto approve {ONECAL.upper()} Calendars.ReadWrite, User.Read user.read")
    assert parsed == NewEntry(ONECAL, ("Calendars.ReadWrite", "User.Read"))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("auto approve", "auto_approval.usage"),
        ("auto approve OneCal User.Read", "auto_approval.bad_app_id"),
        (f"auto approve {ONECAL}", "auto_approval.no_scopes"),
        (f"auto approve {ONECAL} Mail.* User.Read", "auto_approval.bad_scopes"),
        (
            f"auto approve {ONECAL} " + " ".join(f"Scope{n}.Read" for n in range(MAX_SCOPES + 1)),
            "auto_approval.too_many",
        ),
    ],
)
def test_bad_entries_are_refused_with_a_reason(text: str, key: str) -> None:
    parsed = parse_entry(text)
    assert isinstance(parsed, Problem)
    assert parsed.key == key
    EN.t(parsed.key, **parsed.params)  # every refusal has its parameters


def test_fifty_scopes_are_allowed() -> None:
    scopes = " ".join(f"Scope{n}.Read" for n in range(MAX_SCOPES))
    parsed = parse_entry(f"auto approve {ONECAL} {scopes}")
    assert isinstance(parsed, NewEntry)
    assert len(parsed.scopes) == MAX_SCOPES


def test_a_bad_name_is_quoted_back_inert() -> None:
    parsed = parse_entry(f"auto approve {ONECAL} {HOSTILE_APP}")
    assert isinstance(parsed, Problem)
    assert_inert(EN.t(parsed.key, **parsed.params))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"remove auto approval {ONECAL.upper()}", ONECAL),
        ("remove auto approval", Problem("auto_approval.remove_usage")),
        (f"remove auto approval {ONECAL} {ONECAL}", Problem("auto_approval.remove_usage")),
    ],
)
def test_removal_takes_one_app_id(text: str, expected: object) -> None:
    assert parse_removal(text) == expected


# Cards ----------------------------------------------------------------------------------


def noted(outcome: AutoApprovalOutcome, *scopes: str, **overrides: Any) -> dict[str, Any]:
    view = make_view(auto_approval=AutoApprovalNote(outcome, scopes), **overrides)
    return build_reviewer_card(view, NOW, EN)


def test_the_record_card_says_it_was_approved_under_the_list() -> None:
    view = decided_view(
        RequestStatus.APPROVED,
        app_display_name="OneCal",
        auto_approval=AutoApprovalNote(AutoApprovalOutcome.APPROVED, CALENDAR[:2]),
    )
    card = build_reviewer_card(view, NOW, EN)
    validate_card(card)
    assert by_id(card, "auto-approval")["text"] == (
        "Approved automatically: OneCal is on the auto-approval list for "
        "Calendars.ReadWrite, User.Read."
    )


@pytest.mark.parametrize(
    ("outcome", "scopes", "expected"),
    [
        (
            AutoApprovalOutcome.BEYOND,
            ("Mail.Send",),
            "Not auto-approved: Mail.Send is not on the allow-list for this app.",
        ),
        (
            AutoApprovalOutcome.BEYOND,
            ("Mail.Send", "Mail.Read"),
            "Not auto-approved: Mail.Send, Mail.Read are not on the allow-list for this app.",
        ),
        (AutoApprovalOutcome.BLOCKED, (), "but it is blocked in your tenant"),
        (AutoApprovalOutcome.UNRESOLVED, ("Meetings.Summarize",), "Meetings.Summarize cannot"),
        (AutoApprovalOutcome.FAILED, CALENDAR[:1], "but the grant failed, so a reviewer decides"),
    ],
)
def test_the_card_says_why_it_was_not_auto_approved(
    outcome: AutoApprovalOutcome, scopes: tuple[str, ...], expected: str
) -> None:
    card = noted(outcome, *scopes)
    validate_card(card)
    assert expected in by_id(card, "auto-approval")["text"]
    assert any(e.get("verb") == "approve" for e in elements(card))  # reviewers still decide


def test_an_unlisted_app_has_no_allow_list_line() -> None:
    card = build_reviewer_card(make_view(), NOW, EN)
    assert not [e for e in elements(card) if e.get("id") == "auto-approval"]


def test_a_long_beyond_list_is_counted() -> None:
    scopes = tuple(f"Scope{n}.Read" for n in range(SCOPES_SHOWN + 7))
    text = by_id(noted(AutoApprovalOutcome.BEYOND, *scopes), "auto-approval")["text"]
    assert text.count("Scope") == SCOPES_SHOWN
    assert "7 more" in text


def test_outside_text_on_the_line_is_inert() -> None:
    card = noted(AutoApprovalOutcome.BEYOND, HOSTILE_APP, app_display_name=HOSTILE_APP)
    for text in shown_texts(card):
        assert_inert(text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("outcome", list(AutoApprovalOutcome))
def test_every_line_in_every_language_is_valid(outcome: AutoApprovalOutcome, language: str) -> None:
    view = make_view(auto_approval=AutoApprovalNote(outcome, ("Mail.Send", "Mail.Read")))
    validate_card(build_reviewer_card(view, NOW, Messages(language)))


def test_the_allow_list_card_lists_each_app_with_its_scopes() -> None:
    rows = [
        entry(*CALENDAR),
        entry("User.Read", app_id="8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84", app_name=None),
        entry("Files.Read", app_id="b2c4d6e8-0f1a-4b3c-9d5e-6f7a8b9c0d88", origin="file"),
    ]
    card = build_auto_approvals_card(rows, EN, ("good", "Saved."))
    validate_card(card)
    facts = by_id(card, "auto-approvals")["facts"]
    assert [f["title"] for f in facts] == [
        "OneCal",
        "8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84",
        "OneCal",
    ]
    assert as_read(facts[0]["value"]) == (
        f"Calendars.ReadWrite, User.Read, offline_access. App id {ONECAL}, added in chat."
    )
    assert facts[2]["value"].endswith("from the config file.")
    assert by_id(card, "auto-approvals-lead")["style"] == "good"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_empty_list_says_everything_goes_to_reviewers(language: str) -> None:
    card = build_auto_approvals_card([], Messages(language))
    validate_card(card)
    assert by_id(card, "auto-approvals-none")


def test_a_huge_list_still_fits_one_message() -> None:
    rows = [
        entry(
            *(f"Very.Long.Permission.Name{n}.ReadWrite.All" for n in range(200)),
            app_id=f"00000000-0000-0000-0000-{index:012d}",
            app_name=f"App {index}",
        )
        for index in range(150)
    ]
    card = build_auto_approvals_card(rows, EN)
    validate_card(card)
    assert card_size(card) <= CARD_BUDGET
    assert "And 50 more apps." in shown_texts(card)


def test_hostile_names_on_the_list_are_inert() -> None:
    card = build_auto_approvals_card([entry(HOSTILE_APP, app_name=HOSTILE_APP)], EN)
    for text in shown_texts(card):
        assert_inert(text)
