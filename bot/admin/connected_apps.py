"""Connected apps: the third-party apps holding delegated grants here, and blocking one.

Admins only. The list comes from one paged read of every
``oauth2PermissionGrant`` (graph-contract section 4), grouped by client:
the scopes granted to everyone (``AllPrincipals``) and how many distinct users
consented for themselves (``Principal``). Each client's service principal
says who owns the app; Microsoft's first-party apps and this tenant's own
apps are left out. Because that ownership decides what is listed and the
name decides the order, every client with a grant is read (concurrently, a
few at a time, and kept for a few minutes so Previous/Next cost one listing).
``GraphJson`` cannot send ``ConsistencyLevel: eventual``, which the
``appOwnerOrganizationId ne`` listing would need, and the sandbox has no ``in``.

Blocking goes through ``block_app`` (disable the service principal, as the
reviewer card's Block does) after a confirmation card, and is audited either
way; so are refused attempts by people who are not admins.

Longer than 300 lines on purpose: listing, paging and blocking share the
cached listing and the admin check; split, each part would re-read them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.apps import AppWrites
from bot.graph.consent_grant import block_app
from bot.graph.json_reads import GraphJson, NotInGraph
from bot.review.admins import AdminCheck
from bot.store import audit_trail
from bot.store.audit_trail import AuditEntry
from cards.connected_apps import (
    APP_ID_KEY,
    PAGE_KEY,
    PAGE_SIZE,
    ConnectedApp,
    Notice,
    build_block_connected_card,
    build_connected_apps_card,
    build_connected_refusal_card,
    build_connected_unavailable_card,
)
from cards.text import safe
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.types import Actor

logger = logging.getLogger(__name__)

MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
"""``appOwnerOrganizationId`` of Microsoft's first-party apps."""
LIST_ACTION = AuditAction.LIST_CONNECTED_APPS
BLOCK_ACTION = AuditAction.BLOCK_CONNECTED_APP
_SP_FIELDS = (
    "id,appId,displayName,publisherName,verifiedPublisher,appOwnerOrganizationId,accountEnabled"
)
_GRANT_FIELDS = "clientId,consentType,principalId,scope"
MAX_PAGE = 10_000


def requested_page(data: Any) -> int:
    """The 0-based page a button asks for; 0 when missing or malformed."""
    raw = data.get(PAGE_KEY) if isinstance(data, Mapping) else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return min(max(raw, 0), MAX_PAGE)
    if isinstance(raw, str) and raw.isdigit() and len(raw) <= 5:
        return min(int(raw), MAX_PAGE)
    return 0


def requested_app(data: Any) -> str | None:
    """The app id a Block button carries, if it looks like one."""
    raw = data.get(APP_ID_KEY) if isinstance(data, Mapping) else None
    return raw if is_object_id(raw) else None


@dataclass(frozen=True, slots=True)
class _Principal:
    id: str
    app_id: str
    display_name: str
    publisher: str | None
    verified: bool
    owner: str | None
    enabled: bool


@dataclass(slots=True)
class _Usage:
    scopes: list[str]
    users: set[str]


def _principal(body: Mapping[str, Any]) -> _Principal | None:
    sp_id, app_id = body.get("id"), body.get("appId")
    if not isinstance(sp_id, str) or not isinstance(app_id, str):
        return None
    verified = body.get("verifiedPublisher")
    publisher = body.get("publisherName")
    name = body.get("displayName")
    owner = body.get("appOwnerOrganizationId")
    return _Principal(
        id=sp_id,
        app_id=app_id,
        display_name=name if isinstance(name, str) else "",
        publisher=publisher if isinstance(publisher, str) and publisher else None,
        verified=isinstance(verified, dict) and bool(verified.get("verifiedPublisherId")),
        owner=owner.lower() if isinstance(owner, str) else None,
        enabled=body.get("accountEnabled") is not False,
    )


def _usage(grants: list[dict[str, Any]]) -> dict[str, _Usage]:
    """Grants grouped by client: tenant-wide scopes (first spelling kept) and consenting users."""
    found: dict[str, _Usage] = {}
    for grant in grants:
        client = grant.get("clientId")
        if not isinstance(client, str) or not client:
            continue
        usage = found.setdefault(client, _Usage([], set()))
        kind = str(grant.get("consentType") or "")
        if kind == "AllPrincipals":
            seen = {s.casefold() for s in usage.scopes}
            for scope in str(grant.get("scope") or "").split():
                if scope.casefold() not in seen:
                    seen.add(scope.casefold())
                    usage.scopes.append(scope)
        elif kind == "Principal" and isinstance(principal := grant.get("principalId"), str):
            usage.users.add(principal)
    return found


