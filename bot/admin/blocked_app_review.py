""" "Review here" on the blocked apps list: a request an admin starts for an app nobody requested.

People stopped by consent may never have seen a request form (the workflow
is off) or never filled it in, so no request reaches the reviewers. An admin
who sees the demand starts one here: the bot records a request of its own
(``origin = bot``, ``asked_because = sign_in_log``, the admin named in the
snapshot) and posts its reviewer card to this conversation, where it lives
the life of any request: reminders, approve (a real tenant-wide grant of the
permissions listed), deny, block. It has no requesters: the people in the
log did not ask, so nobody is notified, and anyone who later asks through
"Ask the reviewers for me" joins it. Intake leaves it alone when Entra's
workflow is on, unlike requests asked because the workflow was off.

The sign-in log never says which permissions an app asks for, so the admin
lists them (the form starts with those of the latest request for the app);
without any, the card sends the reviewers to Entra, which grants what the app
asks for.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph import AppProfile, GraphGateway
from bot.graph.consent_requests import ConsentRequestReads
from bot.review.auto_approval import MAX_SCOPES, valid_scope_name
from bot.review.card_views import snapshot_of
from bot.review.new_requests import TenantContext
from bot.review.reviewer_cards import ReviewerCards
from bot.store import app_requests, audit_trail, destinations, requests, sign_ins
from bot.store.audit_trail import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.requests import NewRequest
from bot.store.sign_ins import AppDemand
from bot.store.tables import ConsentRequestRow, DestinationRow
from cards.blocked_apps import Notice
from cards.text import SCOPE_LIMIT, safe
from domain.audit import AuditAction, AuditResult
from domain.blocked_apps import MAX_DAYS
from domain.diagnosis.facts import TenantConsentFacts
from domain.i18n import Messages
from domain.types import ASKED_BECAUSE, STARTED_BY, USER_GRANTS, Actor, AskedBecause, RequestOrigin

logger = logging.getLogger(__name__)

BAD_SHOWN = 5
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_scopes(typed: str) -> tuple[str, ...] | list[str]:
    """The permissions typed, repeats dropped (first spelling kept); a list means the bad ones.

    More than ``MAX_SCOPES`` distinct names come back as an empty list.
    """
    words = [word for word in _SEPARATORS.split(typed) if word]
    bad = [word for word in words if not valid_scope_name(word)]
    if bad:
        return bad
    distinct: dict[str, str] = {}
    for word in words:
        distinct.setdefault(word.lower(), word)
    if len(distinct) > MAX_SCOPES:
        return []
    return tuple(distinct.values())


def _scopes_problem(bad: list[str], messages: Messages) -> Notice:
    if not bad:
        return Notice("attention", messages.t("blocked.too_many_scopes", most=MAX_SCOPES))
    shown = ", ".join(safe(s, SCOPE_LIMIT) for s in bad[:BAD_SHOWN])
    return Notice(
        "attention",
        messages.t("blocked.bad_scopes", bad=shown),
        messages.t("blocked.bad_scopes_detail", most=MAX_SCOPES),
    )


@dataclass(frozen=True, slots=True)
class _Target:
    """What the store says about the app: its demand over the log's period, and where to post."""

    demand: AppDemand
    here: DestinationRow


