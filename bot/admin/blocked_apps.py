"""``blocked apps``: the apps people tried and failed to connect, for admins, with a review button.

The sign-in log (read into the store by the sign-in log job) records every
attempt Entra's consent stopped. This lists the apps of the last 7 days (or
as many as asked, up to the 30 the log keeps), most distinct people first,
with each app's publisher read from Graph (one ``$batch`` for the apps
shown), what the people saw, and whether a consent request exists for it
now: "Open review card" posts that request's card here (the digest's
button), "Review here" starts one (``bot.admin.blocked_app_review``).

Admins only, checked on the command (by the application) and again on every
button here, since anyone in a conversation can replay a card's invoke; each
refusal is audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.blocked_app_review import ReviewStarter
from bot.graph import AppProfile
from bot.graph.consent_requests import ConsentRequestReads
from bot.review.admins import AdminCheck
from bot.store import app_requests, audit_trail, destinations, outbox, sign_ins
from bot.store.audit_trail import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.sign_ins import AppDemand
from bot.store.tables import ConsentRequestRow
from cards.blocked_apps import (
    APP_ID_KEY,
    DAYS_KEY,
    ITEMS_SHOWN,
    BlockedApp,
    Listing,
    Notice,
    build_blocked_apps_card,
    build_blocked_refusal_card,
    scopes_input_id,
)
from cards.elements import Element
from domain.audit import AuditAction, AuditResult
from domain.blocked_apps import DEFAULT_DAYS, MAX_DAYS, situations
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.types import Actor

logger = logging.getLogger(__name__)

_TYPED_DAYS = re.compile(r"(\d{1,3})\s*(?:d|days?|jours?|j|日|日間)?")


def typed_days(rest: str) -> int | None:
    """The period after ``blocked apps``: nothing (7 days), "30", "30 days"; None if not 1-30."""
    words = rest.strip().lower()
    if not words:
        return DEFAULT_DAYS
    match = _TYPED_DAYS.fullmatch(words)
    days = int(match.group(1)) if match else 0
    return days if 1 <= days <= MAX_DAYS else None


def requested_days(data: Any) -> int:
    """The period a button carries; the default when missing or out of range."""
    raw = data.get(DAYS_KEY) if isinstance(data, Mapping) else None
    days = typed_days(raw) if isinstance(raw, str) and len(raw) <= 3 else None
    return days or DEFAULT_DAYS


def requested_app(data: Any) -> str | None:
    """The app id a button carries (lower case), if it looks like one."""
    raw = data.get(APP_ID_KEY) if isinstance(data, Mapping) else None
    return raw.lower() if isinstance(raw, str) and is_object_id(raw) else None


def typed_scopes(data: Any, app_id: str) -> str:
    """What the admin typed in the app's permissions field (empty when nothing or no text)."""
    raw = data.get(scopes_input_id(app_id)) if isinstance(data, Mapping) else None
    return raw[:2000] if isinstance(raw, str) else ""


class BlockedApps:
    """The list for admins in chat, and its buttons."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admins: AdminCheck,
        reads: ConsentRequestReads,
        starter: ReviewStarter,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._reads = reads
        self._starter = starter
        self._clock = clock

    async def listing(
        self,
        actor: Actor,
        days: int,
        place: DestinationSpec | None,
        notice: Notice | None = None,
    ) -> Element:
        """The apps of the last ``days`` days, as the card (the caller checked the admin)."""
        messages = Messages.for_locale(actor.locale)
        async with self._sessions() as session:
            demand = await sign_ins.demand_since(session, self._clock() - timedelta(days=days))
            shown = demand[:ITEMS_SHOWN]
            rows = await app_requests.requests_for_apps(session, (d.app_id for d in shown))
            log_read = await sign_ins.proactive_help_on(session)
            here = (
                await destinations.find_by_conversation(session, place.conversation_id)
                if place is not None
                else None
            )
            reviews_here = here is not None and here.active and here.role == "review"
            here_already = (
                await _cards_here(session, rows, here.id) if here and reviews_here else set()
            )
        profiles = await self._profiles([d.app_id for d in shown])
        apps = [_blocked_app(d, profiles, rows, here_already) for d in demand]
        listing = Listing(apps, days=days, log_read=log_read, reviews_here=reviews_here)
        return build_blocked_apps_card(listing, messages, notice)

    async def show(self, actor: Actor, data: Any, place: DestinationSpec | None) -> Element:
        """The period button: the list again, for admins only."""
        if not await self._admitted(actor, AuditAction.LIST_BLOCKED_APPS, "not an admin"):
            return build_blocked_refusal_card(Messages.for_locale(actor.locale))
        return await self.listing(actor, requested_days(data), place)

    async def review(self, actor: Actor, data: Any, place: DestinationSpec | None) -> Element:
        """ "Review here": start the app's review and answer with the list and what happened."""
        app_id = requested_app(data)
        detail = f"not an admin; app {app_id}"
        if not await self._admitted(actor, AuditAction.REVIEW_BLOCKED_APP, detail):
            return build_blocked_refusal_card(Messages.for_locale(actor.locale))
        messages = Messages.for_locale(actor.locale)
        if app_id is None:
            notice = Notice(
                "warning", messages.t("blocked.not_in_log"), messages.t("blocked.nothing_started")
            )
        else:
            typed = typed_scopes(data, app_id)
            notice = await self._starter.start(actor, app_id, typed, place, messages)
        return await self.listing(actor, requested_days(data), place, notice)

    async def _admitted(self, actor: Actor, action: AuditAction, detail: str) -> bool:
        """Whether ``actor`` is an admin; a refusal is audited."""
        if await self._admins.is_admin(actor.user_id):
            return True
        async with self._sessions() as session:
            entry = AuditEntry(
                actor.user_id, actor.name, action, AuditResult.REFUSED, detail=detail
            )
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
        return False

    async def _profiles(self, app_ids: list[str]) -> dict[str, AppProfile | None]:
        """The apps' profiles; an app Graph did not answer for is left out (shown as unread)."""
        if not app_ids:
            return {}
        try:
            return await self._reads.app_profiles(app_ids)
        except Exception:
            logger.exception("could not read the profiles of %d blocked apps", len(app_ids))
            return {}


async def _cards_here(
    session: AsyncSession, rows: Sequence[ConsentRequestRow], destination_id: int
) -> set[str]:
    """The open requests among ``rows`` whose reviewer card is (or is about to be) there."""
    found = set()
    for row in rows:
        if row.status not in app_requests.OPEN_STATUSES:
            continue
        posted = {p.destination_id for p in await outbox.posts_for_request(session, row.id)}
        if destination_id in posted | await outbox.destinations_with_unsent_post(session, row.id):
            found.add(row.id)
    return found


def _blocked_app(
    demand: AppDemand,
    profiles: Mapping[str, AppProfile | None],
    rows: Sequence[ConsentRequestRow],
    cards_here: set[str],
) -> BlockedApp:
    key = demand.app_id.lower()
    profile = profiles.get(key)
    request = app_requests.open_request(rows, key)
    return BlockedApp(
        app_id=key,
        display_name=(profile.display_name if profile else None) or demand.app_display_name,
        people=demand.people,
        attempts=demand.attempts,
        last_at=demand.last_at,
        situations=situations(demand.error_codes),
        publisher=profile.publisher if profile else None,
        profile_read=key in profiles,
        enabled=profile.account_enabled if profile else True,
        request_id=request.id if request else None,
        card_here=request is not None and request.id in cards_here,
        known_scopes=app_requests.latest_scopes(rows, key),
    )
