"""The mid-point and closure surveys on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import SurveySettings
from bot.delivery import Prompt
from bot.errors import UserError
from bot.jobs import SPAN
from bot.services import surveys as surveys_module
from bot.services.reports import ReportService
from bot.services.surveys import MidpointDue, Survey, SurveyService
from storage.db import Sessions
from storage.models import ClosureSurvey, MidpointSurvey, ProgramRole
from tests.storage.prompts import closing_notes, note, written
from tests.storage.test_program_services import GUILD, NOW, SETTINGS, Services

QUESTIONS = ("I feel listened to in my pair", "Our meetings help me")
LISTENED, HELPS = QUESTIONS


async def two_pairs(services: Services) -> tuple[int, int]:
    """Mentor 10 with mentees 20 (match a) and 21 (match b)."""
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.trained(10)
    await services.join(20, ProgramRole.MENTEE, 8)
    await services.join(21, ProgramRole.MENTEE, 8)
    await services.join(30, ProgramRole.MENTEE, 8)
    a = await services.matches.create(GUILD, 999, 10, 20)
    b = await services.matches.create(GUILD, 999, 10, 21)
    return a.match_id, b.match_id


DAY = timedelta(days=1)


def survey_service(sessions: Sessions, weeks: int = 8) -> SurveyService:
    return SurveyService(sessions, FixedClock(NOW), SurveySettings(weeks, QUESTIONS))


async def test_only_members_answer_once_while_the_match_is_active(sessions: Sessions) -> None:
    services = Services(sessions)
    surveys = survey_service(sessions)
    a, b = await two_pairs(services)
    with pytest.raises(UserError, match="1 to 5"):
        await surveys.submit_midpoint(a, 20, [6, 1], "")
    with pytest.raises(UserError, match="1 to 5"):
        await surveys.submit_midpoint(a, 20, [3], "")
    with pytest.raises(UserError, match="under 1000"):
        await surveys.submit_midpoint(a, 20, [3, 3], "x" * 1001)
    for outsider in (21, 30, 77):  # another pair's mentee, an unmatched member, a stranger
        with pytest.raises(UserError, match="not yours"):
            await surveys.submit_midpoint(a, outsider, [3, 3], "")
    with pytest.raises(UserError, match="no longer in the program"):  # no such match
        await surveys.submit_midpoint(a + b + 100, 20, [3, 3], "")
    await surveys.submit_midpoint(a, 20, [3, 2], "  nice  ")
    with pytest.raises(UserError, match="already answered"):
        await surveys.submit_midpoint(a, 20, [4, 4], "")
    await services.matches.end(GUILD, 999, 10, 20, "done", closing_notes)
    with pytest.raises(UserError, match="closed"):
        await surveys.submit_midpoint(a, 10, [4, 4], "")
    async with sessions() as session:
        (row,) = await session.scalars(select(MidpointSurvey))
    assert (row.answers, row.comment) == ({LISTENED: 3, HELPS: 2}, "nice")


async def test_the_closure_survey_is_answered_once_after_the_match_closes(
    sessions: Sessions,
) -> None:
    services = Services(sessions)
    surveys = survey_service(sessions)
    a, _ = await two_pairs(services)
    with pytest.raises(UserError, match="has not ended"):
        await surveys.submit_closure(a, 20, 4, [4, 4], "")
    await services.matches.end(GUILD, 999, 10, 20, "done", closing_notes)
    with pytest.raises(UserError, match="from 1 \\(badly\\) to 5"):
        await surveys.submit_closure(a, 20, 0, [4, 4], "")  # no overall rating picked
    with pytest.raises(UserError, match="every statement"):
        await surveys.submit_closure(a, 20, 4, [4], "")
    with pytest.raises(UserError, match="under 1000"):
        await surveys.submit_closure(a, 20, 4, [4, 4], "x" * 1001)
    for outsider in (21, 30, 77):
        with pytest.raises(UserError, match="not yours"):
            await surveys.submit_closure(a, outsider, 4, [4, 4], "")
    await surveys.check_answerable(Survey.CLOSURE, a, 20)
    await surveys.submit_closure(a, 20, 5, [4, 3], " someone to talk to ")
    with pytest.raises(UserError, match="already answered"):
        await surveys.check_answerable(Survey.CLOSURE, a, 20)
    with pytest.raises(UserError, match="already answered"):
        await surveys.submit_closure(a, 20, 5, [4, 3], "")
    await surveys.submit_closure(a, 10, 3, [2, 2], "   ")
    async with sessions() as session:
        rows = {r.member_id: r for r in await session.scalars(select(ClosureSurvey))}
    assert sorted((r.rating, r.answers, r.comment) for r in rows.values()) == [
        (3, {LISTENED: 2, HELPS: 2}, None),
        (5, {LISTENED: 4, HELPS: 3}, "someone to talk to"),
    ]


@given(
    answers=st.lists(st.integers(-3, 9), max_size=4),
    rating=st.integers(-3, 9),
    comment=st.text(max_size=1100),
)
@settings(max_examples=200, deadline=None)
def test_any_answers_are_refused_with_a_reason_or_kept_whole(
    answers: list[int], rating: int, comment: str
) -> None:
    """Whatever reaches the service, it names what to fix or keeps every statement."""
    surveys = SurveyService(None, FixedClock(NOW), SurveySettings(8, QUESTIONS))  # type: ignore[arg-type]
    valid = (
        len(answers) == len(QUESTIONS)
        and all(1 <= a <= 5 for a in answers)
        and len(comment) <= 1000
    )
    try:
        kept = surveys._statements(answers, comment)
    except UserError as error:
        assert not valid and str(error)
    else:
        assert valid and kept == dict(zip(QUESTIONS, answers, strict=True))


async def test_the_report_aggregates_against_a_hand_computed_fixture(sessions: Sessions) -> None:
    services = Services(sessions)
    surveys = survey_service(sessions)
    reports = ReportService(sessions, FixedClock(NOW + timedelta(days=1)), SETTINGS.report)
    empty = await reports.build(reports.scope_for_period(GUILD, "month"))
    assert empty.figures["midpoint_agreement"] is None
    assert empty.table("survey_statements").rows == ()
    a, b = await two_pairs(services)
    await surveys.submit_midpoint(a, 20, [3, 2], "")
    await surveys.submit_midpoint(b, 10, [5, 4], "")
    await surveys.submit_midpoint(b, 21, [4, 5], "we talk")
    await services.matches.end(GUILD, 999, 10, 20, "done", closing_notes)
    await surveys.submit_closure(a, 20, 4, [5, 4], "")
    await surveys.submit_closure(a, 10, 5, [4, 4], "we made it")
    # Statements changed after those answers: each answer keeps the statement it answered.
    later_questions = (HELPS, "I would recommend the program")
    changed = SurveyService(sessions, FixedClock(NOW), SurveySettings(8, later_questions))
    await services.matches.end(GUILD, 999, 10, 21, "done", closing_notes)
    await changed.submit_closure(b, 21, 2, [1, 3], "")
    report = await reports.build(reports.scope_for_period(GUILD, "month"))
    # mid-point: listened 3, 5, 4; helps 2, 4, 5 (sum 23 over 6)
    # closure: listened 5, 4; helps 4, 4, 1; recommend 3 (sum 21 over 6)
    assert report.table("survey_statements").rows == (
        (LISTENED, 4.0, 3, 4.5, 2),
        (HELPS, 3.67, 3, 3.0, 3),
        ("I would recommend the program", "", 0, 3.0, 1),
    )
    assert report.figures["midpoint_agreement"] == 3.83  # 23 / 6
    assert report.figures["closure_agreement"] == 3.5  # 21 / 6
    assert report.figures["survey_rating"] == 3.67  # the overall ratings: 4, 5 and 2
    assert "we talk" not in str(report) and "we made it" not in str(report)
    elsewhere = await reports.build(reports.scope_for_period(GUILD + 1, "month"))
    assert elsewhere.figures["midpoint_agreement"] is None
    later = ReportService(sessions, FixedClock(NOW + timedelta(days=40)), SETTINGS.report)
    outside = await later.build(later.scope_for_period(GUILD, "week"))
    assert outside.figures["midpoint_agreement"] is None  # answered before the period


async def test_plan_and_due_follow_the_matches(sessions: Sessions) -> None:
    services = Services(sessions)
    a, b = await two_pairs(services)
    until = NOW + timedelta(weeks=9)
    assert await survey_service(sessions, weeks=0).plan(until) == []
    surveys = survey_service(sessions, weeks=8)
    due_at = NOW + timedelta(weeks=8)
    assert await surveys.plan(due_at - timedelta(seconds=1)) == []  # beyond the bound
    assert await surveys.plan(until) == [(a, due_at), (b, due_at)]
    early = SurveyService(sessions, FixedClock(due_at - DAY), SurveySettings(8, QUESTIONS))
    assert await early.ask_midpoints_between(None, due_at, midpoint_notes) == []  # not yet
    await services.matches.end(GUILD, 999, 10, 20, "done", closing_notes)  # a closes
    on_time = SurveyService(sessions, FixedClock(due_at), SurveySettings(8, QUESTIONS))
    assert await on_time.ask_midpoints_between(due_at, due_at + SPAN, midpoint_notes) == []
    (due,) = await on_time.ask_midpoints_between(due_at - SPAN, due_at, midpoint_notes)
    assert due.match_id == b and due.user_ids == (10, 21) and due.guild_id == GUILD
    assert await midpoint_dms(sessions) == [(f"midpoint:{b}:10", 10), (f"midpoint:{b}:21", 21)]
    again = await on_time.ask_midpoints_between(due_at - SPAN, due_at, midpoint_notes)
    assert again == []  # a double fire
    assert await on_time.ask_midpoints_between(None, due_at, midpoint_notes) == []  # a start's
    assert len(await midpoint_dms(sessions)) == 2  # writes nothing twice
    assert await on_time.plan(until) == []  # asked or closed: not planned again


async def test_a_start_asks_what_passed_within_the_grace_once_in_small_transactions(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services(sessions)
    a, b = await two_pairs(services)
    monkeypatch.setattr(surveys_module, "PER_TRANSACTION", 1)
    late = SurveyService(  # the bot was down when both surveys were due: within the grace
        sessions, FixedClock(NOW + timedelta(weeks=8, days=2)), SurveySettings(8, QUESTIONS)
    )
    assert [match_id for match_id, _ in await late.plan(NOW + timedelta(weeks=9))] == [a, b]
    asked = await late.ask_midpoints_between(None, NOW + timedelta(weeks=8, days=2), midpoint_notes)
    assert [due.match_id for due in asked] == [a, b]
    for _ in range(3):  # the hourly re-plans
        assert await late.plan(NOW + timedelta(weeks=9)) == []
    assert len(await midpoint_dms(sessions)) == 4


async def test_a_survey_passed_beyond_the_grace_is_not_sent(sessions: Sessions) -> None:
    services = Services(sessions)
    await two_pairs(services)
    later = NOW + timedelta(weeks=8, days=8)
    late = SurveyService(sessions, FixedClock(later), SurveySettings(8, QUESTIONS))
    assert await late.plan(later + timedelta(weeks=1)) == []
    assert await late.ask_midpoints_between(None, later, midpoint_notes) == []
    assert await midpoint_dms(sessions) == []


async def midpoint_dms(sessions: Sessions) -> list[tuple[str, int]]:
    return [(key, user) for key, user in await written(sessions) if key.startswith("midpoint:")]


def midpoint_notes(due: MidpointDue) -> list[Prompt]:
    return [note(f"midpoint:{due.match_id}:{user_id}", user_id) for user_id in due.user_ids]
