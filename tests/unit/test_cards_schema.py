"""Every card the bot can build validates against the official Adaptive Card 1.5 schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cards.block import build_block_confirmation_card
from cards.digest import build_digest_card
from cards.help import build_destination_registered_card, build_help_card
from cards.notices import NOTICE_OUTCOMES, build_requester_notice
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card
from domain.i18n import Messages
from domain.types import DecisionAction, Publisher, RequestStatus, ScopeDetail
from tests.card_checks import by_id, validate_card
from tests.unit.card_samples import (
    EN,
    LANGUAGES,
    NOW,
    REFUSALS,
    decided_view,
    decision,
    digest_item,
    make_view,
    requester,
)

REVIEWER_VARIANTS = {
    "verified": make_view(),
    "unverified": make_view(publisher=Publisher("Fabrikam Apps", verified=False)),
    "unnamed-publisher": make_view(publisher=Publisher(None, verified=False)),
    "not-in-tenant": make_view(publisher=None),
    "unknown-scope": make_view(scopes=(ScopeDetail("Contoso.Secret.Everything"),)),
    "non-graph-resource": make_view(
        scopes=(ScopeDetail("user_impersonation", "Access Contoso CRM", True, "Contoso CRM API"),)
    ),
    "no-reason": make_view(requesters=(requester(0, reason=None, user_principal_name=None),)),
    "no-expiry": make_view(expires_at=None),
    "past-expiry": make_view(expires_at=NOW - timedelta(hours=2)),
    "many-requesters": make_view(requesters=tuple(requester(i) for i in range(500))),
    "no-scopes": make_view(scopes=()),
    "completed-elsewhere": make_view(status=RequestStatus.APPROVED_IN_ENTRA),
    "denied-elsewhere": make_view(status=RequestStatus.DENIED_IN_ENTRA),
    "closed-elsewhere": make_view(status=RequestStatus.CLOSED_IN_ENTRA),
    "expired": make_view(status=RequestStatus.EXPIRED),
    "approving": decided_view(RequestStatus.APPROVING),
    "approved": decided_view(RequestStatus.APPROVED),
    "denied": decided_view(RequestStatus.DENIED),
    "denied-no-link": decided_view(RequestStatus.DENIED, entra_requests_url=None),
    "blocking": decided_view(RequestStatus.BLOCKING),
    "blocked": decided_view(RequestStatus.BLOCKED),
    "decided-without-record": make_view(status=RequestStatus.APPROVED),
    "approve-failed": make_view(
        decision=decision(
            DecisionAction.APPROVE,
            problem="Some permissions could not be resolved",
            unresolved_scopes=("Contoso.Secret", "Tasks.Mystery"),
        )
    ),
    "block-failed": make_view(
        decision=decision(DecisionAction.BLOCK, problem="Graph answered 403 Forbidden")
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("variant", sorted(REVIEWER_VARIANTS))
def test_reviewer_cards_validate(variant: str, language: str) -> None:
    validate_card(build_reviewer_card(REVIEWER_VARIANTS[variant], NOW, Messages(language)))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason_key", REFUSALS)
def test_refusal_cards_validate(reason_key: str, language: str) -> None:
    messages = Messages(language)
    validate_card(build_refusal_card(make_view(), NOW, messages, reason_key))
    decided = REVIEWER_VARIANTS["denied"]
    validate_card(build_refusal_card(decided, NOW, messages, reason_key))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("style", ["default", "emphasis", "good", "attention", "warning", "accent"])
def test_noted_cards_validate(style: str, language: str) -> None:
    messages = Messages(language)
    for view in (make_view(), REVIEWER_VARIANTS["denied"], REVIEWER_VARIANTS["expired"]):
        validate_card(build_noted_card(view, NOW, messages, style, "snooze.done", until=NOW))


DIGEST_VARIANTS = {
    "one": [digest_item(0)],
    "mixed": [
        digest_item(0, publisher_verified=True, needs_admin=0, unknown_scopes=0),
        digest_item(1, publisher_verified=None, requesters=()),
        digest_item(2, requesters=("Adele Vance",)),
        digest_item(3, app_display_name=" ", requesters=(" ", "\n")),
    ],
    "forty": [digest_item(i) for i in range(40)],
    "two-hundred": [digest_item(i) for i in range(200)],
    "empty": [],
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("variant", sorted(DIGEST_VARIANTS))
def test_digest_cards_validate(variant: str, language: str) -> None:
    validate_card(build_digest_card(DIGEST_VARIANTS[variant], NOW, Messages(language)))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("variant", ["verified", "unverified", "not-in-tenant"])
def test_block_confirmation_cards_validate(variant: str, language: str) -> None:
    view = REVIEWER_VARIANTS[variant]
    validate_card(build_block_confirmation_card(view, NOW, Messages(language)))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("outcome", sorted(NOTICE_OUTCOMES))
def test_requester_notices_validate(outcome: RequestStatus, language: str) -> None:
    messages = Messages(language)
    validate_card(
        build_requester_notice(outcome, "Contoso Calendar Sync", "Not needed", "Adele", messages)
    )
    validate_card(build_requester_notice(outcome, "Contoso Calendar Sync", None, None, messages))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("in_channel", [True, False])
def test_help_cards_validate(in_channel: bool, language: str) -> None:
    validate_card(build_help_card(Messages(language), in_channel=in_channel))
    lead = Messages(language).t("help.not_understood")
    validate_card(build_help_card(Messages(language), in_channel=in_channel, lead=lead))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("backlog", [0, 1, 7])
def test_registered_cards_validate(backlog: int, language: str) -> None:
    card = build_destination_registered_card(Messages(language), "Consent reviews", backlog)
    validate_card(card)


def test_the_schema_rejects_what_it_should() -> None:
    # Guards the guard: a validator that accepts anything proves nothing.
    card = build_help_card(EN, in_channel=True)
    card["body"][0]["colour"] = "red"
    with pytest.raises(AssertionError, match="does not match"):
        validate_card(card)


def test_the_schema_checks_actions_inside_the_body_too() -> None:
    card = build_digest_card([digest_item(0)], NOW, EN)
    by_id(card, "digest-show-0")["associatedInputs"] = "Everything"
    with pytest.raises(AssertionError, match="does not match"):
        validate_card(card)


def test_the_schema_checks_actions_and_inputs_too() -> None:
    card = build_reviewer_card(make_view(), NOW, EN)
    card["actions"][1]["card"]["body"][0]["multiline"] = True  # the key is isMultiline
    with pytest.raises(AssertionError, match="does not match"):
        validate_card(card)
    card = build_reviewer_card(make_view(), NOW, EN)
    card["actions"][0]["style"] = "danger"
    with pytest.raises(AssertionError, match="does not match"):
        validate_card(card)
