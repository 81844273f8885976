"""The Graph work behind Approve and Block, as graph-contract section 2 describes it.

Approve never guesses: a scope is granted on Microsoft Graph when Graph
defines it, otherwise on the one other API that defines it; a scope that no
API or several APIs define stops the approval before anything is written, so
nothing is ever half-granted. Every step is idempotent (find before create,
merge into an existing grant), so a retried or resumed approval does no harm.
"""

from __future__ import annotations

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


async def approve_app(writes: AppWrites, app_id: str, scopes: Sequence[str]) -> ApproveOutcome:
    """Grant tenant-wide admin consent for exactly ``scopes`` and check it reads back."""
    plan, unresolved = resolve_scopes(scopes, await writes.resources())
    if unresolved:
        return ApproveOutcome(unresolved=tuple(unresolved))
    client = await writes.client_principal(app_id)
    if client is None:
        client = await writes.create_principal(app_id, enabled=True)
    elif not client.account_enabled:
        return ApproveOutcome(problem="the app is disabled (blocked) in your tenant")
    for resource, wanted in plan.items():
        await writes.grant(client.id, resource.service_principal_id, wanted)
    granted = []
    for resource, wanted in plan.items():
        grant = await writes.tenant_wide_grant(client.id, resource.service_principal_id)
        have = {s.lower() for s in grant.scopes} if grant else set()
        if any(s.lower() not in have for s in wanted):
            raise GraphWriteError(None, f"the grant on {resource.display_name} did not read back")
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
