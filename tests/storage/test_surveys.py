"""The mid-point survey on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import SurveySettings
from bot.errors import UserError
from bot.services.reports import ReportService
from bot.services.surveys import SurveyService
from storage.db import Sessions
from storage.models import MidpointSurvey, ProgramRole
from tests.storage.test_program_services import GUILD, NOW, SETTINGS, Services

QUESTIONS = ("My mentor listens to me", "Meeting my mentor helps me")


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


def survey_service(sessions: Sessions, weeks: int = 8) -> SurveyService:
    return SurveyService(sessions, FixedClock(NOW), SurveySettings(weeks, QUESTIONS))


async def test_only_members_answer_once_while_the_match_is_active(sessions: Sessions) -> None:
    services = Services(sessions)
    surveys = survey_service(sessions)
    a, b = await two_pairs(services)
    with pytest.raises(UserError, match="1 to 5"):
        await surveys.submit(a, 20, [6, 1], "")
    with pytest.raises(UserError, match="1 to 5"):
        await surveys.submit(a, 20, [3], "")
    with pytest.raises(UserError, match="under 1000"):
        await surveys.submit(a, 20, [3, 3], "x" * 1001)
    for outsider in (21, 30, 77):  # another pair's mentee, an unmatched member, a stranger
        with pytest.raises(UserError, match="not yours"):
            await surveys.submit(a, outsider, [3, 3], "")
    with pytest.raises(UserError, match="not yours"):
        await surveys.submit(a + b + 100, 20, [3, 3], "")
    await surveys.submit(a, 20, [3, 2], "  nice  ")
    with pytest.raises(UserError, match="already answered"):
        await surveys.submit(a, 20, [4, 4], "")
    await services.matches.end(GUILD, 999, 10, 20, "done")
    with pytest.raises(UserError, match="closed"):
        await surveys.submit(a, 10, [4, 4], "")
    async with sessions() as session:
        (row,) = await session.scalars(select(MidpointSurvey))
    assert (row.answers, row.comment) == ([3, 2], "nice")


async def test_the_report_aggregates_against_a_hand_computed_fixture(sessions: Sessions) -> None:
    services = Services(sessions)
    surveys = survey_service(sessions)
    reports = ReportService(sessions, FixedClock(NOW + timedelta(days=1)), SETTINGS.report)
    empty = await reports.build(reports.scope_for_period(GUILD, "month"))
    assert empty.figures["midpoint_agreement"] is None
    assert empty.table("midpoint_survey").rows == ()
    a, b = await two_pairs(services)
    await surveys.submit(a, 20, [3, 2], "")
    await surveys.submit(b, 10, [5, 4], "")
    await surveys.submit(b, 21, [4, 5], "we talk")
    await services.matches.end(GUILD, 999, 10, 20, "done")
    await services.matches.submit_survey(a, 20, 4, "", "")
    await services.matches.submit_survey(a, 10, 5, "", "")
    report = await reports.build(reports.scope_for_period(GUILD, "month"))
    # statement 1: 3, 5, 4; statement 2: 2, 4, 5; all six answers sum to 23
    assert report.table("midpoint_survey").rows == ((1, 4.0, 3), (2, 3.67, 3))
    assert report.figures["midpoint_agreement"] == 3.83  # 23 / 6
    assert report.figures["survey_rating"] == 4.5  # the closure surveys: 4 and 5
    assert "we talk" not in str(report)  # no comment in any figure or table
    elsewhere = await reports.build(reports.scope_for_period(GUILD + 1, "month"))
    assert elsewhere.figures["midpoint_agreement"] is None
    later = ReportService(sessions, FixedClock(NOW + timedelta(days=40)), SETTINGS.report)
    outside = await later.build(later.scope_for_period(GUILD, "week"))
    assert outside.figures["midpoint_agreement"] is None  # answered before the period


async def test_plan_and_due_follow_the_matches(sessions: Sessions) -> None:
    services = Services(sessions)
    a, b = await two_pairs(services)
    assert await survey_service(sessions, weeks=0).plan() == []
    surveys = survey_service(sessions, weeks=8)
    due_at = NOW + timedelta(weeks=8)
    assert await surveys.plan() == [(a, due_at), (b, due_at)]
    due = await surveys.due(b)
    assert due is not None and due.user_ids == (10, 21) and due.guild_id == GUILD
    await services.matches.end(GUILD, 999, 10, 20, "done")
    assert await surveys.plan() == [(b, due_at)]
    assert await surveys.due(a) is None
    assert await surveys.due(a + b + 100) is None
