"""The Graph work behind Approve and Block, as graph-contract section 2 describes it.

Approve never guesses: a scope is granted on Microsoft Graph when Graph
defines it, otherwise on the one other API that defines it; a scope that no
API or several APIs define stops the approval before anything is written, so
nothing is ever half-granted. Every step is idempotent (find before create,
merge into an existing grant; a grant for an app this approval just added to
the tenant is created without looking, and a duplicate Graph refuses is
merged), so a retried or resumed approval does no harm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bot.graph.apps import AppWrites, GraphWriteError, Resource
from bot.graph.scope_catalogue import owning_resource


@dataclass(frozen=True, slots=True)
class ApproveOutcome:
    """What approving did; ``unresolved`` or ``problem`` set means nothing was granted."""

    granted: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unresolved: tuple[str, ...] = ()
    problem: str | None = None


def resolve_scopes(
    scopes: Sequence[str], resources: Sequence[Resource]
) -> tuple[dict[Resource, list[str]], list[str]]:
    """Assign each scope to the API that defines it; return the plan and what is unresolved."""
    plan: dict[Resource, list[str]] = {}
    unresolved: list[str] = []
    for scope in scopes:
        owner = owning_resource(scope, resources)
        if owner is None:
            unresolved.append(scope)
        else:
            plan.setdefault(owner, []).append(scope)
    return plan, unresolved


async def approve_app(
    writes: AppWrites, app_id: str, scopes: Sequence[str], *, likely_new: bool = False
) -> ApproveOutcome:
    """Grant tenant-wide admin consent for exactly ``scopes``, as Graph confirms it stored.

    ``likely_new``: the request's app was not in the tenant when it was read,
    so it is added without looking for it first; either order ends the same.
    The check is Graph's own answer to each write (the created grant, or the
    merged scope string it accepted), not a read right after it: a read can
    reach a directory replica the write has not reached yet, and would fail
    an approval that succeeded.
    """
    plan, unresolved = resolve_scopes(scopes, await writes.resources())
    if unresolved:
        return ApproveOutcome(unresolved=tuple(unresolved))
    if likely_new:
        client, new_client = await writes.add_or_find_principal(app_id)
    else:
        found = await writes.client_principal(app_id)
        new_client = found is None
        client = found or await writes.create_principal(app_id, enabled=True)
    if not client.account_enabled:
        return ApproveOutcome(problem="the app is disabled (blocked) in your tenant")
    # One grant per API, independent of each other: written side by side.
    grants = await asyncio.gather(
        *(
            writes.grant(client.id, resource.service_principal_id, wanted, new_client=new_client)
            for resource, wanted in plan.items()
        )
    )
    granted = []
    for (resource, wanted), grant in zip(plan.items(), grants, strict=True):
        have = {s.lower() for s in grant.scopes}
        if any(s.lower() not in have for s in wanted):
            raise GraphWriteError(None, f"Graph did not store the grant on {resource.display_name}")
        granted.append((resource.display_name, tuple(wanted)))
    return ApproveOutcome(granted=tuple(granted))


async def block_app(writes: AppWrites, app_id: str) -> None:
    """Disable the app's service principal, adding it disabled if the tenant lacks it."""
    client = await writes.client_principal(app_id)
    if client is None:
        client = await writes.create_principal(app_id, enabled=False)
    if client.account_enabled:
        await writes.disable_principal(client.id)
    check = await writes.client_principal(app_id)
    if check is None or check.account_enabled:
        raise GraphWriteError(None, "the app still reads back as enabled")
