"""What the diagnosis stands on: the user consent mode, the settings cache, bot-asked requests.

``user_consent_mode`` reads ``permissionGrantPoliciesAssigned`` whatever its
casing, ignores the resource-specific entries and lets the legacy policy win;
``TtlCache.get_or_load`` makes concurrent callers share one load and reloads
only after expiry; a request asked through the bot shows reviewers where it
came from, never expires, offers Approve only with scopes to grant, and links
to Entra's consent page without an Entra request id to close.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.graph.tenant_consent import mail_clients_allowed, user_consent_mode
from bot.infra.ttl_cache import TtlCache
from bot.review.card_views import EntraLinks
from cards.reviewer import build_reviewer_card
from domain.diagnosis.facts import UserConsentMode
from domain.types import RequestOrigin, RequestStatus
from tests.card_checks import all_text, by_id, validate_card
from tests.conftest import ManualClock
from tests.unit.card_samples import EN, NOW, make_view

SELF = "ManagePermissionGrantsForSelf."
RSC_TEAM = (
    "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"
)
RSC_CHAT = (
    "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat"
)
LOW = f"{SELF}microsoft-user-default-low"
LEGACY = f"{SELF}microsoft-user-default-legacy"
RECOMMENDED = f"{SELF}microsoft-user-default-recommended"
MAIL_CLIENTS = f"{SELF}microsoft-user-default-allow-consent-apps"


@pytest.mark.parametrize(
    ("assigned", "mode", "custom"),
    [
        ([], UserConsentMode.OFF, ()),
        ([RSC_TEAM, RSC_CHAT], UserConsentMode.OFF, ()),  # what remains when consent is off
        ([LOW, RSC_TEAM], UserConsentMode.LOW, ()),
        ([LOW.upper()], UserConsentMode.LOW, ()),
        (["  managepermissiongrantsforself.Microsoft-User-Default-Low "], UserConsentMode.LOW, ()),
        ([LEGACY.lower()], UserConsentMode.LEGACY, ()),
        ([f"{SELF}contoso-policy", LOW, LEGACY], UserConsentMode.LEGACY, ()),
        ([f"{SELF}contoso-policy", LOW], UserConsentMode.CUSTOM, ("contoso-policy",)),
        ([f"{SELF}a", f"{SELF}b"], UserConsentMode.CUSTOM, ("a", "b")),
        (["microsoft-user-default-low"], UserConsentMode.OFF, ()),  # not a self-consent entry
        # A tenant created since 2025: Microsoft's managed policy and its mail-client companion.
        ([RECOMMENDED, MAIL_CLIENTS, RSC_TEAM], UserConsentMode.RECOMMENDED, ()),
        (
            ["managePermissionGrantsForSelf.microsoft-user-default-recommended"],
            UserConsentMode.RECOMMENDED,
            (),
        ),
        ([RECOMMENDED, f"{SELF}contoso-policy"], UserConsentMode.CUSTOM, ("contoso-policy",)),
        ([MAIL_CLIENTS], UserConsentMode.CUSTOM, ("microsoft-user-default-allow-consent-apps",)),
    ],
)
def test_user_consent_mode(
    assigned: list[str], mode: UserConsentMode, custom: tuple[str, ...]
) -> None:
    assert user_consent_mode(assigned) == (mode, custom)


@pytest.mark.parametrize(
    ("assigned", "allowed"),
    [([RECOMMENDED, MAIL_CLIENTS], True), ([RECOMMENDED], False), ([MAIL_CLIENTS.lower()], True)],
)
def test_the_mail_client_policy_is_read_beside_the_mode(assigned: list[str], allowed: bool) -> None:
    assert mail_clients_allowed(assigned) is allowed


async def test_concurrent_callers_share_one_load() -> None:
    cache = TtlCache[str](300, ManualClock())
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        for _ in range(3):
            await asyncio.sleep(0)  # yield to the loop, as a Graph call would
        return f"settings #{loads}"

    results = await asyncio.gather(*(cache.get_or_load(load) for _ in range(50)))
    assert loads == 1
    assert set(results) == {"settings #1"}


async def test_the_value_is_reloaded_only_after_it_expires() -> None:
    clock = ManualClock()
    start = clock.now
    cache = TtlCache[int](300, clock)
    loads: list[datetime] = []

    async def load() -> int:
        loads.append(clock())
        return len(loads)

    assert await cache.get_or_load(load) == 1
    clock.advance(seconds=299)
    assert await cache.get_or_load(load) == 1
    clock.advance(seconds=1)
    assert await cache.get_or_load(load) == 2
    cache.clear()  # after the bot changed the settings itself
    assert await cache.get_or_load(load) == 3
    later = start + timedelta(minutes=5)
    assert loads == [start, later, later]


async def test_a_failed_load_is_not_cached() -> None:
    cache = TtlCache[str](300, ManualClock())

    async def fail() -> str:
        raise RuntimeError("Graph answered 503")

    async def load() -> str:
        return "settings"

    with pytest.raises(RuntimeError, match="503"):
        await cache.get_or_load(fail)
    assert await cache.get_or_load(load) == "settings"


LINKS = EntraLinks("https://login.microsoftonline.com", "00000000-0000-0000-0000-000000000001")
APP_ID = "11111111-2222-3333-4444-555555555555"


def bot_request_card(**changes: Any) -> dict[str, Any]:
    view = make_view(
        origin=RequestOrigin.BOT,
        expires_at=None,
        entra_review_url=LINKS.review_url(APP_ID, None),
        **changes,
    )
    card = build_reviewer_card(view, NOW, EN)
    validate_card(card)
    return card


def test_a_request_asked_through_the_bot_says_so_and_does_not_expire() -> None:
    card = bot_request_card()
    assert "Asked through Consent Desk" in all_text(by_id(card, "origin"))
    assert by_id(card, "origin")["style"] == "accent"
    expires = {fact["title"]: fact["value"] for fact in by_id(card, "timing")["facts"]}
    assert expires["Expires"] == "Does not expire"


def test_an_entra_request_has_no_origin_callout_and_a_closed_one_neither() -> None:
    entra = build_reviewer_card(make_view(), NOW, EN)
    assert all(element.get("id") != "origin" for element in entra["body"])
    closed = bot_request_card(status=RequestStatus.EXPIRED)
    assert all(element.get("id") != "origin" for element in closed["body"])


def test_approve_is_offered_only_with_scopes_to_grant() -> None:
    without = bot_request_card(scopes=())
    assert [action["id"] for action in without["actions"]] == [
        "deny",
        "block",
        "snooze",
        "open-entra",
    ]
    with_scopes = bot_request_card()
    assert [action["id"] for action in with_scopes["actions"]] == [
        "approve",
        "deny",
        "block",
        "snooze",
        "open-entra",
    ]


def test_the_entra_link_of_a_bot_request_has_no_request_to_close() -> None:
    url = by_id(bot_request_card(), "open-entra")["url"]
    assert url == f"{LINKS.authority_host}/{LINKS.tenant_id}/adminconsent?client_id={APP_ID}"
    assert "bf_id" not in url
    # An Entra request's link does close it.
    assert LINKS.review_url(APP_ID, "req-1").endswith(f"client_id={APP_ID}&bf_id=req-1")
