"""outbox: deliveries carry a deadline and the time of their last attempt, may end expired or
uncertain; signals are marked when the escalation rules have applied them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("pending", "sent", "fallback", "failed")
NEW_STATUSES = (*OLD_STATUSES, "expired", "uncertain")


def _status(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="delivery_status", native_enum=False, create_constraint=True, length=16
    )


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column(
            "status",
            existing_type=_status(OLD_STATUSES),
            type_=_status(NEW_STATUSES),
            existing_nullable=False,
        )
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True))
    # Before this revision signals were applied in memory when recorded. Those the rules
    # saw, and any older than two days, count as applied; a recent one never seen (the bot
    # stopped in between) is left for the signal worker.
    cutoff = datetime.now(UTC) - timedelta(days=2)
    if op.get_bind().dialect.name == "sqlite":
        cutoff = cutoff.replace(tzinfo=None)
    signals = sa.table(
        "signals",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("processed_at", sa.DateTime(timezone=True)),
    )
    seen: sa.Select[int] = sa.select(sa.column("signal_id", sa.Integer())).select_from(
        sa.table("escalation_events")
    )
    op.execute(
        signals.update()
        .where(sa.or_(signals.c.id.in_(seen), signals.c.created_at < cutoff))
        .values(processed_at=signals.c.created_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("processed_at")
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status IN ('expired', 'uncertain')")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "status",
            existing_type=_status(NEW_STATUSES),
            type_=_status(OLD_STATUSES),
            existing_nullable=False,
        )
        batch.drop_column("last_attempt_at")
        batch.drop_column("expires_at")
