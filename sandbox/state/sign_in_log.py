"""Entra's sign-in log: one ``signIn`` entry per attempt the sign-in simulator plays.

A user blocked by consent never reaches the bot on their own; the log is where
an admin tool can see them. The entries are shaped like Graph's ``signIn``
resource (names exactly as in the v1.0 metadata), with the AADSTS code of the
outcome in ``status/errorCode``. The entry's ``id`` is the "Request Id" and its
``correlationId`` the "Correlation Id" of the error page the user saw, as in
Entra, so a pasted error text and a log entry can be matched.

Entra writes the log late (minutes, not in order), so each entry becomes
visible only at ``createdDateTime + lag`` (``lag_seconds`` plus a seeded random
``0..jitter_seconds``), measured on the tenant's clock and fixed when the entry
is written. A reader that polls with a ``createdDateTime`` watermark must look
back far enough to catch late entries. Entries older than the 30 days Entra
keeps with P1/P2 are never served. Without a premium licence Graph refuses the
whole log (``premium_licence``; checked by ``sandbox.graph.audit_logs``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.clock import as_utc, graph_time
from sandbox.errors import BadRequest
from sandbox.state.directory import User
from sandbox.state.registry import AppDefinition
from sandbox.state.sign_in import Verdict
from sandbox.state.sign_in_entry import ERROR_CODES, SignInEntry

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

__all__ = [
    "ERROR_CODES",
    "MAX_LAG_SECONDS",
    "RETENTION",
    "LogSettings",
    "SignInEntry",
    "SignInLog",
    "record_verdict",
]
RETENTION = timedelta(days=30)
MAX_LAG_SECONDS = 24 * 3600


def _state(entry: SignInEntry, now: datetime, served: set[str]) -> str:
    if entry.id in served:
        return "served"
    return "pending" if entry.visible_at > now else "expired"


@dataclass
class LogSettings:
    lag_seconds: int = 0
    jitter_seconds: int = 0
    premium_licence: bool = True

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "retention_days": RETENTION.days}


class SignInLog:
    """The tenant's sign-in log; times come from the tenant clock (``now``)."""

    def __init__(self, now: Callable[[], datetime], seed: int = 0) -> None:
        self._now = now
        self._rng = random.Random(seed)
        self._written = 0
        self.settings = LogSettings()
        self.entries: list[SignInEntry] = []

    def configure(
        self,
        *,
        lag_seconds: int | None = None,
        jitter_seconds: int | None = None,
        premium_licence: bool | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Change the log's settings; the lag applies to entries written from now on."""
        for name, value in (("lag_seconds", lag_seconds), ("jitter_seconds", jitter_seconds)):
            if value is not None and not 0 <= value <= MAX_LAG_SECONDS:
                raise BadRequest(f"{name} must be between 0 and {MAX_LAG_SECONDS}.")
        changes = {"lag_seconds": lag_seconds, "jitter_seconds": jitter_seconds}
        for name, value in {**changes, "premium_licence": premium_licence}.items():
            if value is not None:
                setattr(self.settings, name, value)
        if seed is not None:
            self._rng = random.Random(seed)
        return self.settings.to_json()

    def record(
        self,
        *,
        outcome: str,
        user: User,
        app_id: str,
        app_display_name: str,
        tenant_id: str,
        resource: tuple[str, str | None] | None = None,
        entry_id: str | None = None,
        correlation_id: str | None = None,
        created: datetime | None = None,
    ) -> SignInEntry:
        """Write one attempt; ``resource`` is (appId, display name) of the first scope's API."""
        if outcome not in ERROR_CODES:
            raise BadRequest(f"Unknown sign-in outcome '{outcome}'.")
        when = as_utc(created or self._now())
        settings = self.settings
        lag = settings.lag_seconds + self._rng.randint(0, settings.jitter_seconds)
        entry = SignInEntry(
            id=entry_id or str(uuid.uuid4()),
            created=when,
            visible_at=when + timedelta(seconds=lag),
            sequence=self._written,
            outcome=outcome,
            error_code=ERROR_CODES[outcome],
            user=user,
            app_id=app_id,
            app_display_name=app_display_name,
            resource_id=resource[0] if resource else None,
            resource_display_name=resource[1] if resource else None,
            correlation_id=correlation_id or str(uuid.uuid4()),
            tenant_id=tenant_id,
        )
        self._written += 1
        self.entries.append(entry)
        return entry

    @property
    def written(self) -> int:
        """How many entries were ever written: with a time, it pins what a reader saw."""
        return self._written

    def visible(
        self, at: datetime | None = None, written_before: int | None = None
    ) -> list[SignInEntry]:
        """What Graph serves at ``at`` (default now): written, not expired; newest first.

        ``written_before`` leaves out entries written after a snapshot, even at the same
        instant (a test clock often stands still while several sign-ins happen).
        """
        moment = as_utc(at or self._now())
        oldest = moment - RETENTION
        limit = self._written if written_before is None else written_before
        served = [
            e
            for e in self.entries
            if e.visible_at <= moment and e.created >= oldest and e.sequence < limit
        ]
        return sorted(served, key=lambda e: (e.created, e.sequence), reverse=True)

    def clear(self) -> int:
        cleared = len(self.entries)
        self.entries.clear()
        return cleared

    def snapshot(self) -> dict[str, Any]:
        """Settings and every entry, hidden ones included (with when Graph will serve them)."""
        now = as_utc(self._now())
        served = {e.id for e in self.visible(now)}
        entries = sorted(self.entries, key=lambda e: (e.created, e.sequence), reverse=True)
        return {
            "now": graph_time(now),
            "settings": self.settings.to_json(),
            "entries": [
                {
                    **e.to_json(),
                    "visibleDateTime": graph_time(e.visible_at),
                    "logState": _state(e, now, served),
                    "outcome": e.outcome,
                }
                for e in entries
            ],
        }


def record_verdict(
    tenant: SandboxTenant,
    app: AppDefinition,
    user: User,
    verdict: Verdict,
    request_id: str,
    correlation_id: str,
) -> SignInEntry:
    """Log a simulated attempt under the error page's ids; the resource is the first scope's API."""
    resource: tuple[str, str | None] | None = None
    if verdict.scopes:
        first = verdict.scopes[0]
        known = (
            first.resource.app if first.resource else tenant.apps.find_app(first.resource_app_id)
        )
        resource = (first.resource_app_id, known.display_name if known else None)
    return tenant.sign_in_log.record(
        outcome=verdict.outcome,
        user=user,
        app_id=app.app_id,
        app_display_name=app.display_name,
        tenant_id=tenant.tenant_id,
        resource=resource,
        entry_id=request_id,
        correlation_id=correlation_id,
    )
