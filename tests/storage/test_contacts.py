"""Staff contacts on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.errors import NotFound, UserError
from bot.services.contacts import ContactService
from bot.services.matches import MatchService
from bot.services.reports import ReportService
from storage.db import Sessions
from storage.models import ProgramRole
from tests.storage.prompts import closing_notes
from tests.storage.test_program_services import GUILD, NOW, SETTINGS, Services

DAY = timedelta(days=1)
STAFF = 999


async def matched(sessions: Sessions, clock: FixedClock) -> Services:
    services = Services(sessions)
    services.matches = MatchService(sessions, clock, SETTINGS.matching)  # starts follow clock
    await services.join(10, ProgramRole.MENTEE, 8)
    await services.join(11, ProgramRole.MENTEE, 7)
    await services.join(20, ProgramRole.MENTOR, 11)
    await services.join(21, ProgramRole.MENTOR, 11)
    await services.trained(20)
    await services.trained(21)
    await services.matches.create(GUILD, STAFF, 20, 10)
    clock.advance(10 * DAY)
    await services.matches.create(GUILD, STAFF, 21, 11)
    return services


async def overdue(sessions: Sessions, clock: FixedClock) -> list[tuple[object, ...]]:
    """(mentor, mentee, due, last contact) of each overdue pair, from the report."""
    reports = ReportService(sessions, clock, SETTINGS.report)
    report = await reports.build(reports.scope_for_period(GUILD, "month"))
    return [row[1:] for row in report.table("contacts_overdue").rows]


async def test_the_report_lists_matches_past_their_due_contact(sessions: Sessions) -> None:
    clock = FixedClock(NOW)
    await matched(sessions, clock)
    contacts = ContactService(sessions, clock)
    assert await overdue(sessions, clock) == []  # day 10 and day 0: nothing due yet

    clock.advance(5 * DAY)  # the first match is 15 days old, the second 5
    assert await overdue(sessions, clock) == [(20, 10, (NOW + 14 * DAY).isoformat(), "")]

    recorded = await contacts.record(GUILD, STAFF, 10, "  Talked about  exams ")
    assert recorded.due == clock.now() + 14 * DAY and recorded.last == clock.now()
    assert await overdue(sessions, clock) == []

    clock.advance(20 * DAY)  # first: 35 days, contacted once at 15 -> due 29; second: 25 -> 19
    assert [row[1] for row in await overdue(sessions, clock)] == [11, 10]


async def test_a_contact_needs_a_note_and_one_active_match(sessions: Sessions) -> None:
    clock = FixedClock(NOW)
    services = await matched(sessions, clock)
    contacts = ContactService(sessions, clock)
    with pytest.raises(UserError, match="short note"):
        await contacts.record(GUILD, STAFF, 10, "   ")
    with pytest.raises(UserError, match="short note"):
        await contacts.record(GUILD, STAFF, 10, "x" * 501)
    with pytest.raises(NotFound, match="not in an active match"):
        await contacts.record(GUILD, STAFF, 12345, "hello")
    await services.matches.end(GUILD, STAFF, 21, 11, "moved away", closing_notes)
    with pytest.raises(NotFound, match="not in an active match"):
        await contacts.record(GUILD, STAFF, 11, "hello")


async def test_a_mentor_with_several_mentees_is_asked_to_name_the_mentee(
    sessions: Sessions,
) -> None:
    clock = FixedClock(NOW)
    services = await matched(sessions, clock)
    await services.join(12, ProgramRole.MENTEE, 8)
    await services.matches.create(GUILD, STAFF, 20, 12)
    contacts = ContactService(sessions, clock)
    with pytest.raises(UserError, match="name the mentee"):
        await contacts.record(GUILD, STAFF, 20, "hello")
    assert (await contacts.record(GUILD, STAFF, 12, "hello")).mentor_user_id == 20