class ConnectedApps:
    """The "connected apps" list and its Block button, for admins in chat."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admins: AdminCheck,
        reads: GraphJson,
        writes: AppWrites,
        clock: Callable[[], datetime],
        *,
        tenant_id: str,
        concurrency: int = 8,
        cache_seconds: float = 300.0,
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._reads = reads
        self._writes = writes
        self._clock = clock
        self._own = tenant_id.lower()
        self._limit = asyncio.Semaphore(concurrency)
        self._ttl = timedelta(seconds=cache_seconds)
        self._principals: dict[str, tuple[datetime, _Principal | None]] = {}

    async def page(self, actor: Actor, page: int) -> dict[str, Any]:
        """Page ``page`` (0-based, clamped) of the list, or a refusal for non-admins."""
        messages = Messages.for_locale(actor.locale)
        if not await self._admins.is_admin(actor.user_id):
            await self._audit(actor, LIST_ACTION, AuditResult.REFUSED, "not an admin")
            return build_connected_refusal_card(messages)
        return await self._listing(page, messages)

    async def ask_block(self, actor: Actor, app_id: str | None, page: int) -> dict[str, Any]:
        """The confirmation card for blocking ``app_id``; nothing changes yet."""
        messages = Messages.for_locale(actor.locale)
        app = await self._blockable(actor, app_id, page, messages)
        if not isinstance(app, ConnectedApp):
            return app
        return build_block_connected_card(app, page=page, messages=messages)

    async def confirm_block(self, actor: Actor, app_id: str | None, page: int) -> dict[str, Any]:
        """Block ``app_id``, audit it, and answer with the list and what happened."""
        messages = Messages.for_locale(actor.locale)
        app = await self._blockable(actor, app_id, page, messages)
        if not isinstance(app, ConnectedApp):
            return app
        name = safe(app.display_name) or safe(app.app_id)
        detail = f"{app.display_name} ({app.app_id})"
        try:
            await block_app(self._writes, app.app_id)
        except Exception as error:
            logger.exception("blocking connected app %s failed", app.app_id)
            await self._audit(actor, BLOCK_ACTION, AuditResult.FAILED, f"{detail}: {error}"[:500])
            notice = Notice(
                "attention",
                messages.t("connected.block_failed", app=name),
                messages.t("connected.block_failed_detail"),
            )
        else:
            await self._audit(actor, BLOCK_ACTION, AuditResult.SUCCEEDED, detail)
            notice = Notice(
                "good",
                messages.t("connected.block_done", app=name),
                messages.t("connected.block_done_detail"),
            )
        self._principals.pop(app.service_principal_id, None)
        return await self._listing(page, messages, notice)

    async def apps(self) -> list[ConnectedApp]:
        """Every listed app, most self-consented users first, then by name."""
        usage = _usage(
            await self._reads.items(
                "/oauth2PermissionGrants", {"$select": _GRANT_FIELDS, "$top": "999"}
            )
        )
        principals = await asyncio.gather(*(self._principal(client) for client in usage))
        found = [
            ConnectedApp(
                service_principal_id=sp.id,
                app_id=sp.app_id,
                display_name=sp.display_name,
                publisher=sp.publisher,
                verified=sp.verified,
                enabled=sp.enabled,
                tenant_wide_scopes=tuple(usage[sp.id].scopes),
                users=len(usage[sp.id].users),
            )
            for sp in principals
            if sp is not None and self._third_party(sp)
        ]
        found.sort(key=lambda a: (-a.users, a.display_name.casefold(), a.app_id))
        return found

    async def _listing(
        self, page: int, messages: Messages, notice: Notice | None = None
    ) -> dict[str, Any]:
        try:
            apps = await self.apps()
        except Exception:
            logger.exception("could not read the connected apps")
            return build_connected_unavailable_card(messages, page)
        last = max((len(apps) - 1) // PAGE_SIZE, 0)
        page = min(max(page, 0), last)
        shown = apps[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return build_connected_apps_card(
            shown, page=page, total=len(apps), messages=messages, notice=notice
        )

    async def _blockable(
        self, actor: Actor, app_id: str | None, page: int, messages: Messages
    ) -> ConnectedApp | dict[str, Any]:
        """The enabled app an admin asked to block, or the card that says why not."""
        if not await self._admins.is_admin(actor.user_id):
            await self._audit(
                actor, BLOCK_ACTION, AuditResult.REFUSED, f"not an admin; app {app_id}"
            )
            return build_connected_refusal_card(messages)
        try:
            app = await self._find(app_id)
        except Exception:
            logger.exception("could not read app %s to block it", app_id)
            return build_connected_unavailable_card(messages, page)
        if app is None or not app.enabled:
            return await self._listing(page, messages, self._gone(messages, app))
        return app

    async def _find(self, app_id: str | None) -> ConnectedApp | None:
        """The listed app with this app id, read fresh; None when it is not listed."""
        if app_id is None:
            return None
        for sp_id, (_, cached) in list(self._principals.items()):
            if cached is not None and cached.app_id.lower() == app_id.lower():
                self._principals.pop(sp_id, None)
        return next((a for a in await self.apps() if a.app_id.lower() == app_id.lower()), None)

    def _third_party(self, sp: _Principal) -> bool:
        return sp.owner not in (MICROSOFT_TENANT_ID, self._own)

    async def _principal(self, sp_id: str) -> _Principal | None:
        if not is_object_id(sp_id):
            return None  # not an object id; never put it in a URL
        now = self._clock()
        cached = self._principals.get(sp_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        async with self._limit:
            try:
                body = await self._reads.get(f"/servicePrincipals/{sp_id}", {"$select": _SP_FIELDS})
            except NotInGraph:
                body = {}  # a grant left behind by a deleted app: nothing to show or block
        found = _principal(body)
        self._principals[sp_id] = (now, found)
        return found

    @staticmethod
    def _gone(messages: Messages, app: ConnectedApp | None) -> Notice:
        if app is not None:  # listed but already disabled
            name = safe(app.display_name) or safe(app.app_id)
            return Notice("default", messages.t("connected.already_blocked", app=name))
        return Notice("warning", messages.t("connected.not_listed"))

    async def _audit(
        self, actor: Actor, action: AuditAction, result: AuditResult, detail: str
    ) -> None:
        async with self._sessions() as session:
            entry = AuditEntry(actor.user_id, actor.name, action, result, detail=detail)
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
