"""What the admin cards list, as the cards need to read it.

The store's rows carry these attributes; the cards depend only on these shapes,
so ``cards/`` stays a pure function of the vocabulary and never of the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class DestinationListing(Protocol):
    """A review destination: a channel or chat, and what it receives."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...


class RoutingRuleListing(Protocol):
    """One routing rule: what it matches and how many approvals it asks for."""

    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str | None: ...
    @property
    def approvals_required(self) -> int: ...


class AuditListing(Protocol):
    """One line of the audit trail."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor_name(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def result(self) -> str: ...
    @property
    def app_name(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...


class AutoApprovalListing(Protocol):
    """One app on the auto-approval allow-list and the scopes it may be granted."""

    @property
    def app_id(self) -> str: ...
    @property
    def app_name(self) -> str | None: ...
    @property
    def max_scopes(self) -> Sequence[str]: ...
    @property
    def origin(self) -> str: ...
