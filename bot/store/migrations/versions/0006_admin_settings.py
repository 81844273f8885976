"""per-destination reviewers and reminders, named people, two-person approval, auto-approval

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approvals_required", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reviewers", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("reminder_settings", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.add_column(
            sa.Column("origin", sa.String(length=8), server_default="chat", nullable=False)
        )
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approvals_required", sa.Integer(), server_default="1", nullable=False)
        )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["consent_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "actor_id"),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approvals_request_id"), ["request_id"], unique=False)
    op.create_table(
        "auto_approvals",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("app_name", sa.String(length=512), nullable=True),
        sa.Column("max_scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("app_id"),
    )


def downgrade() -> None:
    op.drop_table("auto_approvals")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approvals_request_id"))
    op.drop_table("approvals")
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.drop_column("approvals_required")
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_column("origin")
        batch_op.drop_column("reminder_settings")
        batch_op.drop_column("reviewers")
        batch_op.drop_column("person_id")
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.drop_column("approvals_required")
