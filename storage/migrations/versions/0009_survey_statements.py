"""surveys keep each answer with the statement it answered; the closure survey asks them too

The closure survey's two texts ("what helped", "what would you change") become one comment
that keeps both under their questions, and it gains the configured Likert statements. Both
surveys store answers as ``{statement: 1-5}``, so changing ``[surveys] likert_questions``
never relabels answers given earlier. Mid-point answers stored by position become
``{"Statement N": value}``: their text was not kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELPED = "What helped: "
CHANGE = "What I would change: "
TEXT_MAX = 1000

closure = sa.table(
    "closure_surveys",
    sa.column("id", sa.Integer()),
    sa.column("helped", sa.String()),
    sa.column("change", sa.String()),
    sa.column("answers", sa.JSON()),
    sa.column("comment", sa.Text()),
)
midpoint = sa.table(
    "midpoint_surveys", sa.column("id", sa.Integer()), sa.column("answers", sa.JSON())
)


def _comment(helped: str, change: str) -> str | None:
    parts = [HELPED + helped.strip()] if helped.strip() else []
    parts += [CHANGE + change.strip()] if change.strip() else []
    return "\n\n".join(parts) or None


def _split(comment: str | None) -> tuple[str, str]:
    """The two texts back from a comment; one written after the upgrade is all "helped"."""
    text = comment or ""
    if text.startswith(CHANGE):
        return "", text.removeprefix(CHANGE)[:TEXT_MAX]
    if not text.startswith(HELPED):
        return text[:TEXT_MAX], ""
    helped, _, change = text.removeprefix(HELPED).partition("\n\n" + CHANGE)
    return helped[:TEXT_MAX], change[:TEXT_MAX]


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("closure_surveys") as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
    texts = connection.execute(sa.select(closure.c.id, closure.c.helped, closure.c.change))
    for survey_id, helped, change in texts.all():
        connection.execute(
            closure.update()
            .where(closure.c.id == survey_id)
            .values(answers={}, comment=_comment(helped, change))
        )
    with op.batch_alter_table("closure_surveys") as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("helped")
        batch_op.drop_column("change")
    for survey_id, answers in connection.execute(
        sa.select(midpoint.c.id, midpoint.c.answers)
    ).all():
        if isinstance(answers, list):
            named = {f"Statement {n}": value for n, value in enumerate(answers, start=1)}
            connection.execute(
                midpoint.update().where(midpoint.c.id == survey_id).values(answers=named)
            )


def downgrade() -> None:
    connection = op.get_bind()
    for survey_id, answers in connection.execute(
        sa.select(midpoint.c.id, midpoint.c.answers)
    ).all():
        if isinstance(answers, dict):
            connection.execute(
                midpoint.update()
                .where(midpoint.c.id == survey_id)
                .values(answers=list(answers.values()))
            )
    with op.batch_alter_table("closure_surveys") as batch_op:
        batch_op.add_column(sa.Column("helped", sa.String(TEXT_MAX), nullable=True))
        batch_op.add_column(sa.Column("change", sa.String(TEXT_MAX), nullable=True))
    for survey_id, comment in connection.execute(sa.select(closure.c.id, closure.c.comment)).all():
        helped, change = _split(comment)
        connection.execute(
            closure.update().where(closure.c.id == survey_id).values(helped=helped, change=change)
        )
    with op.batch_alter_table("closure_surveys") as batch_op:
        batch_op.alter_column("helped", existing_type=sa.String(TEXT_MAX), nullable=False)
        batch_op.alter_column("change", existing_type=sa.String(TEXT_MAX), nullable=False)
        batch_op.drop_column("comment")
        batch_op.drop_column("answers")
