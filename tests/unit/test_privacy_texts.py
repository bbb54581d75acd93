"""/privacy and the erasure question name every kind of record in plain words."""

from __future__ import annotations

from bot.services.privacy import StoredAbout
from cogs.privacy_texts import (
    PROGRAM_TABLES,
    RECORDS,
    forget_question,
    records_line,
    stored_embed,
)
from storage.models import Base, ProgramRole


def test_every_table_that_can_hold_a_members_records_has_plain_words() -> None:
    tables = set(Base.metadata.tables)
    assert set(RECORDS) | PROGRAM_TABLES == tables
    assert not set(RECORDS) & PROGRAM_TABLES


def test_the_erasure_question_lists_each_kind_of_record_with_its_count() -> None:
    question = forget_question("<@5>", {"members": 1, "midpoint_surveys": 2})
    assert "- 1 program profile" in question
    assert "- 2 answers to the survey part-way through a match" in question
    assert records_line("checkins", 3).startswith("- 3 weekly check-ins")


def _about(**lists: tuple[str, ...]) -> StoredAbout:
    return StoredAbout(
        role=ProgramRole.MENTEE,
        active=True,
        time_zone=None,
        language="es",
        grade=8,
        interests=lists.get("interests", ()),
        focus_areas=lists.get("focus_areas", ()),
        subjects=lists.get("subjects", ()),
        availability_windows=0,
        consented_at=None,
        records={},
        retention_days=365,
    )


def test_an_empty_list_reads_none_in_the_gender_of_its_noun_in_spanish() -> None:
    lines = stored_embed(_about(), "es").to_dict()["fields"][0]["value"].splitlines()
    assert "Intereses: ninguno" in lines
    assert "Áreas de enfoque: ninguna" in lines
    assert "Materias: ninguna" in lines


def test_a_list_is_shown_as_written() -> None:
    about = _about(interests=("chess", "music"), subjects=("math",))
    lines = stored_embed(about, "en").to_dict()["fields"][0]["value"].splitlines()
    assert "Interests: chess, music" in lines
    assert "Subjects: math" in lines
    assert "Focus areas: none" in lines
