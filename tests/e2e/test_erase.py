"""/staff forget blanks what was sent about the member: the staff post and the DMs of their
escalations are edited to "[erased]" through the delivery engine, even across a restart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Delivery, DeliveryStatus
from tests.e2e.conftest import World
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_sessions import restart


async def helped_and_claimed(world: World) -> tuple[Any, str]:
    """The student asked for help, staff claimed it: a staff post and a DM to the student."""
    await run_setup(world)
    student = world.student
    await ask_for_help(world, student, "today")
    await world.staff.click(posts(world)[-1], label="Claim")
    told = student.user.dm_channel.history()[-1]
    assert "picked up your request" in told.content
    return student, told.content


async def forget(world: World, student: Any) -> str:
    question = reply_of(await world.staff.slash(world.general, "staff forget", member=student))
    done = await world.staff.click(question, label="Erase")
    return str(done.response.content if done.response else "")


def erased(message: Any) -> bool:
    return bool(message.content == "[erased]" and not message.embeds and not message.components)


async def test_forget_edits_the_staff_post_and_the_dm_to_erased(world: World) -> None:
    student, _ = await helped_and_claimed(world)
    (post,) = posts(world)
    assert "scared" in str(post.embeds[0].to_dict())
    await forget(world, student)
    (post,) = posts(world)
    assert erased(post), (post.content, post.embeds)
    assert erased(student.user.dm_channel.history()[-1])
    cog: Any = world.bot.get_cog("EscalationCog")  # loaded as an extension: its own class
    await cog.refresh(await cog.service.view(1))  # as a later note or signal would
    assert erased(posts(world)[0])  # nothing puts the details back
    async with world.bot.sessions() as session:
        edits = list(await session.scalars(select(Delivery).where(Delivery.kind == "erase")))
    assert len(edits) == 2 and {e.status for e in edits} == {DeliveryStatus.SENT}
    assert all(e.payload is None for e in edits)  # the edit's row keeps no text once done


async def test_edits_committed_before_a_restart_are_made_after_it(
    world: World, database_url: str
) -> None:
    student, told = await helped_and_claimed(world)
    await world.bot.delivery.stop()  # the process stops right after the erasure commits
    await forget(world, student)
    (post,) = posts(world)
    assert not erased(post) and student.user.dm_channel.history()[-1].content == told
    async with world.bot.sessions() as session:
        pending = list(await session.scalars(select(Delivery).where(Delivery.kind == "erase")))
    assert {e.status for e in pending} == {DeliveryStatus.PENDING} and len(pending) == 2
    await restart(world, database_url)
    await world.env.advance_time(5)
    (post,) = posts(world)
    assert erased(post)
    assert erased(student.user.dm_channel.history()[-1])
