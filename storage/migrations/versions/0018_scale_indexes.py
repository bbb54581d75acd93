"""indexes for a district's frequent lookups (members by user, goals, check-ins and mentor
check-ins by server, signals by member and match, escalation events by signal, deliveries
by server and creation); when a match's mid-point survey was asked

Revision ID: 0018_scale
Revises: 0017_conventions
Create Date: 2026-12-01 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_scale"
down_revision: str | None = "0017_conventions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, table, columns)
INDEXES = [
    ("ix_members_user_id", "members", ["user_id"]),
    ("ix_goals_guild_id", "goals", ["guild_id"]),
    ("ix_checkins_guild_id", "checkins", ["guild_id"]),
    ("ix_mentor_checkins_guild_id", "mentor_checkins", ["guild_id"]),
    ("ix_signals_member_id", "signals", ["member_id"]),
    ("ix_signals_match_id", "signals", ["match_id"]),
    ("ix_escalation_events_signal_id", "escalation_events", ["signal_id"]),
    ("ix_deliveries_guild_id_created_at", "deliveries", ["guild_id", "created_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.add_column("matches", sa.Column("midpoint_asked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+: no table rebuild (no cascade)
        op.execute("ALTER TABLE matches DROP COLUMN midpoint_asked_at")
    else:
        op.drop_column("matches", "midpoint_asked_at")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
