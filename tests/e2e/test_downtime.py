"""Work missed while the bot was down is derived from rows at start, whatever the downtime.

The bot is stopped (its scheduler and delivery engine: nothing runs, nothing is sent) for
15 minutes, 2 hours or 3 days while simcord's clock moves on, then started again. A
reminder is never sent once its session has started, every attendance question still
within its deadline is asked, every SLA stage due is applied with its re-ping in the staff
channel with the role, and a check-in that should have opened meanwhile opens if its
window is still open (and not otherwise).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Delivery
from tests.e2e.conftest import World
from tests.e2e.test_checkins import MONDAY_1530_CHICAGO, advance, checkin_dms
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_sessions import (
    SUNDAY_4PM_CHICAGO,
    accept,
    dms,
    matched,
    propose,
    reminders,
    restart,
    seconds_until,
)

START = SUNDAY_4PM_CHICAGO  # the session's start; it lasts 45 minutes
MINUTE = 60.0


async def downtime(world: World, database_url: str, seconds: float) -> None:
    """The bot is down for ``seconds``: no job runs and nothing is sent; then it starts."""
    world.bot.scheduler.shutdown()
    await world.bot.delivery.stop()
    await advance(world, seconds)
    await restart(world, database_url)
    await world.env.advance_time(1)  # what the start derived runs now


def questions(world: World, actor: object) -> list[str]:
    return [m.content for m in dms(actor) if "Did it happen?" in m.content]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "down", [15 * MINUTE, 2 * 60 * MINUTE, 3 * 24 * 60 * MINUTE], ids=["15min", "2h", "3days"]
)
async def test_after_downtime_nothing_stale_and_nothing_missed(
    world: World, database_url: str, down: float
) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    await advance(world, await seconds_until(world, START - timedelta(minutes=20)))
    assert len(reminders(mentee)) == 1  # the 24 h one; the 15 min one falls in the downtime
    await ask_for_help(world, mentee, "right_now")  # re-pinged at 10 min, next tier at 20
    assert len(posts(world)) == 1

    await downtime(world, database_url, down)
    started = world.env.now() >= START
    for actor in (mentee, mentor):  # late but useful before the start; never after it
        assert len(reminders(actor)) == (1 if started else 2), reminders(actor)

    await advance(world, max(0.0, await seconds_until(world, START + timedelta(minutes=56))))
    for actor in (mentee, mentor):  # asked at start when its moment passed while down
        assert len(questions(world, actor)) == 1

    await world.env.advance_time(20 * MINUTE)
    staff_role = world.staff_role.id
    post, reping, tier2 = posts(world)  # each once, in the staff channel, with the role
    assert "has not been claimed" in reping.content and reping.raw_role_mentions == [staff_role]
    assert "still unclaimed" in tier2.content and tier2.raw_role_mentions == [staff_role]
    assert post.raw_role_mentions == [staff_role]

    if down >= 24 * 60 * MINUTE:  # Monday's check-in was due while down, its window open
        assert world.env.now() > MONDAY_1530_CHICAGO
        assert len(checkin_dms(mentee)) == 1

    async with world.bot.sessions() as session:
        deadlines = {
            kind: expires
            for kind, expires in await session.execute(
                select(Delivery.kind, Delivery.expires_at).where(
                    Delivery.kind.in_(("reminder", "attendance", "escalation-post"))
                )
            )
        }
    assert deadlines == {
        "reminder": START,
        "attendance": START + timedelta(minutes=45, days=3),
        "escalation-post": None,
    }


async def test_a_checkin_whose_window_closed_while_down_is_not_opened(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await advance(world, await seconds_until(world, MONDAY_1530_CHICAGO - timedelta(hours=1)))
    await downtime(world, database_url, (3 * 24 + 2) * 60 * MINUTE)  # past its 3-day window
    assert checkin_dms(mentee) == []
    await advance(world, await seconds_until(world, MONDAY_1530_CHICAGO + timedelta(weeks=1)))
    await world.env.advance_time(MINUTE)
    assert len(checkin_dms(mentee)) == 1  # the next week's, on time
