"""guild settings and members

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:05:02.144441
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("staff_role_id", sa.BigInteger(), nullable=True),
        sa.Column("escalation_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("mentoring_category_id", sa.BigInteger(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("checkin_weekday", sa.Integer(), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "mentor",
                "mentee",
                "staff",
                name="program_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column(
            "dm_status",
            sa.Enum(
                "unknown",
                "open",
                "closed",
                name="dm_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_members_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_members_guild_id_user_id")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_guild_id"), ["guild_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_guild_id"))

    op.drop_table("members")
    op.drop_table("guild_settings")
