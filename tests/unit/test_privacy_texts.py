"""/privacy and the erasure question name every kind of record in plain words."""

from __future__ import annotations

from cogs.privacy_texts import PROGRAM_TABLES, RECORDS, forget_question, records_line
from storage.models import Base


def test_every_table_that_can_hold_a_members_records_has_plain_words() -> None:
    tables = set(Base.metadata.tables)
    assert set(RECORDS) | PROGRAM_TABLES == tables
    assert not set(RECORDS) & PROGRAM_TABLES


def test_the_erasure_question_lists_each_kind_of_record_with_its_count() -> None:
    question = forget_question("<@5>", {"members": 1, "midpoint_surveys": 2})
    assert "- 1 program profile" in question
    assert "- 2 answers to the survey part-way through a match" in question
    assert records_line("checkins", 3).startswith("- 3 weekly check-ins")
