"""members' display names kept from their interactions; a key/value table for the bot's own
state (the synced commands' hash)

Revision ID: 0017_conventions
Revises: 0016_i18n
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_conventions"
down_revision: str | None = "0016_i18n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of members would cascade-delete its dependents on SQLite.
    op.add_column("members", sa.Column("display_name", sa.String(length=100), nullable=True))
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )


def downgrade() -> None:
    op.drop_table("bot_state")
    op.drop_column("members", "display_name")
