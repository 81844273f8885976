"""Admin consent request entities, shaped like Graph's appConsentRequest family.

``approval.stages`` (v1.0) and ``approval.steps`` (beta) hold the same data; the
caller picks the key. The approval id equals the user request id, as in Entra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.clock import graph_time
from sandbox.state.directory import User

IN_PROGRESS, COMPLETED, EXPIRED = "InProgress", "Completed", "Expired"


@dataclass
class ApprovalStage:
    id: str
    status: str = IN_PROGRESS
    review_result: str = "NotReviewed"
    reviewed_by: User | None = None
    reviewed: datetime | None = None
    justification: str | None = None

    def to_json(self) -> dict[str, Any]:
        by = self.reviewed_by
        return {
            "id": self.id,
            "assignedToMe": None,
            "displayName": None,
            "justification": self.justification,
            "reviewResult": self.review_result,
            "reviewedBy": {"id": by.id, "displayName": by.display_name} if by else None,
            "reviewedDateTime": graph_time(self.reviewed),
            "status": self.status,
        }


@dataclass
class UserConsentRequest:
    id: str
    user: User
    reason: str
    scopes: list[str]
    created: datetime
    expires: datetime
    stage: ApprovalStage
    status: str = IN_PROGRESS
    completed: datetime | None = None

    def to_json(self, steps_key: str = "stages") -> dict[str, Any]:
        user = self.user
        return {
            "id": self.id,
            "approvalId": self.id,
            "completedDateTime": graph_time(self.completed),
            "createdBy": {
                "user": {
                    "id": user.id,
                    "displayName": user.display_name,
                    "userPrincipalName": user.user_principal_name,
                    "mail": user.mail,
                }
            },
            "createdDateTime": graph_time(self.created),
            "customData": None,
            "reason": self.reason,
            "status": self.status,
            "approval": self.approval_json(steps_key),
        }

    def approval_json(self, steps_key: str = "stages") -> dict[str, Any]:
        return {"id": self.id, steps_key: [self.stage.to_json()]}


@dataclass
class AppConsentRequest:
    id: str
    app_id: str
    app_display_name: str
    consent_type: str = "Static"
    user_requests: list[UserConsentRequest] = field(default_factory=list)

    def in_progress(self) -> list[UserConsentRequest]:
        return [u for u in self.user_requests if u.status == IN_PROGRESS]

    @property
    def is_pending(self) -> bool:
        return bool(self.in_progress())

    @property
    def pending_scopes(self) -> list[str]:
        source = self.in_progress() or self.user_requests
        return list(dict.fromkeys(s for u in source for s in u.scopes))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "appDisplayName": self.app_display_name,
            "appId": self.app_id,
            "consentType": self.consent_type,
            "pendingScopes": [{"displayName": s} for s in self.pending_scopes],
        }