class ReviewStarter:
    """Records an admin's review of an app from the sign-in log and posts its card here."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cards: ReviewerCards,
        reads: ConsentRequestReads,
        gateway: GraphGateway,
        consent_settings: Callable[[], Awaitable[TenantConsentFacts]] | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._cards = cards
        self._reads = reads
        self._gateway = gateway
        self._consent_settings = consent_settings
        self._clock = clock

    async def start(
        self,
        actor: Actor,
        app_id: str,
        typed_scopes: str,
        place: DestinationSpec | None,
        messages: Messages,
    ) -> Notice:
        """Start the review (the caller checked the admin); the notice says what happened."""
        scopes = parse_scopes(typed_scopes)
        if isinstance(scopes, list):
            return _scopes_problem(scopes, messages)
        app_id = app_id.lower()
        found = await self._target(actor, app_id, place, messages)
        if isinstance(found, Notice):
            return found
        try:
            request = await self._new_request(found.demand, scopes, actor)
        except Exception:
            logger.exception("could not read app %s to start its review", app_id)
            return Notice(
                "warning", messages.t("blocked.unreadable"), messages.t("blocked.unreadable_detail")
            )
        return await self._record(found, request, actor, messages)

    async def _record(
        self, found: _Target, request: NewRequest, actor: Actor, messages: Messages
    ) -> Notice:
        """Record the request and queue its card here, unless somebody was quicker."""
        app_id = request.app_id
        async with self._sessions() as session:
            here = await destinations.get_destination(session, found.here.id)
            if here is None or not here.active:  # stopped while Graph was read
                return Notice(
                    "warning", messages.t("blocked.no_place"), messages.t("blocked.no_place_detail")
                )
            existing = await self._open_request(session, app_id)
            if existing is not None:  # somebody was quicker: show theirs
                return await self._post_existing(session, existing, here, actor, messages)
            request_id = await requests.next_bot_request_id(session, app_id)
            request = replace(request, id=request_id)
            try:
                await requests.insert_request(session, request, self._clock())
            except IntegrityError:  # another admin started it this very moment: show theirs
                await session.rollback()
                existing = await self._open_request(session, app_id)
                here = await destinations.get_destination(session, found.here.id)
                if existing is None or here is None:
                    raise
                return await self._post_existing(session, existing, here, actor, messages)
            row = await requests.get_request(session, request.id)
            assert row is not None
            await self._cards.routed(session, [row], first=True)  # the approvals a rule asks
            await self._cards.queue_posts(session, row, [here])
            people = found.demand.people
            detail = f"from the sign-in log: {people} people; posted to {here.name}"
            entry = AuditEntry(
                actor.user_id,
                actor.name,
                AuditAction.REVIEW_BLOCKED_APP,
                AuditResult.SUCCEEDED,
                row,
                detail=detail,
            )
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
        name = safe(row.app_display_name) or safe(row.app_id)
        return Notice(
            "good", messages.t("blocked.started", app=name), messages.t("blocked.started_detail")
        )

    async def _target(
        self, actor: Actor, app_id: str, place: DestinationSpec | None, messages: Messages
    ) -> _Target | Notice:
        """The app's demand and this review conversation, or the notice why nothing starts.

        An app that already has an open request gets that request's card posted here.
        """
        since = self._clock() - timedelta(days=MAX_DAYS)
        async with self._sessions() as session:
            here = (
                await destinations.find_by_conversation(session, place.conversation_id)
                if place is not None
                else None
            )
            if here is None or not here.active or here.role != "review":
                return Notice(
                    "warning", messages.t("blocked.no_place"), messages.t("blocked.no_place_detail")
                )
            demand = next(
                (
                    d
                    for d in await sign_ins.demand_since(session, since)
                    if d.app_id.lower() == app_id
                ),
                None,
            )
            if demand is None:
                return Notice(
                    "warning",
                    messages.t("blocked.not_in_log"),
                    messages.t("blocked.nothing_started"),
                )
            existing = await self._open_request(session, app_id)
            if existing is not None:
                return await self._post_existing(session, existing, here, actor, messages)
        return _Target(demand, here)

    @staticmethod
    async def _open_request(session: AsyncSession, app_id: str) -> ConsentRequestRow | None:
        rows = await app_requests.requests_for_apps(session, [app_id])
        return app_requests.open_request(rows, app_id)

    async def _post_existing(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        here: DestinationRow,
        actor: Actor,
        messages: Messages,
    ) -> Notice:
        """The app has a request already: its card, posted here, instead of a second request."""
        queued = await self._cards.queue_posts(session, row, [here])
        entry = AuditEntry(
            actor.user_id, actor.name, AuditAction.SHOW_CARD, AuditResult.SUCCEEDED, row
        )
        await audit_trail.record(session, entry, self._clock())
        await session.commit()
        name = safe(row.app_display_name) or safe(row.app_id)
        detail = "blocked.existing_detail" if queued else "blocked.existing_here_detail"
        return Notice("default", messages.t("blocked.existing", app=name), messages.t(detail))

    async def _new_request(
        self, demand: AppDemand, scopes: tuple[str, ...], actor: Actor
    ) -> NewRequest:
        """The request to record, from Graph's reads of the app; raises if Graph did not answer."""
        app_id = demand.app_id.lower()
        profiles = await self._reads.app_profiles([app_id])
        if app_id not in profiles:
            raise LookupError(f"Graph did not answer for app {app_id}")
        profile = profiles[app_id]
        context = await TenantContext.read(self._gateway, self._consent_settings)
        details = context.scopes(scopes, app_id)
        snapshot = snapshot_of(
            profile.publisher if profile else None,
            profile.homepage_url if profile else None,
            details,
        )
        snapshot[ASKED_BECAUSE] = AskedBecause.SIGN_IN_LOG
        snapshot[STARTED_BY] = actor.name
        snapshot[USER_GRANTS] = await self._user_grants(profile)
        now = self._clock()
        return NewRequest(
            id="",  # chosen in the transaction that records it (``next_bot_request_id``)
            app_id=app_id,
            app_display_name=(profile.display_name if profile else None)
            or demand.app_display_name
            or app_id,
            scopes=scopes,
            first_requested_at=now,
            expires_at=None,
            app_snapshot=snapshot,
            requesters=(),
            origin=RequestOrigin.BOT,
        )

    async def _user_grants(self, profile: AppProfile | None) -> int | None:
        if profile is None:
            return 0  # not in the tenant: nobody can have granted it anything
        sp_id = profile.service_principal_id
        return (await self._reads.people_who_granted([sp_id])).get(sp_id)
