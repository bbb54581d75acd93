"""The staff post's words: the recent context reads right in each language."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.escalations import Context, EscalationView
from cogs.escalation_texts import embed, rendered_embed
from storage.models import EscalationStatus, Urgency


def _view() -> EscalationView:
    return EscalationView(
        id=7,
        guild_id=1,
        student_user_id=10,
        mentor_user_id=None,
        source="manual",
        raised_by=10,
        category="wellbeing",
        urgency=Urgency.TODAY,
        details=None,
        status=EscalationStatus.OPEN,
        assignee=None,
        sla_stage=0,
        channel_id=3,
        message_id=None,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        signal_count=0,
    )


def _context_field(context: Context, language: str) -> str:
    fields = rendered_embed(embed(_view(), context), language).to_dict()["fields"]
    return next(f["value"] for f in fields if f["name"] in ("Recent context", "Contexto reciente"))


def test_no_open_goals_reads_ninguna_in_spanish() -> None:
    context = Context(sessions_happened=0, no_shows=0)
    assert _context_field(context, "es").endswith("Metas abiertas: ninguna")
    assert _context_field(context, "en").endswith("Open goals: none")


def test_open_goals_are_listed() -> None:
    context = Context(sessions_happened=2, no_shows=1, open_goals=("Read", "Run"))
    assert _context_field(context, "es").endswith("Metas abiertas: Read; Run")
