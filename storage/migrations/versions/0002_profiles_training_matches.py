"""profiles, training and matches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:53:11.188289
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_training_modules_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_modules")),
    )
    with op.batch_alter_table("training_modules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_modules_guild_id"), ["guild_id"], unique=False
        )

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "closed",
                name="match_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("override_reason", sa.String(length=300), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_matches_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["members.id"],
            name=op.f("fk_matches_mentee_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["members.id"],
            name=op.f("fk_matches_mentor_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(
            "uq_matches_active_mentee",
            ["mentee_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "training_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reflection", sa.String(length=200), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_training_completions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_modules.id"],
            name=op.f("fk_training_completions_module_id_training_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_completions")),
        sa.UniqueConstraint(
            "module_id", "member_id", name=op.f("uq_training_completions_module_id_member_id")
        ),
    )
    with op.batch_alter_table("training_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_completions_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_completions_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "closure_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("helped", sa.String(length=1000), nullable=False),
        sa.Column("change", sa.String(length=1000), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_closure_surveys_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_closure_surveys_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_surveys")),
        sa.UniqueConstraint(
            "match_id", "member_id", name=op.f("uq_closure_surveys_match_id_member_id")
        ),
    )
    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_surveys_match_id"), ["match_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("interests", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("focus_areas", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("subjects", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("availability", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("left_at")
        batch_op.drop_column("active")
        batch_op.drop_column("consented_at")
        batch_op.drop_column("capacity")
        batch_op.drop_column("availability")
        batch_op.drop_column("subjects")
        batch_op.drop_column("focus_areas")
        batch_op.drop_column("interests")
        batch_op.drop_column("grade")

    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closure_surveys_match_id"))

    op.drop_table("closure_surveys")
    with op.batch_alter_table("training_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_completions_module_id"))
        batch_op.drop_index(batch_op.f("ix_training_completions_member_id"))

    op.drop_table("training_completions")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_matches_active_mentee",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_matches_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_matches_mentee_id"))
        batch_op.drop_index(batch_op.f("ix_matches_guild_id"))

    op.drop_table("matches")
    with op.batch_alter_table("training_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_modules_guild_id"))

    op.drop_table("training_modules")
