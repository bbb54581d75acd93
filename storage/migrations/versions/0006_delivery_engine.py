"""delivery engine: resumable deliveries, DM channel cache, program channel

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("pending", "sent", "failed")
NEW_STATUSES = ("pending", "sent", "fallback", "failed")


def _status(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="delivery_status", native_enum=False, create_constraint=True, length=16
    )


def _set_statuses(old: Sequence[str], new: Sequence[str]) -> None:
    """Swap the CHECK constraint on deliveries.status (SQLite rebuilds the table)."""
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "status", existing_type=_status(old), type_=_status(new), existing_nullable=False
        )


def upgrade() -> None:
    op.add_column("guild_settings", sa.Column("program_channel_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "dm_channels",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dm_channels")),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("guild_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("priority", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch.add_column(sa.Column("nonce", sa.String(length=25), nullable=True))
        batch.add_column(sa.Column("channel_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("fallback_channel_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_deliveries_status_priority", ["status", "priority"])
    _set_statuses(OLD_STATUSES, NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE deliveries SET status = 'sent' WHERE status = 'fallback'")
    _set_statuses(NEW_STATUSES, OLD_STATUSES)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_status_priority")
        for name in (
            "message_id",
            "payload",
            "fallback_channel_id",
            "channel_id",
            "nonce",
            "priority",
            "guild_id",
        ):
            batch.drop_column(name)
    op.drop_table("dm_channels")
    op.drop_column("guild_settings", "program_channel_id")
