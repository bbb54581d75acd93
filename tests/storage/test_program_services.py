"""Profiles, training and matches services on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.errors import UserError
from bot.services.matches import MatchService
from bot.services.matching import FocusArea
from bot.services.profiles import ProfileService
from bot.services.programs import ProgramService
from bot.services.training import TrainingService
from storage.db import Sessions
from storage.models import ProgramRole
from tests.storage.prompts import closing_notes, written

GUILD = 1
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
SETTINGS = load_settings(None, {})


class Services:
    def __init__(self, sessions: Sessions) -> None:
        clock = FixedClock(NOW)
        programs = ProgramService(sessions, clock, SETTINGS.program)
        self.profiles = ProfileService(sessions, clock, programs, SETTINGS.matching)
        self.training = TrainingService(sessions, clock, programs, SETTINGS.matching)
        self.matches = MatchService(sessions, clock, SETTINGS.matching)
        self.db = sessions

    async def join(self, user_id: int, role: ProgramRole, grade: int, interests: str = "") -> None:
        draft = self.profiles.draft(
            role,
            grade=str(grade),
            interests=interests,
            focus_areas=["academics"],
            subjects="math",
            availability="Mon-Fri 3-5pm",
            time_zone="America/New_York",
        )
        await self.profiles.accept(GUILD, user_id, draft)

    async def trained(self, user_id: int) -> None:
        modules = await self.training.modules(GUILD)
        module = (
            modules[0] if modules else await self.training.add_module(GUILD, "Listening", "x", 120)
        )
        await self.training.mark_done(GUILD, user_id, module.id, "Listen first.")
        await self.training.confirm(GUILD, 999, user_id, module.id)


@pytest.fixture
def services(sessions: Sessions) -> Services:
    return Services(sessions)


def test_draft_collects_every_problem(services: Services) -> None:
    with pytest.raises(UserError) as error:
        services.profiles.draft(
            ProgramRole.MENTEE,
            grade="abc",
            interests="x" * 40,
            focus_areas=[],
            subjects="",
            availability="sometimes",
            time_zone="Mars/Olympus",
        )
    lines = error.value.message.splitlines()[1:]
    assert len(lines) == 5  # grade, interest too long, availability, zone, focus areas


def test_draft_normalises(services: Services) -> None:
    draft = services.profiles.draft(
        ProgramRole.MENTOR,
        grade=" 10 ",
        interests="Art, art,  Soccer",
        focus_areas=["career"],
        subjects="",
        availability="Sat 10-12",
        time_zone="europe/london",
    )
    assert (draft.grade, draft.interests, draft.focus_areas, draft.time_zone) == (
        10,
        ("art", "soccer"),
        (FocusArea.CAREER,),
        "Europe/London",
    )


async def test_training_minutes_make_a_mentor_matchable(services: Services) -> None:
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.join(20, ProgramRole.MENTEE, 8)
    assert not (await services.training.status(GUILD, 10)).trained
    with pytest.raises(UserError, match="training"):
        await services.matches.create(GUILD, 999, 10, 20)
    await services.trained(10)
    assert (await services.training.status(GUILD, 10)).trained
    pair = await services.matches.create(GUILD, 999, 10, 20)
    assert (pair.mentor_user_id, pair.mentee_user_id) == (10, 20)


async def test_training_bad_input(services: Services) -> None:
    await services.join(10, ProgramRole.MENTOR, 11)
    module = await services.training.add_module(GUILD, "Listening", "x", 60)
    with pytest.raises(UserError, match="reflection"):
        await services.training.mark_done(GUILD, 10, module.id, "   ")
    with pytest.raises(UserError, match="not marked"):
        await services.training.confirm(GUILD, 999, 10, module.id)
    await services.training.mark_done(GUILD, 10, module.id, "ok")
    with pytest.raises(UserError, match="already marked"):
        await services.training.mark_done(GUILD, 10, module.id, "again")
    await services.join(20, ProgramRole.MENTEE, 8)
    with pytest.raises(UserError, match="for mentors"):
        await services.training.mark_done(GUILD, 20, module.id, "ok")
    with pytest.raises(UserError, match="no such"):
        await services.training.mark_done(GUILD, 10, 12345, "ok")


async def test_capacity_and_closed_pairs(services: Services) -> None:
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.trained(10)
    for mentee in (20, 21, 22):
        await services.join(mentee, ProgramRole.MENTEE, 8)
    await services.matches.create(GUILD, 999, 10, 20)
    await services.matches.create(GUILD, 999, 10, 21)
    with pytest.raises(UserError, match=r"capacity|places"):
        await services.matches.create(GUILD, 999, 10, 22)
    await services.matches.end(GUILD, 999, 10, 21, "moved school", closing_notes)
    with pytest.raises(UserError):
        await services.matches.create(GUILD, 999, 10, 21)  # never re-pair a closed match
    await services.matches.create(GUILD, 999, 10, 21, override_reason="came back")
    with pytest.raises(UserError, match="already has a mentor"):
        await services.matches.create(GUILD, 999, 10, 20)


async def test_leaving_ends_matches_and_rejoining_works(services: Services) -> None:
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.trained(10)
    await services.join(20, ProgramRole.MENTEE, 8)
    await services.matches.create(GUILD, 999, 10, 20)
    ended = await services.matches.leave(GUILD, 20, closing_notes)
    assert [(c.pair.mentor_user_id, c.pair.mentee_user_id) for c in ended] == [(10, 20)]
    match_id = ended[0].pair.match_id
    assert await written(services.db) == [
        (f"survey:{match_id}:10", 10),
        (f"survey:{match_id}:20", 20),
    ]  # the closure surveys, written with the closing
    with pytest.raises(UserError, match="not in the program"):
        await services.matches.leave(GUILD, 20, closing_notes)
    await services.join(20, ProgramRole.MENTEE, 9)
    assert (await services.profiles.show(GUILD, 20)).grade == 9


async def test_cohort_proposal_is_not_stored(services: Services) -> None:
    await services.join(10, ProgramRole.MENTOR, 11, "soccer")
    await services.trained(10)
    await services.join(20, ProgramRole.MENTEE, 8, "soccer")
    await services.join(21, ProgramRole.MENTEE, 7)
    await services.join(22, ProgramRole.MENTEE, 8)
    proposal = await services.matches.propose_cohort(GUILD)
    assert len(proposal.pairs) == 2 and len(proposal.unassigned) == 1
    assert (await services.matches.roster(GUILD)).pairs == ()
