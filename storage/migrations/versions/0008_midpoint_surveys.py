"""mid-point surveys: a member's Likert answers some weeks into their match

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "midpoint_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_midpoint_surveys_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_midpoint_surveys_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_midpoint_surveys")),
        sa.UniqueConstraint(
            "match_id", "member_id", name=op.f("uq_midpoint_surveys_match_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_midpoint_surveys_match_id"), "midpoint_surveys", ["match_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_midpoint_surveys_match_id"), table_name="midpoint_surveys")
    op.drop_table("midpoint_surveys")
