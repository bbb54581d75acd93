"""Every job the bot plans in a run through its features is of a kind declared in
bot/jobs.py (kind, id shape, what runs it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.jobs import kind_of
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
