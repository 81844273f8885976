"""What Entra does when a user signs in to an app: the rules, apart from any page text.

This is written from Entra's documented consent rules (graph-contract section
3), not from the bot's code, so the bot's explanation can be checked against
it. The checks run in Entra's order:

1. the app's service principal exists and is disabled -> ``app_disabled``
   (AADSTS7000112);
2. it requires assignment and the user is not assigned -> ``user_not_assigned``
   (AADSTS50105);
3. every requested scope is granted to everyone or to this user -> ``signed_in``;
4. the user may consent to the scopes not yet granted -> ``consent_prompt``;
5. otherwise an admin must consent: with the request workflow on, the
   "Approval required" form (AADSTS90095), or ``request_pending`` when this user
   already has a request in progress; with it off, "Need admin approval"
   (AADSTS90094).

``reasons`` lists every cause that on its own stops the user from consenting
(step 4), so a test can set up one cause at a time and see exactly it.
``user_consent_off`` hides the causes that only exist while user consent is on
(``unverified_publisher``, ``unclassified_scopes``, ``risky_step_up``); the
causes no user-consent setting removes (``admin_scopes``, ``unknown_scopes``,
``assignment_required``) are listed in every mode.

Deliberately ignored: an admin signing in would be offered consent on behalf
of the organisation; the simulator answers for a user without admin roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sandbox.errors import BadRequest
from sandbox.scopes_catalog import GRAPH_APP_ID
from sandbox.state.apps import ServicePrincipal
from sandbox.state.directory import User
from sandbox.state.managed_policies import kept_for_admins
from sandbox.state.registry import AppDefinition, PermissionScope

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

SIGNED_IN = "signed_in"
CONSENT_PROMPT = "consent_prompt"
APPROVAL_REQUIRED = "approval_required"
REQUEST_PENDING = "request_pending"
NEED_ADMIN_APPROVAL = "need_admin_approval"
APP_DISABLED = "app_disabled"
USER_NOT_ASSIGNED = "user_not_assigned"
OUTCOMES = (
    SIGNED_IN,
    CONSENT_PROMPT,
    APPROVAL_REQUIRED,
    REQUEST_PENDING,
    NEED_ADMIN_APPROVAL,
    APP_DISABLED,
    USER_NOT_ASSIGNED,
)
AADSTS = {
    APPROVAL_REQUIRED: "AADSTS90095",
    REQUEST_PENDING: "AADSTS90095",
    NEED_ADMIN_APPROVAL: "AADSTS90094",
    APP_DISABLED: "AADSTS7000112",
    USER_NOT_ASSIGNED: "AADSTS50105",
}
# What the risk-based step-up lets an unverified multi-tenant app ask for (on Microsoft Graph).
BASIC_SCOPES = frozenset({"openid", "profile", "email", "offline_access", "user.read"})
_GRAPH_URI = "https://graph.microsoft.com"


@dataclass(frozen=True)
class RequestedScope:
    """One scope of the sign-in, resolved to the resource that defines it (if any)."""

    value: str
    resource_app_id: str
    resource: ServicePrincipal | None
    definition: PermissionScope | None

    @property
    def url_form(self) -> str:
        """How the authorize URL names it: Graph scopes bare, others prefixed by the API."""
        if self.resource_app_id.casefold() == GRAPH_APP_ID:
            return self.value
        return f"{self.resource_app_id}/{self.value}"

    @property
    def is_basic(self) -> bool:
        return self.resource_app_id.casefold() == GRAPH_APP_ID and (
            self.value.casefold() in BASIC_SCOPES
        )

    @property
    def is_low(self) -> bool:
        if self.resource is None or self.definition is None:
            return False
        return any(
            c.permission_id == self.definition.id and c.classification == "low"
            for c in self.resource.classifications
        )


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reasons: list[str]
    scopes: list[RequestedScope]
    ungranted: list[RequestedScope] = field(default_factory=list)
    pending_request_id: str | None = None

    @property
    def aadsts(self) -> str | None:
        return AADSTS.get(self.outcome)


def _listed(reason: str, values: Sequence[str]) -> str:
    return f"{reason}:[{','.join(values)}]"


def _pairs(app: AppDefinition, raw: str) -> list[tuple[str, str]]:
    """(resource appId, scope) for one requested scope as an app would write it."""
    text = raw.strip()
    if not text or any(c.isspace() for c in text):
        raise BadRequest(f"Invalid scope {raw!r}: give scope names, one per list item.")
    resource_app_id: str | None = None
    if "/" in text:
        prefix, text = text.rsplit("/", 1)
        prefix = prefix.rstrip("/")
        is_graph = prefix.casefold() == _GRAPH_URI
        resource_app_id = GRAPH_APP_ID if is_graph else prefix.removeprefix("api://")
    if text.casefold() == ".default":
        wanted = None if resource_app_id is None else resource_app_id.casefold()
        return [
            (r.resource_app_id, r.value)
            for r in app.required_scopes
            if wanted is None or r.resource_app_id.casefold() == wanted
        ]
    if resource_app_id is None:
        # Unqualified scopes are Microsoft Graph's, unless the registration names another API.
        named = next(
            (r for r in app.required_scopes if r.value.casefold() == text.casefold()), None
        )
        resource_app_id = named.resource_app_id if named else GRAPH_APP_ID
    return [(resource_app_id, text)]


def resolve_scopes(
    tenant: SandboxTenant, app: AppDefinition, scopes: Sequence[str] | None
) -> list[RequestedScope]:
    """The scopes of the sign-in (default: the app's registration), each on its resource."""
    if scopes is None:
        pairs = [(r.resource_app_id, r.value) for r in app.required_scopes]
    else:
        if not scopes:
            raise BadRequest("scopes, when given, must name at least one scope.")
        pairs = [pair for raw in scopes for pair in _pairs(app, raw)]
    result: list[RequestedScope] = []
    seen: set[tuple[str, str]] = set()
    for resource_app_id, value in pairs:
        key = (resource_app_id.casefold(), value.casefold())
        if key in seen:
            continue
        seen.add(key)
        resource = tenant.apps.sp_for_app(resource_app_id)
        definition = resource.scope(value) if resource is not None else None
        shown = definition.value if definition is not None else value
        result.append(RequestedScope(shown, resource_app_id, resource, definition))
    return result


def _granted(
    tenant: SandboxTenant, client: ServicePrincipal | None, user: User, scope: RequestedScope
) -> bool:
    if client is None or scope.resource is None:
        return False
    granted = tenant.permission_grants.granted_scopes(client.id, scope.resource.id, user.id)
    return scope.value.casefold() in granted


def consent_blockers(
    tenant: SandboxTenant,
    app: AppDefinition,
    client: ServicePrincipal | None,
    ungranted: Sequence[RequestedScope],
) -> list[str]:
    """Why the user may not consent to these scopes themselves; empty when they may."""
    policies = tenant.policies
    mode = policies.user_consent
    own = app.owner_org_id.casefold() == tenant.tenant_id.casefold()
    verified = app.verified_publisher is not None
    reasons: list[str] = []
    if mode == "off":
        reasons.append("user_consent_off")
    elif mode == "low":
        if not (verified or own):
            reasons.append("unverified_publisher")
        unclassified = [
            s.value
            for s in ungranted
            if s.definition is not None and s.definition.type != "Admin" and not s.is_low
        ]
        if unclassified:
            reasons.append(_listed("unclassified_scopes", unclassified))
    elif mode == "recommended":
        kept = [
            s.value
            for s in ungranted
            if s.definition is not None
            and s.definition.type != "Admin"
            and kept_for_admins(app.app_id, s.resource_app_id, s.value)
        ]
        if kept:
            reasons.append(_listed("managed_policy_scopes", kept))
    admin = [
        s.value for s in ungranted if s.definition is not None and s.definition.type == "Admin"
    ]
    if admin:
        reasons.append(_listed("admin_scopes", admin))
    unknown = [s.value for s in ungranted if s.definition is None]
    if unknown:
        reasons.append(_listed("unknown_scopes", unknown))
    risky = not verified and not own and any(not s.is_basic for s in ungranted)
    if mode != "off" and policies.risky_step_up and risky:
        reasons.append("risky_step_up")
    if client is not None and client.app_role_assignment_required:
        reasons.append("assignment_required")
    return reasons


def evaluate(
    tenant: SandboxTenant, app: AppDefinition, user: User, scopes: Sequence[str] | None = None
) -> Verdict:
    """What Entra shows ``user`` signing in to ``app`` asking for ``scopes``."""
    requested = resolve_scopes(tenant, app, scopes)
    client = tenant.apps.sp_for_app(app.app_id)
    ungranted = [s for s in requested if not _granted(tenant, client, user, s)]
    if client is not None and not client.account_enabled:
        return Verdict(APP_DISABLED, ["app_disabled"], requested, ungranted)
    if (
        client is not None
        and client.app_role_assignment_required
        and not tenant.assignments.is_assigned(client, user)
    ):
        reasons = ["assignment_required", "user_not_assigned"]
        return Verdict(USER_NOT_ASSIGNED, reasons, requested, ungranted)
    if not ungranted:
        return Verdict(SIGNED_IN, [], requested)
    reasons = consent_blockers(tenant, app, client, ungranted)
    if not reasons:
        return Verdict(CONSENT_PROMPT, [], requested, ungranted)
    if not tenant.policies.request_policy.is_enabled:
        return Verdict(NEED_ADMIN_APPROVAL, reasons, requested, ungranted)
    pending = tenant.consent.pending_for(app.app_id, user.id)
    if pending is not None:
        return Verdict(REQUEST_PENDING, reasons, requested, ungranted, pending.id)
    return Verdict(APPROVAL_REQUIRED, reasons, requested, ungranted)
