"""outbox flows: a signal points at the words of a concern (a check-in, a mentor's check-in);
a closed match records when its channel was archived and its closing notices written

Every step is a plain ALTER TABLE, also on SQLite: rebuilding ``signals`` or ``matches`` (what
a batch operation does there) would fire their children's ON DELETE actions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("signals", sa.Column("checkin_id", sa.Integer(), nullable=True)),
    ("signals", sa.Column("mentor_checkin_id", sa.Integer(), nullable=True)),
    ("matches", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True)),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)
    # Matches closed before this revision were archived when they closed.
    matches = sa.table(
        "matches",
        sa.column("status", sa.String()),
        sa.column("ended_at", sa.DateTime(timezone=True)),
        sa.column("archived_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        matches.update().where(matches.c.status == "closed").values(archived_at=matches.c.ended_at)
    )


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+: no table rebuild
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
        else:
            op.drop_column(table, column.name)
