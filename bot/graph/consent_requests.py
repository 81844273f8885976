"""The pending list in one call, and per-request details in JSON batches, over plain JSON.

A busy tenant on the first day may have a thousand requests waiting. The
pending list is read with its users' requests expanded (``$expand=
userConsentRequests``) and Graph's largest page, so a poll costs one call per
999 pending requests whatever happens, and intake can record and announce a
backlog from the list alone. What the list does not carry (the app's
publisher, whether it is blocked) is read afterwards, twenty apps per
``POST /$batch``. Where a Graph refuses the expansion, the users' requests are
read in batches too, and the refusal is remembered for the process's life.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from bot.graph.gateway import (
    APP_ID,
    APP_PROFILE_FIELDS,
    IN_PROGRESS_FILTER,
    PENDING_FILTER,
    REQUESTS,
    AppProfile,
    PendingRequest,
    UserRequest,
    app_profile,
    pending_request,
    user_request,
)
from bot.graph.json_reads import BATCH_LIMIT, BatchAnswer, GraphJson, GraphReadError

logger = logging.getLogger(__name__)

PAGE_SIZE = 999
"""Graph's largest page: the steady poll is one call per this many pending requests."""
BATCHES_AT_ONCE = 3
"""JSON batches in flight together: quick details without a burst Graph would throttle."""
_QUERY_SAFE = "$'(),=:/"


class ConsentRequestReads:
    """The reads intake makes, shaped for a backlog of any size."""

    def __init__(self, reads: GraphJson) -> None:
        self._reads = reads
        self._expand = True

    async def pending(self) -> list[PendingRequest]:
        """Every request with a user's request in progress (and those users, if Graph expands)."""
        params = {"$filter": PENDING_FILTER, "$top": str(PAGE_SIZE)}
        if self._expand:
            try:
                items = await self._reads.items(
                    REQUESTS, {**params, "$expand": "userConsentRequests"}
                )
                return [pending_request(item, expanded=True) for item in items]
            except GraphReadError as error:
                if error.status != 400:
                    raise
                logger.warning(
                    "Graph refused $expand=userConsentRequests (%s); users are read per request",
                    error.graph_message[:200],
                )
                self._expand = False
        return [
            pending_request(item, expanded=False)
            for item in await self._reads.items(REQUESTS, params)
        ]

    async def users_in_progress(self, request_ids: Sequence[str]) -> dict[str, list[UserRequest]]:
        """The in-progress users' requests of each request; unanswered requests are left out."""
        urls = {
            request_id: f"{REQUESTS}/{quote(request_id, safe='')}/userConsentRequests"
            f"?$filter={quote(IN_PROGRESS_FILTER, safe=_QUERY_SAFE)}"
            for request_id in request_ids
        }
        answers = await self._batched(list(urls.values()))
        found: dict[str, list[UserRequest]] = {}
        for request_id, url in urls.items():
            answer = answers.get(url)
            if answer is not None and answer.status == 200:
                items = answer.body.get("value") or []
                found[request_id] = [user_request(u) for u in items if isinstance(u, dict)]
        return found

    async def app_profiles(self, app_ids: Iterable[str]) -> dict[str, AppProfile | None]:
        """Each app's profile here (None: not in the tenant yet); unanswered apps are left out."""
        wanted = sorted({app_id.lower() for app_id in app_ids if APP_ID.fullmatch(app_id)})
        select = ",".join(APP_PROFILE_FIELDS)
        urls = {
            app_id: f"/servicePrincipals(appId='{app_id}')?$select={select}" for app_id in wanted
        }
        answers = await self._batched(list(urls.values()))
        found: dict[str, AppProfile | None] = {}
        for app_id, url in urls.items():
            answer = answers.get(url)
            if answer is None:
                continue
            if answer.status == 404:
                found[app_id] = None
            elif answer.status == 200 and answer.body.get("id"):
                found[app_id] = app_profile(answer.body)
        return found

    async def people_who_granted(self, principal_ids: Iterable[str]) -> dict[str, int]:
        """How many users granted each app something for themselves (its ``Principal`` grants).

        A fact reviewers weigh: an app dozens of colleagues already use is not
        the same risk as one nobody has. Apps Graph did not answer are left out.
        """
        urls = {
            sp_id: f"/servicePrincipals/{quote(sp_id, safe='')}/oauth2PermissionGrants"
            f"?$select=principalId,consentType&$top={PAGE_SIZE}"
            for sp_id in sorted(set(principal_ids))
        }
        answers = await self._batched(list(urls.values()))
        found: dict[str, int] = {}
        for sp_id, url in urls.items():
            answer = answers.get(url)
            if answer is None or answer.status != 200:
                continue
            grants = [g for g in answer.body.get("value") or [] if isinstance(g, dict)]
            if isinstance(link := answer.body.get("@odata.nextLink"), str) and link:
                grants += await self._reads.items_from(link)  # a very popular app: rare
            found[sp_id] = len(
                {
                    g.get("principalId")
                    for g in grants
                    if str(g.get("consentType", "")).lower() == "principal" and g.get("principalId")
                }
            )
        return found

    async def _batched(self, urls: list[str]) -> dict[str, BatchAnswer]:
        """Answers by URL, ``BATCH_LIMIT`` per batch and a few batches at a time.

        A batch that fails as a whole (throttled past its retries, a network
        error) leaves its URLs out: the caller reads them again later.
        """
        gate = asyncio.Semaphore(BATCHES_AT_ONCE)
        chunks = [urls[i : i + BATCH_LIMIT] for i in range(0, len(urls), BATCH_LIMIT)]

        async def one(chunk: list[str]) -> dict[str, BatchAnswer]:
            async with gate:
                try:
                    return dict(zip(chunk, await self._reads.batch_get(chunk), strict=True))
                except (GraphReadError, OSError, TimeoutError) as error:
                    logger.warning("a Graph batch of %d reads failed: %s", len(chunk), error)
                    return {}

        found: dict[str, BatchAnswer] = {}
        for answers in await asyncio.gather(*(one(chunk) for chunk in chunks)):
            found.update(answers)
        return found
