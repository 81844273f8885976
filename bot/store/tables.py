"""Table definitions. Alembic migrations in ``migrations/`` create exactly these.

Times are stored as timezone-aware UTC. JSON columns hold small lists and
snapshots (scopes, rendered card payloads) that are always read whole.

Longer than 300 lines on purpose: the whole schema is one metadata, the one
Alembic's comparison test checks against the migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class ConsentRequestRow(Base):
    """One Entra appConsentRequest (one per app, grouping many users' requests)."""

    __tablename__ = "consent_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    app_display_name: Mapped[str] = mapped_column(String(512))
    scopes: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(32), index=True)
    first_requested_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    app_snapshot: Mapped[dict[str, Any]] = mapped_column(
        doc="Publisher and scope details read from Graph when the request was first seen."
    )
    origin: Mapped[str] = mapped_column(
        String(16),
        default="entra",
        server_default="entra",
        doc="entra: read from Graph's pending list; bot: asked through the bot "
        "while Entra's request workflow was off.",
    )
    approvals_required: Mapped[int] = mapped_column(
        Integer,
        default=1,
        server_default="1",
        doc="Distinct approvals needed before the bot grants; set by the routing rule "
        "that placed the request when it was first seen.",
    )
    details_pending: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        doc="Recorded from the pending list alone (a backlog): the app's publisher is "
        "still to be read, and the card is edited once it is.",
    )


class RequesterRow(Base):
    """One user's request (an Entra userConsentRequest) inside a consent request."""

    __tablename__ = "requesters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("consent_requests.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(256))
    user_principal_name: Mapped[str | None] = mapped_column(String(256))
    mail: Mapped[str | None] = mapped_column(String(256))
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))


class DestinationRow(Base):
    """A Teams conversation where reviewer cards are posted."""

    __tablename__ = "destinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(512), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(512))
    team_id: Mapped[str | None] = mapped_column(String(512))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(String(256))
    registered_by: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(
        String(16), default="review", server_default="review", doc="review or escalation"
    )
    person_id: Mapped[str | None] = mapped_column(
        String(64), doc="For a named person (1:1) destination: that user's object id."
    )
    reviewers: Mapped[list[str]] = mapped_column(
        default=list,
        server_default="[]",
        doc="Object ids of users and groups who may decide here, on top of the workflow's own.",
    )
    reminder_settings: Mapped[dict[str, Any]] = mapped_column(
        default=dict,
        server_default="{}",
        doc="This destination's overrides of the global reminder settings; empty means global.",
    )
    origin: Mapped[str] = mapped_column(
        String(8), default="chat", server_default="chat", doc="chat or file"
    )


class OutboxRow(Base):
    """A message to send to Teams, written in the same transaction as the change it reports.

    ``idempotency_key`` is unique, so writing the same intent twice is a no-op.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(256), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("destinations.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), doc="Recipient of a 1:1 notice.")
    request_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class CardPostRow(Base):
    """Where a request's card was posted, so every copy can be edited later."""

    __tablename__ = "card_posts"
    __table_args__ = (UniqueConstraint("request_id", "destination_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("consent_requests.id", ondelete="CASCADE"), index=True
    )
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    conversation_id: Mapped[str] = mapped_column(String(512))
    activity_id: Mapped[str] = mapped_column(String(512))
    posted_at: Mapped[datetime]


class DecisionRow(Base):
    """A reviewer's decision and, for approve and block, the durable Graph work behind it.

    ``state`` is ``queued`` until the worker finishes the Graph work, then
    ``done`` or ``failed`` (with ``problem``); deny needs no Graph work and is
    ``done`` at once. The lease columns let one worker at a time run it.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("consent_requests.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    problem: Mapped[str | None] = mapped_column(Text)
    unresolved_scopes: Mapped[list[str]]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]


class AuditRow(Base):
    """Every decision attempt, allowed or refused, and how the work behind it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    app_id: Mapped[str | None] = mapped_column(String(64))
    app_name: Mapped[str | None] = mapped_column(String(512))
    scopes: Mapped[list[str]]
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)


class UserChatRow(Base):
    """A user's 1:1 chat with the bot, so requesters can be told outcomes."""

    __tablename__ = "user_chats"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(1024))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]
    blocked_at: Mapped[datetime | None]


class ReminderRow(Base):
    """When the reviewers of one destination are next reminded of one pending request."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("request_id", "destination_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("consent_requests.id", ondelete="CASCADE"), index=True
    )
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    next_due_at: Mapped[datetime] = mapped_column(index=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    lease_until: Mapped[datetime | None]


class RoutingRuleRow(Base):
    """Which destination gets which requests; rules are tried in ``position`` order."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(
        String(16), doc="high_risk, unverified, verified, app, default"
    )
    value: Mapped[str | None] = mapped_column(String(64), doc="The app id of an ``app`` rule.")
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(8), doc="chat or file")
    approvals_required: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1", doc="Two-person approval: 2 (or more)."
    )


class SettingRow(Base):
    """One setting changed in chat or seeded from the config file (e.g. the high-risk list)."""

    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[list[str]]
    updated_at: Mapped[datetime]


class ApprovalRow(Base):
    """One reviewer's approval of a request that needs more than one (two-person approval)."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("request_id", "actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("consent_requests.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(256))
    approved_at: Mapped[datetime]


class AutoApprovalRow(Base):
    """An app the admins allow to be granted without a human, up to ``max_scopes``."""

    __tablename__ = "auto_approvals"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_name: Mapped[str | None] = mapped_column(String(512))
    max_scopes: Mapped[list[str]]
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(8), default="chat", doc="chat or file")


class SignInAttemptRow(Base):
    """One attempt consent stopped, from Entra's sign-in log: who, which app, when, which code.

    Nothing else of the log entry is kept (no address, device or location), and
    rows older than the retention setting are deleted.
    """

    __tablename__ = "sign_in_attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="The log entry's id.")
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    app_display_name: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(index=True)
    error_code: Mapped[int] = mapped_column(Integer)


class OutreachRow(Base):
    """When a user was last offered help with an app, so nobody is messaged twice a period."""

    __tablename__ = "outreach"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime]


class OutreachOptOutRow(Base):
    """A user who said "stop": never offered help unasked again, until they say "start"."""

    __tablename__ = "outreach_opt_outs"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stopped_at: Mapped[datetime]


class JobLeaseRow(Base):
    """Which process runs a job that must run in one place at a time, and until when.

    The holder renews ``held_until`` while it lives; once it is past, any process may take
    the lease (``bot.store.job_leases``).
    """

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(256), doc="host:pid:nonce of the holding process.")
    held_until: Mapped[datetime]
