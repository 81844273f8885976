"""Every card the bot can build validates against the official Adaptive Card 1.5 schema.

Also home of the helpers the other card tests share: sample requests, the
schema validator and walkers over a card's elements and visible text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from cards.block import build_block_confirmation_card
from cards.digest import DigestItem, build_digest_card
from cards.help import build_destination_registered_card, build_help_card
from cards.notices import NOTICE_OUTCOMES, build_requester_notice
from cards.reviewer import build_noted_card, build_refusal_card, build_reviewer_card
from domain.i18n import Messages
from domain.types import (
    DecisionAction,
    DecisionView,
    Publisher,
    Requester,
    RequestStatus,
    ReviewerCardView,
    ScopeDetail,
)

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "adaptive-card-1.5.json"
)
NOW = datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
ENTRA_URL = (
    "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentRequestDetailsBlade/requestId/req-1"
)
ENTRA_REQUESTS_URL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AccessRequests"
EN = Messages.for_locale("en-US")
LANGUAGES = ["en", "fr", "ja"]

CALENDAR_SCOPES = (
    ScopeDetail("Calendars.ReadWrite", "Read and write your calendars", True, "Microsoft Graph"),
    ScopeDetail("User.Read", "Sign you in and read your profile", False, "Microsoft Graph"),
    ScopeDetail("offline_access", "Maintain access to data you gave it access to", False, None),
)


def requester(index: int, **overrides: Any) -> Requester:
    """The ``index``-th sample requester, one hour newer than the previous one."""
    values: dict[str, Any] = {
        "user_id": f"user-{index}",
        "display_name": f"Megan Bowen {index}",
        "user_principal_name": f"megan{index}@contoso.example",
        "reason": f"I need my meetings in the sync tool ({index})",
        "requested_at": NOW - timedelta(days=3) + timedelta(hours=index),
    }
    values.update(overrides)
    return Requester(**values)


def make_view(**overrides: Any) -> ReviewerCardView:
    """A pending request for a verified calendar app, changed by ``overrides``."""
    values: dict[str, Any] = {
        "request_id": "req-1",
        "app_id": "11111111-2222-3333-4444-555555555555",
        "app_display_name": "Contoso Calendar Sync",
        "publisher": Publisher("Contoso Ltd", verified=True),
        "scopes": CALENDAR_SCOPES,
        "requesters": (requester(0), requester(1)),
        "first_requested_at": NOW - timedelta(days=3, hours=5),
        "expires_at": NOW + timedelta(days=8, hours=2),
        "entra_review_url": ENTRA_URL,
    }
    values.update(overrides)
    return ReviewerCardView(**values)


def decision(action: DecisionAction, **overrides: Any) -> DecisionView:
    """A decision by Adele Vance an hour before ``NOW``, changed by ``overrides``."""
    values: dict[str, Any] = {
        "action": action,
        "actor_name": "Adele Vance",
        "decided_at": NOW - timedelta(hours=1),
    }
    if action is DecisionAction.DENY:
        values["reason"] = "We already use Fabrikam Calendar for this"
    values.update(overrides)
    return DecisionView(**values)


def digest_item(index: int, **overrides: Any) -> DigestItem:
    """The ``index``-th sample digest entry, an unverified app one hour older than the last."""
    values: dict[str, Any] = {
        "request_id": f"req-{index}",
        "app_display_name": f"Fabrikam Notes {index}",
        "publisher_verified": False,
        "needs_admin": 2,
        "unknown_scopes": 1,
        "scope_count": 5,
        "requesters": ("Adele Vance", "Patti Fernandez", "Lee Gu", "Megan Bowen", "Alex Wilber"),
        "first_requested_at": NOW - timedelta(hours=2 + index),
    }
    values.update(overrides)
    return DigestItem(**values)


def decided_view(status: RequestStatus, **overrides: Any) -> ReviewerCardView:
    """A request in a decided ``status`` with the matching decision on record."""
    action = {
        RequestStatus.APPROVING: DecisionAction.APPROVE,
        RequestStatus.APPROVED: DecisionAction.APPROVE,
        RequestStatus.DENIED: DecisionAction.DENY,
        RequestStatus.BLOCKING: DecisionAction.BLOCK,
        RequestStatus.BLOCKED: DecisionAction.BLOCK,
    }[status]
    values: dict[str, Any] = {
        "status": status,
        "decision": decision(action),
        "entra_requests_url": ENTRA_REQUESTS_URL,
    }
    values.update(overrides)
    return make_view(**values)


@cache
def _validator() -> Draft6Validator:
    if not SCHEMA_PATH.is_file():
        pytest.fail(
            f"Adaptive Card schema not found at {SCHEMA_PATH}: the repository's parent "
            "directory must hold shared/schemas/adaptive-card-1.5.json"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def validate_card(card: dict[str, Any]) -> None:
    """Fail with every schema error, after taking off Teams' own ``msteams`` key.

    ``msteams`` is Teams-specific and unknown to the schema; only the exact
    expected value is removed, so nothing else can hide behind it.
    """
    assert card.get("msteams") == {"width": "Full"}
    plain = {key: value for key, value in card.items() if key != "msteams"}
    errors = sorted(_validator().iter_errors(plain), key=lambda error: list(error.path))
    details = "\n".join(f"{list(error.path)}: {error.message[:300]}" for error in errors)
    assert not errors, f"card does not match the Adaptive Card 1.5 schema:\n{details}"
    assert card["version"] == "1.5"
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"].startswith("http://adaptivecards.io/schemas/")
    ids = [element["id"] for element in elements(card) if "id" in element]
    assert len(ids) == len(set(ids)), f"duplicate ids: {ids}"


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def shown_texts(card: dict[str, Any]) -> list[str]:
    """Every string a client may render as markdown or speak."""
    texts = [card["fallbackText"]]
    for element in elements(card):
        kind = element.get("type", "")
        if kind in {"TextBlock", "TextRun"}:
            texts.append(element["text"])
        elif kind == "FactSet":
            texts += [part for fact in element["facts"] for part in (fact["title"], fact["value"])]
        elif kind.startswith("Action."):
            texts += [element.get("title", ""), element.get("tooltip", "")]
    return texts


def by_id(card: dict[str, Any], element_id: str) -> dict[str, Any]:
    """The one element with ``element_id``."""
    found = [element for element in elements(card) if element.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def all_text(node: dict[str, Any]) -> str:
    """The shown text under ``node`` joined with newlines, for ``in`` checks."""
    return "\n".join(shown_texts({"fallbackText": "", **node})[1:])


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


REFUSALS = [
    "refusal.not_a_reviewer",
    "refusal.own_request",
    "refusal.needs_role",
    "refusal.block_needs_role",
    "refusal.reason_required",
    "refusal.already_decided",
]


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
