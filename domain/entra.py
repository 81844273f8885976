"""Entra facts the bot reasons with: the roles that may grant consent, and reviewer queries.

The admin consent workflow names its reviewers as Graph queries
(``adminConsentRequestPolicy.reviewers``): a user (``/users/{id}``), the members
of a group (``/groups/{id}/transitiveMembers/microsoft.graph.user``) or the
holders of a directory role (``.../roleAssignments?$filter=roleDefinitionId eq
'{id}'``). The Entra admin center saves them with or without a version prefix
and in varying case, so they are read here, once, case-insensitively, and
written in the form the admin center itself saves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

CONSENT_ROLES: Final = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
}
"""The directory roles that may grant tenant-wide consent to any app's delegated
permissions, by role template id (which is also the role definition id), with
their names. Reviewers holding one can approve with their own token; with the
bot's app permissions, approving or blocking asks for one of them."""

CONSENT_ROLE_TEMPLATE_IDS: Final = frozenset(CONSENT_ROLES)

REVIEWER_QUERY_TYPE: Final = "MicrosoftGraph"

_VERSION = r"^/(?:v1\.0/|beta/)?"
_USER = re.compile(_VERSION + r"users/([^/?]+)$", re.IGNORECASE)
_GROUP = re.compile(_VERSION + r"groups/([^/?]+)/", re.IGNORECASE)
_ROLE = re.compile(r"roleDefinitionId\s+eq\s+'([^']+)'", re.IGNORECASE)


class ReviewerKind(StrEnum):
    USER = "user"
    GROUP = "group"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class ReviewerQuery:
    """One reviewer entry of the workflow: what kind of reviewer, and its object or role id."""

    kind: ReviewerKind
    id: str


def read_reviewer_query(query: str) -> ReviewerQuery | None:
    """What a saved reviewer query names, or None for a query of another shape.

    Role ids are compared in lower case (``CONSENT_ROLES`` keys are lower case).
    """
    if match := _USER.match(query):
        return ReviewerQuery(ReviewerKind.USER, match.group(1))
    if match := _GROUP.match(query):
        return ReviewerQuery(ReviewerKind.GROUP, match.group(1))
    if match := _ROLE.search(query):
        return ReviewerQuery(ReviewerKind.ROLE, match.group(1).lower())
    return None


def user_query(user_id: str) -> str:
    return f"/users/{user_id}"


def group_query(group_id: str) -> str:
    return f"/groups/{group_id}/transitiveMembers/microsoft.graph.user"


def role_query(role_id: str) -> str:
    """The form the Entra admin center itself saves for a role reviewer."""
    return f"/beta/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{role_id}'"
