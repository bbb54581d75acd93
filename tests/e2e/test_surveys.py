"""Both surveys through simcord. The mid-point DM arrives the configured weeks into a match
(even across restarts, once), its form is answered once, and a closed match's is closed; the
closure survey asks the same statements plus an overall rating, and its button still works
after a restart."""

from __future__ import annotations

from dataclasses import replace

import discord
from simcord.actors import MemberActor
from simcord.results import InteractionResult
from sqlalchemy import select

from bot.config import SurveySettings
from bot.jobs import HORIZON_PLAN, MIDPOINT
from storage.models import ClosureSurvey, MidpointSurvey
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_checkins import advance
from tests.e2e.test_sessions import dms, matched

QUESTIONS = ("I feel listened to in my pair", "Our meetings help me")
WEEK = 7 * 24 * 3600


def survey_dms(actor: MemberActor) -> list[discord.Message]:
    return [m for m in dms(actor) if "How is it going?" in m.content]


async def restart_with_one_week(world: World, database_url: str) -> None:
    """Restart the bot with the survey one week into a match (a week of virtual time is
    what a test can afford)."""
    fresh = build_bot(database_url, world.bot.sessions, [world.env])
    fresh.settings = replace(fresh.settings, surveys=SurveySettings(1, QUESTIONS))
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh


async def test_the_survey_arrives_once_and_is_answered_once(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    await restart_with_one_week(world, database_url)  # before the survey is due
    # A week ahead is beyond the horizon: the planner adds it in time.
    assert world.bot.scheduler.planned(MIDPOINT) == {}
    assert world.bot.scheduler.has(HORIZON_PLAN.id())
    await advance(world, WEEK - 3600)
    assert survey_dms(mentee) == [] and survey_dms(mentor) == []
    await advance(world, 2 * 3600)
    (asked,) = survey_dms(mentee)
    assert "for 1 week." in asked.content
    assert len(survey_dms(mentor)) == 1
    await restart_with_one_week(world, database_url)  # after: nothing is sent twice
    await advance(world, 3600)
    assert len(survey_dms(mentee)) == 1 and len(survey_dms(mentor)) == 1

    form = await mentee.user.click(asked, label="Answer the survey")
    assert form.modal is not None
    answered = await mentee.user.submit_modal(
        form, {"midpoint:q0": "5", "midpoint:q1": "3", "midpoint:comment": "We laugh a lot"}
    )
    assert "Thank you" in answered.response.content
    again = await mentee.user.click(asked, label="Answer the survey")
    assert "already answered" in again.response.content
    async with world.bot.sessions() as session:
        (row,) = await session.scalars(select(MidpointSurvey))
    assert row.answers == dict(zip(QUESTIONS, (5, 3), strict=True))
    assert row.comment == "We laugh a lot"

    await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=mentee, reason="moved school"
    )
    (mentor_asked,) = survey_dms(mentor)
    closed = await mentor.user.click(mentor_asked, label="Answer the survey")
    assert "has closed" in closed.response.content


def closure_dms(actor: MemberActor) -> list[discord.Message]:
    return [m for m in dms(actor) if "match has ended" in m.content]


def shown_labels(form: InteractionResult) -> list[str]:
    assert form.modal is not None
    return [part["label"] for part in form.modal["components"] if "label" in part]


async def test_the_closure_survey_asks_the_statements_and_survives_a_restart(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    await restart_with_one_week(world, database_url)  # the configured statements
    await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=mentee, reason="moved school"
    )
    (asked,) = closure_dms(mentee)
    assert len(closure_dms(mentor)) == 1
    await restart_with_one_week(world, database_url)  # the button still answers

    form = await mentee.user.click(asked, label="Answer the survey")
    assert shown_labels(form) == [
        "Overall, how did mentoring go?",
        *QUESTIONS,
        "What helped, and what would you change?",
    ]
    answered = await mentee.user.submit_modal(
        form,
        {"closure:rating": "4", "closure:q0": "5", "closure:q1": "2", "closure:comment": "Time"},
    )
    assert "Thank you" in answered.response.content
    again = await mentee.user.click(asked, label="Answer the survey")
    assert "already answered" in again.response.content and again.modal is None
    async with world.bot.sessions() as session:
        (row,) = await session.scalars(select(ClosureSurvey))
    assert (row.rating, row.comment) == (4, "Time")
    assert row.answers == dict(zip(QUESTIONS, (5, 2), strict=True))
