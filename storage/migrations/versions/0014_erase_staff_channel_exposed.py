"""when the daily check found the staff channel readable by others than staff (escalation
posts are redacted while it is set)

Revision ID: 0014_erase
Revises: 0013
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_erase"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "guild_settings",
        sa.Column("staff_channel_exposed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies guild_settings and drops the old table, and
    # the drop would cascade to every row that references it.
    op.drop_column("guild_settings", "staff_channel_exposed_at")
