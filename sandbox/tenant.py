"""The sandbox tenant: all state behind one object, with the operations demos need.

Graph routes and the control surface both work through this object, and tests
may call it directly (``tenant.create_request(...)``) instead of going through
HTTP. Everything time-related reads ``clock``, which a test can replace with a
fake it advances. ``checkpoint``/``reset`` let one long-running server serve
many end-to-end tests from the same seeded starting point.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox import app_admin, sign_in_page
from sandbox.bot_service import TokenService
from sandbox.clock import Clock, graph_time, system_clock
from sandbox.errors import BadRequest, NotFound
from sandbox.faults import Faults
from sandbox.graph.contract_record import ContractRecord
from sandbox.graph.delta import DeltaRounds
from sandbox.identity import IdentityPlatform
from sandbox.ids import IdFactory
from sandbox.state import sign_in, sign_in_log
from sandbox.state.apps import Apps
from sandbox.state.assignments import Assignments
from sandbox.state.calls import CallLog
from sandbox.state.consent import ConsentBook
from sandbox.state.directory import Directory, Users
from sandbox.state.grants import Grants
from sandbox.state.policies import Policies
from sandbox.state.sign_in_log import SignInLog
from sandbox.state.teams import Teams


@dataclass
class TenantState:
    """Everything that changes while the sandbox runs (and that ``reset`` restores)."""

    ids: IdFactory
    directory: Directory
    apps: Apps
    permission_grants: Grants
    assignments: Assignments
    policies: Policies
    consent: ConsentBook
    teams: Teams
    faults: Faults
    calls: CallLog
    sign_in_log: SignInLog


class SandboxTenant:
    def __init__(
        self,
        tenant_id: str,
        *,
        clock: Clock | None = None,
        display_name: str = "Contoso",
        default_domain: str = "example.com",
        id_seed: int = 0,
    ) -> None:
        self.tenant_id = tenant_id
        self.display_name = display_name
        self.default_domain = default_domain
        self.clock: Clock = clock or system_clock
        ids = IdFactory(id_seed)
        directory = Directory()
        apps = Apps(ids, self.now)
        grants = Grants(apps, directory)
        policies = Policies(directory, tenant_id)
        consent = ConsentBook(ids, self.now, directory, apps, grants, policies)
        teams = Teams(self.now, tenant_id)
        assignments = Assignments(self.now, directory)
        self._state = TenantState(
            ids,
            directory,
            apps,
            grants,
            assignments,
            policies,
            consent,
            teams,
            Faults(),
            CallLog(),
            SignInLog(self.now, id_seed),
        )
        self._baseline: TenantState | None = None
        # Outside the state: registrations and the signing key survive ``reset()``.
        self.identity = IdentityPlatform(self)
        self.bot_tokens = TokenService(self.identity)
        """The Azure Bot resource's token service (OAuth connections, user sign-in)."""
        self.contract = ContractRecord()
        """Requests refused because Graph's metadata does not describe them, and open-type
        properties clients relied on (outside the state: ``reset()`` keeps the record)."""
        self.sp_deltas = DeltaRounds()
        """Service-principal delta rounds by token (outside the state, like Graph's tokens)."""
        self.bot_app_id: str | None = None
        self.bot_permissions: frozenset[str] = frozenset()
        """The application permissions an admin granted the bot's app registration: what the
        bot's local token (``sandbox-local-token``) may do, checked per endpoint as Graph does."""

    def now(self) -> datetime:
        """The tenant's current time; stores call this so a swapped clock takes effect."""
        return self.clock()

    # The stores, for routes and for tests that need more than the shortcuts below.
    @property
    def directory(self) -> Directory:
        return self._state.directory

    @property
    def apps(self) -> Apps:
        return self._state.apps

    @property
    def permission_grants(self) -> Grants:
        return self._state.permission_grants

    @property
    def assignments(self) -> Assignments:
        return self._state.assignments

    @property
    def policies(self) -> Policies:
        return self._state.policies

    @property
    def consent(self) -> ConsentBook:
        return self._state.consent

    @property
    def teams(self) -> Teams:
        return self._state.teams

    @property
    def faults(self) -> Faults:
        return self._state.faults

    @property
    def calls(self) -> CallLog:
        return self._state.calls

    @property
    def sign_in_log(self) -> SignInLog:
        """Entra's sign-in log (``sandbox.state.sign_in_log``): lag, licence, entries."""
        return self._state.sign_in_log

    @property
    def users(self) -> Users:
        """Users by id; ``tenant.users["meganb@example.com"]`` also works."""
        return self._state.directory.users

    def checkpoint(self) -> None:
        """Remember the current state as the one ``reset`` returns to."""
        self._baseline = copy.deepcopy(self._state, memo={id(self): self})

    def reset(self) -> None:
        if self._baseline is None:
            raise RuntimeError("reset() needs a checkpoint() first")
        # The id stream keeps going: ids handed out before the reset are never reused,
        # so a bot that remembers an old request id cannot mistake a new request for it.
        memo: dict[int, Any] = {id(self): self, id(self._baseline.ids): self._state.ids}
        self._state = copy.deepcopy(self._baseline, memo=memo)

    def create_request(
        self, app: str, user: str, reason: str, created: datetime | None = None
    ) -> dict[str, str]:
        """A user submits the "Approval required" form for an app (name or appId)."""
        request, user_request = self.consent.create(app, user, reason, created)
        return {"appConsentRequestId": request.id, "userConsentRequestId": user_request.id}

    def complete_request(
        self,
        request_id: str,
        approve: bool,
        reviewer: str | None = None,
        justification: str | None = None,
    ) -> dict[str, Any]:
        """A reviewer approves or denies in the Entra portal; approval really grants."""
        result: dict[str, Any] = self.consent.decide(request_id, approve, reviewer, justification)
        return result

    def expire_request(self, request_id: str) -> dict[str, Any]:
        expired = self.consent.expire(request_id)
        return {"appConsentRequestId": request_id, "userConsentRequestIds": [u.id for u in expired]}

    def grants(self) -> list[dict[str, Any]]:
        """Every delegated grant, with names added so a person can read the list."""
        result = []
        for grant in self.permission_grants.items.values():
            item = grant.to_json()
            item["clientDisplayName"] = self.apps.sp(grant.client_id).app.display_name
            item["resourceDisplayName"] = self.apps.sp(grant.resource_id).app.display_name
            principal = self.users.get(grant.principal_id) if grant.principal_id else None
            item["principalUserPrincipalName"] = (
                principal.user_principal_name if principal else None
            )
            item["grantedBy"] = grant.granted_by
            result.append(item)
        return result

    def set_consent_settings(
        self,
        user_consent: str | None = None,
        requests_enabled: bool | None = None,
        request_duration_days: int | None = None,
        risky_step_up: bool | None = None,
    ) -> dict[str, Any]:
        """Switch between the three situations a blocked user can be in.

        ``risky_step_up`` is Entra's risk-based step-up (on unless an admin turned it
        off): while user consent is on, it still sends consent to unverified
        multi-tenant apps asking for more than basic scopes to an admin.
        """
        policies = self.policies
        if user_consent is not None:
            policies.set_user_consent(user_consent)
        if risky_step_up is not None:
            policies.set_risky_step_up(risky_step_up)
        if requests_enabled is not None or request_duration_days is not None:
            body: dict[str, Any] = {}
            if requests_enabled is not None:
                body["isEnabled"] = requests_enabled
            if request_duration_days is not None:
                body["requestDurationInDays"] = request_duration_days
            policies.replace_request_policy(body)
        return self.consent_settings()

    def consent_settings(self) -> dict[str, Any]:
        policy = self.policies.request_policy
        return {
            "user_consent": self.policies.user_consent,
            "requests_enabled": policy.is_enabled,
            "request_duration_days": policy.request_duration_days,
            "policy_version": policy.version,
            "risky_step_up": self.policies.risky_step_up,
        }

    def app_properties(self, app: str) -> dict[str, Any]:
        """An app's consent-relevant properties (by display name or appId)."""
        return app_admin.app_properties(self, app)

    def set_app(
        self,
        app: str,
        *,
        verified: bool | None = None,
        service_principal: str | None = None,
        enabled: bool | None = None,
        assignment_required: bool | None = None,
        assign_users: Sequence[str] = (),
        unassign_users: Sequence[str] = (),
        assign_groups: Sequence[str] = (),
        unassign_groups: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Change what an admin can change on an app; all-or-nothing, returns the new state.

        ``service_principal`` is ``"present"`` (create it) or ``"absent"`` (delete it
        with its grants and assignments); ``enabled=False`` blocks the app. Users are
        named by UPN or id, groups by display name or id.
        """
        changes = app_admin.AppChanges(
            verified=verified,
            service_principal=service_principal,
            enabled=enabled,
            assignment_required=assignment_required,
            assign_users=tuple(assign_users),
            unassign_users=tuple(unassign_users),
            assign_groups=tuple(assign_groups),
            unassign_groups=tuple(unassign_groups),
        )
        return app_admin.change_app(self, app, changes)

    def grant_admin_consent(self, app: str, scopes: Sequence[str] | None = None) -> dict[str, Any]:
        """Tenant-wide consent for the app's required scopes (all, or those listed)."""
        return app_admin.grant_admin_consent(
            self, app, list(scopes) if scopes is not None else None
        )

    def classify_scope(
        self, scope: str, resource: str | None = None, low: bool = True
    ) -> dict[str, Any]:
        """Classify a delegated scope of a resource API (default Microsoft Graph) as low, or not."""
        return app_admin.classify_scope(self, scope, resource, low)

    def classifications(self, resource: str | None = None) -> dict[str, Any]:
        return app_admin.classifications(self, resource)

    def attempt_sign_in(
        self, app: str, user: str, scopes: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """What Entra shows this user signing in to this app (see ``sandbox.state.sign_in``).

        ``scopes`` default to the app's required scopes. Nothing changes in the
        tenant but its sign-in log, which gets the attempt (``signInId`` in the
        answer) as Entra logs it: a consent prompt is only reported, never accepted.
        """
        definition = self.apps.client_app(app)
        person = self.users.find(user)
        if person is None:
            raise NotFound(f"Unknown user '{user}'.")
        verdict = sign_in.evaluate(self, definition, person, scopes)
        trace = sign_in_page.new_trace(self.now())
        entry = sign_in_log.record_verdict(
            self, definition, person, verdict, trace.request_id, trace.correlation_id
        )
        result = sign_in_page.report(
            self.tenant_id, definition, person, verdict, trace.timestamp, trace
        )
        result["signInId"] = entry.id
        return result

    def set_bot_permissions(self, permissions: Iterable[str]) -> frozenset[str]:
        """Replace the bot's granted application permissions (names as Microsoft spells them)."""
        names = frozenset(name.strip() for name in permissions)
        if any(not name or len(name) > 120 or " " in name for name in names):
            raise BadRequest("Permissions are names such as Application.Read.All.")
        self.bot_permissions = names
        return names

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        return self.faults.configure(**changes).to_json()

    def set_bot_blocked(self, user: str, blocked: bool = True) -> None:
        """Simulate a user who blocked (or unblocked) the bot in Teams."""
        user_id = self.directory.user(user).id
        if blocked:
            self.teams.blocked_users.add(user_id)
        else:
            self.teams.blocked_users.discard(user_id)

    def summary(self) -> dict[str, Any]:
        requests = []
        for request in self.consent.all():
            requests.append(
                {
                    "id": request.id,
                    "app": request.app_display_name,
                    "appId": request.app_id,
                    "pending": request.is_pending,
                    "pendingScopes": request.pending_scopes,
                    "userRequests": [
                        {
                            "id": u.id,
                            "user": u.user.user_principal_name,
                            "status": u.status,
                            "reason": u.reason,
                            "created": graph_time(u.created),
                            "expires": graph_time(u.expires),
                        }
                        for u in request.user_requests
                    ],
                }
            )
        return {
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "now": graph_time(self.now()),
            "settings": self.consent_settings(),
            "faults": self.faults.settings.to_json(),
            "requests": requests,
            "servicePrincipals": len(self.apps.service_principals),
            "grants": len(self.permission_grants.items),
            "blockedBotUsers": sorted(self.teams.blocked_users),
            "graphCalls": self.calls.total,
        }
