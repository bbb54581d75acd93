"""Every job the bot plans in a run through its features is of a kind declared in
bot/jobs.py (kind, id shape, what runs it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.__main__ import planned_jobs
from bot.jobs import REMINDER, kind_of
from bot.scheduler import Scheduler
from tests.e2e.conftest import World
from tests.e2e.test_checkins import advance
from tests.e2e.test_escalations import ask_for_help
from tests.e2e.test_sessions import accept, matched, propose, restart


async def test_every_planned_job_is_of_a_declared_kind(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    run_at = Scheduler.run_at

    def recording(self: Scheduler, job: str, when: datetime, *rest: Any) -> None:
        planned.append(job)
        run_at(self, job, when, *rest)

    monkeypatch.setattr(Scheduler, "run_at", recording)
    await restart(world, database_url)  # reconcile with the recording scheduler
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    await mentee.slash(world.general, "checkin settings", day="friday", time="09:00")
    await ask_for_help(world, mentee, "right_now")
    await advance(world, 4 * 24 * 3600)  # reminders, attendance, check-ins, SLA, planners
    await restart(world, database_url)
    kinds = {job.split(":", 1)[0] for job in planned}
    assert {"reminder", "attendance", "checkin-due", "escalation-sla", "horizon"} <= kinds
    assert [job for job in planned if kind_of(job) is None] == []


async def test_bridges_jobs_lists_what_the_bot_plans_without_discord(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")  # Jan 4 22:00 UTC, 4 pm in Chicago
    await accept(world, mentor)
    await advance(world, 2 * 24 * 3600 + 12 * 3600)  # Jan 3 12:00: its reminders are near
    lines = await planned_jobs(
        world.bot.settings, world.bot.sessions, world.guild.id, world.bot.clock
    )
    assert lines[0].split() == ["kind", "UTC", "America/Chicago", "count"]
    listed = {tuple(line.split()[:3]) for line in lines[1:-1]}
    assert ("reminder", "2026-01-03", "22:00") in listed  # the 24 h reminder
    assert ("reminder", "2026-01-04", "21:45") in listed  # the 15 min one
    assert ("horizon", "2026-01-03", "18:00") in listed
    assert any("2026-01-03 16:00 CST" in line for line in lines)  # 22:00 UTC in Chicago
    # The same reminders the running bot planned: derived the same way.
    running = {
        ("reminder", f"{when:%Y-%m-%d}", f"{when:%H:%M}")
        for when in world.bot.scheduler.planned(REMINDER).values()
    }
    assert {row for row in listed if row[0] == "reminder"} == running
    unknown = await planned_jobs(world.bot.settings, world.bot.sessions, 404, world.bot.clock)
    assert unknown == ["server 404 is not set up (run /setup there first)"]
