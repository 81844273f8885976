"""Whose Graph rights carry out a decision: the bot's own, or the deciding reviewer's.

App-only mode uses one ``AppWrites`` on the bot's token for every decision.
Delegated mode opens a short-lived Graph client on the reviewer's own
token (see ``bot.hosting.reviewer_sign_in``), so Entra checks the reviewer's role on
each write. That token lives in the memory of the process the reviewer clicked
in; a decision claimed elsewhere (another replica, or after a restart) finds no
token and says so, and the worker retries for a while before giving up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from bot.graph.apps import AppWrites
from bot.graph.json_reads import GraphJson
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.hosting.reviewer_sign_in import ReviewerTokens
from bot.infra.graph_auth import FixedTokenProvider
from bot.store.tables import DecisionRow

WritesFor = Callable[[DecisionRow], AbstractAsyncContextManager[AppWrites]]
"""The Graph writer to carry out one decision with."""


class SignInLapsed(Exception):
    """This process holds no valid token of the reviewer who made the decision."""


def app_only_writes(writes: AppWrites) -> WritesFor:
    """Every decision made with the bot's own permissions."""

    @asynccontextmanager
    async def bot_rights(_decision: DecisionRow) -> AsyncIterator[AppWrites]:
        yield writes

    return bot_rights


def delegated_writes(
    graph_url: str,
    reviewer_tokens: ReviewerTokens,
    catalogue: ScopeCatalogue,
    bot_writes: AppWrites,
) -> WritesFor:
    """Reviewers' decisions made with their delegated token; the bot's own (the allow-list's
    auto-approvals, which have no reviewer) with its own permissions, if it was granted any."""

    @asynccontextmanager
    async def reviewer_rights(decision: DecisionRow) -> AsyncIterator[AppWrites]:
        if decision.actor_id is None:
            yield bot_writes
            return
        token = reviewer_tokens.token_of(decision.actor_id)
        if token is None:
            raise SignInLapsed(f"no token of reviewer {decision.actor_id} here")
        graph = GraphJson(graph_url, FixedTokenProvider(graph_url, token))
        try:
            yield AppWrites(graph, catalogue)
        finally:
            await graph.close()

    return reviewer_rights
