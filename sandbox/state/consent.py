"""Admin consent requests and the rules Entra applies to them.

One ``AppConsentRequest`` per app groups every user's ``UserConsentRequest``;
the app request is pending while any user request is ``InProgress``. A user
request expires ``requestDurationInDays`` after it was made (checked lazily
against the tenant clock, so tests move time instead of waiting). A decision
taken "in the portal" completes every in-progress user request at once and,
when approving, really grants consent, as Entra does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.clock import Clock, as_utc
from sandbox.errors import BadRequest, Conflict, NotFound, missing
from sandbox.ids import IdFactory, grant_id
from sandbox.state.apps import Apps
from sandbox.state.directory import GLOBAL_ADMINISTRATOR, Directory, User
from sandbox.state.grants import Grants
from sandbox.state.policies import Policies
from sandbox.state.registry import AppDefinition
from sandbox.state.requests import (
    COMPLETED,
    EXPIRED,
    AppConsentRequest,
    ApprovalStage,
    UserConsentRequest,
)


class ConsentBook:
    def __init__(
        self,
        ids: IdFactory,
        clock: Clock,
        directory: Directory,
        apps: Apps,
        grants: Grants,
        policies: Policies,
    ) -> None:
        self._ids, self._clock = ids, clock
        self._directory, self._apps = directory, apps
        self._grants, self._policies = grants, policies
        self.requests: dict[str, AppConsentRequest] = {}
        self._by_app: dict[str, str] = {}

    def sweep(self, only: AppConsentRequest | None = None) -> None:
        """Expire user requests whose lifetime has run out on the tenant clock."""
        now = as_utc(self._clock())
        for request in [only] if only else self.requests.values():
            for user_request in request.in_progress():
                if user_request.expires <= now:
                    self._close(user_request, EXPIRED)

    def all(self) -> list[AppConsentRequest]:
        self.sweep()
        return list(self.requests.values())

    def get(self, request_id: str) -> AppConsentRequest:
        self.sweep()
        if request_id not in self.requests:
            raise missing(request_id)
        return self.requests[request_id]

    def user_request(self, request_id: str, user_request_id: str) -> UserConsentRequest:
        for user_request in self.get(request_id).user_requests:
            if user_request.id == user_request_id:
                return user_request
        raise missing(user_request_id)

    def pending_for(self, app_id: str, user_id: str) -> AppConsentRequest | None:
        """The app's request if this user has an open part in it (Entra then says pending)."""
        request_id = self._by_app.get(app_id)
        if request_id is None:
            return None
        request = self.requests[request_id]
        self.sweep(request)
        return request if any(u.user.id == user_id for u in request.in_progress()) else None

    def create(
        self, app_key: str, user_key: str, reason: str, created: datetime | None = None
    ) -> tuple[AppConsentRequest, UserConsentRequest]:
        """What happens when a user submits the "Approval required" form."""
        app = self._apps.find_app(app_key)
        if app is None or not app.required_scopes:
            known = sorted(
                a.display_name for a in self._apps.registry.values() if a.required_scopes
            )
            more = f" and {len(known) - 12} more" if len(known) > 12 else ""
            raise NotFound(f"Unknown app '{app_key}'. Known apps: {', '.join(known[:12])}{more}.")
        user = self._directory.users.find(user_key)
        if user is None:
            raise NotFound(f"Unknown user '{user_key}'.")
        if not reason.strip():
            raise BadRequest("A justification (reason) is required.")
        policy = self._policies.request_policy
        if not policy.is_enabled:
            raise Conflict(
                "The admin consent request workflow is off (isEnabled false): the user sees "
                "'Need admin approval' (AADSTS90094) and no request is created."
            )
        sp = self._apps.sp_for_app(app.app_id)
        if sp is not None and not sp.account_enabled:
            raise Conflict(
                f"'{app.display_name}' is disabled in this tenant; users cannot request it."
            )
        scopes = self._ungranted(app)
        if not scopes:
            raise Conflict(
                f"'{app.display_name}' already has admin consent for everything it asks for; "
                "users can sign in without a request."
            )
        request = self._request_for(app)
        self.sweep(request)
        for existing in request.in_progress():
            if existing.user.id == user.id:
                raise Conflict(
                    f"{user.user_principal_name} already has a pending request for "
                    f"'{app.display_name}' ({request.id})."
                )
        when = as_utc(created) if created is not None else as_utc(self._clock())
        user_request = UserConsentRequest(
            id=self._ids.new(),
            user=user,
            reason=reason.strip(),
            scopes=scopes,
            created=when,
            expires=when + timedelta(days=policy.request_duration_days),
            stage=ApprovalStage(id=self._ids.new()),
        )
        request.user_requests.append(user_request)
        self.sweep(request)
        return request, user_request

    def _request_for(self, app: AppDefinition) -> AppConsentRequest:
        """Entra keeps one request per app; later askers join it."""
        existing = self._by_app.get(app.app_id)
        if existing is not None:
            return self.requests[existing]
        request = AppConsentRequest(self._ids.new(), app.app_id, app.display_name)
        self.requests[request.id] = request
        self._by_app[app.app_id] = request.id
        return request

    def _ungranted(self, app: AppDefinition) -> list[str]:
        client = self._apps.sp_for_app(app.app_id)
        result = []
        for required in app.required_scopes:
            resource = self._apps.sp_for_app(required.resource_app_id)
            grant = None
            if client is not None and resource is not None:
                grant = self._grants.items.get(grant_id(client.id, resource.id))
            if grant is None or required.value not in grant.scopes:
                result.append(required.value)
        return result

    def decide(
        self, request_id: str, approve: bool, reviewer: str | None, justification: str | None
    ) -> dict[str, Any]:
        """A reviewer's decision in the Entra portal: closes every open user request."""
        request = self.get(request_id)
        open_requests = self._open(request)
        by = self._reviewer(reviewer)
        scopes = request.pending_scopes
        now = as_utc(self._clock())
        for user_request in open_requests:
            stage = user_request.stage
            stage.review_result = "Approve" if approve else "Deny"
            stage.reviewed_by, stage.reviewed, stage.justification = by, now, justification
            self._close(user_request, COMPLETED, completed=now)
        result: dict[str, Any] = {
            "appConsentRequestId": request.id,
            "decision": "Approve" if approve else "Deny",
            "reviewedBy": by.user_principal_name,
            "userConsentRequestIds": [u.id for u in open_requests],
            "grants": [],
            "unresolvedScopes": [],
        }
        app = self._apps.find_app(request.app_id)
        if approve and app is not None:
            outcome = self._grants.admin_consent(app, scopes)
            result["grants"] = [g.to_json() for g in outcome.grants]
            result["unresolvedScopes"] = outcome.unresolved
        return result

    def _reviewer(self, key: str | None) -> User:
        """The named reviewer, or the first Global Administrator when none is named."""
        if key is None:
            key = self._directory.role_by_template(GLOBAL_ADMINISTRATOR).member_ids[0]
        user = self._directory.users.find(key)
        if user is None:
            raise NotFound(f"Unknown reviewer '{key}'.")
        return user

    def expire(self, request_id: str) -> list[UserConsentRequest]:
        request = self.get(request_id)
        open_requests = self._open(request)
        for user_request in open_requests:
            self._close(user_request, EXPIRED)
        return open_requests

    @staticmethod
    def _open(request: AppConsentRequest) -> list[UserConsentRequest]:
        open_requests = request.in_progress()
        if not open_requests:
            states = sorted({u.status for u in request.user_requests})
            raise Conflict(
                f"Request {request.id} has nothing in progress (status: {', '.join(states)})."
            )
        return open_requests

    @staticmethod
    def _close(
        user_request: UserConsentRequest, status: str, completed: datetime | None = None
    ) -> None:
        user_request.status = status
        user_request.completed = completed
        user_request.stage.status = COMPLETED
