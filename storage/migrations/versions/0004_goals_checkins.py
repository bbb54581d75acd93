"""goals, check-ins, check-in preferences, mentor check-ins

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:22:26.231122
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_preferences",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("at", sa.Time(), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_checkin_preferences_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_checkin_preferences")),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                "missed",
                name="checkin_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("progress", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("went_well", sa.String(length=1000), nullable=True),
        sa.Column("hard", sa.String(length=1000), nullable=True),
        sa.Column("staff_note", sa.String(length=1000), nullable=True),
        sa.Column("reach_out", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_checkins_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_checkins_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("member_id", "week", name=op.f("uq_checkins_member_id_week")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index("ix_checkins_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=100), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("measure", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("focus_area", sa.String(length=30), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "active",
                "done",
                "dropped",
                "declined",
                name="goal_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_goals_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_goals_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["members.id"],
            name=op.f("fk_goals_proposed_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_index("ix_goals_member_id_status", ["member_id", "status"], unique=False)

    op.create_table(
        "mentor_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("going", sa.Integer(), nullable=False),
        sa.Column("concern", sa.String(length=1000), nullable=True),
        sa.Column("needs_support", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_mentor_checkins_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_mentor_checkins_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_checkins")),
        sa.UniqueConstraint("member_id", "week", name=op.f("uq_mentor_checkins_member_id_week")),
    )


def downgrade() -> None:
    op.drop_table("mentor_checkins")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_member_id_status")

    op.drop_table("goals")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_status_due_at")

    op.drop_table("checkins")
    op.drop_table("checkin_preferences")
