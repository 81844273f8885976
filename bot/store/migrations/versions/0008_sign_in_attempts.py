"""attempts consent stopped, read from the sign-in log, who was offered help, who said stop

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("app_display_name", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_attempts_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_sign_in_attempts_app_id"), ["app_id"])
        batch_op.create_index(batch_op.f("ix_sign_in_attempts_created_at"), ["created_at"])
    op.create_table(
        "outreach",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "app_id"),
    )
    op.create_table(
        "outreach_opt_outs",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("outreach_opt_outs")
    op.drop_table("outreach")
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_attempts_created_at"))
        batch_op.drop_index(batch_op.f("ix_sign_in_attempts_app_id"))
        batch_op.drop_index(batch_op.f("ix_sign_in_attempts_user_id"))
    op.drop_table("sign_in_attempts")
