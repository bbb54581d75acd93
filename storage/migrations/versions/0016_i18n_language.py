"""each member's language (their DMs and scheduled prompts) and each server's (staff posts)

Revision ID: 0016_i18n
Revises: 0015_safety
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_i18n"
down_revision: str | None = "0015_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy on SQLite: rebuilding members would cascade).
    for table in ("members", "guild_settings"):
        op.add_column(
            table, sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )


def downgrade() -> None:
    for table in ("guild_settings", "members"):
        op.drop_column(table, "language")
