"""recruiting: standing invitations (staff posts and student leaders' own), where each was
shared, and one sign-up row per joining, credited to the invitation it came through

Existing members get a sign-up row for their current membership (their consent time, no
invitation), so the report counts the program's sign-ups from before this revision too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", _enum("invitation_kind", "staff", "leader"), nullable=False),
        sa.Column(
            "audience",
            _enum("invitation_audience", "mentors", "mentees", "both"),
            nullable=False,
        ),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_invitations_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index("ix_invitations_guild_id_created_by", "invitations", ["guild_id", "created_by"])
    one_open = sa.text("kind = 'leader' AND closed_at IS NULL")
    op.create_index(
        "uq_invitations_open_leader",
        "invitations",
        ["guild_id", "created_by"],
        unique=True,
        sqlite_where=one_open,
        postgresql_where=one_open,
    )
    op.create_table(
        "invitation_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_invitation_posts_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_posts")),
    )
    op.create_index(
        op.f("ix_invitation_posts_invitation_id"), "invitation_posts", ["invitation_id"]
    )
    op.create_table(
        "signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("program_role", "mentor", "mentee", "staff"), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guild_settings.guild_id"],
            name=op.f("fk_signups_guild_id_guild_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_signups_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_signups_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signups")),
    )
    op.create_index("ix_signups_guild_id_joined_at", "signups", ["guild_id", "joined_at"])
    op.create_index(op.f("ix_signups_member_id"), "signups", ["member_id"])
    op.create_index(op.f("ix_signups_invitation_id"), "signups", ["invitation_id"])
    op.execute(
        "INSERT INTO signups (guild_id, member_id, role, invitation_id, joined_at) "
        "SELECT guild_id, id, role, NULL, consented_at FROM members "
        "WHERE consented_at IS NOT NULL AND role IN ('mentor', 'mentee')"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_signups_invitation_id"), table_name="signups")
    op.drop_index(op.f("ix_signups_member_id"), table_name="signups")
    op.drop_index("ix_signups_guild_id_joined_at", table_name="signups")
    op.drop_table("signups")
    op.drop_index(op.f("ix_invitation_posts_invitation_id"), table_name="invitation_posts")
    op.drop_table("invitation_posts")
    op.drop_index("uq_invitations_open_leader", table_name="invitations")
    op.drop_index("ix_invitations_guild_id_created_by", table_name="invitations")
    op.drop_table("invitations")
