"""The transactional outbox on a real database and delivery engine (Discord is a scripted
transport): nothing sent or woken before the commit, nothing at all for a refused change;
changes joined to someone else's transaction; the signal worker; and what follows from a
staff post's outcome (linked when sent, DMed to staff only when it really failed)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import DeliveryEngine, DeliverySettings, Message, Prompt, Retryable, SendError
from bot.errors import UserError
from bot.i18n import Text
from bot.services import signals
from bot.services.escalations import POST, EscalationService, Opened, Unreachable
from bot.services.outbox import Transactions
from bot.services.programs import ProgramService
from bot.services.signal_worker import MAX_TRIES, SignalWorker
from cogs import delivery_texts
from storage.db import Sessions
from storage.models import (
    Delivery,
    DeliveryStatus,
    Escalation,
    EscalationEvent,
    GuildSettings,
    Member,
    Signal,
    Urgency,
)
from tests.storage.prompts import note, written

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
GUILD, STAFF_CHANNEL, GONE_CHANNEL, STUDENT, ON_CALL = 1, 50, 404, 20, 99
SETTINGS = load_settings(None, {})
QUICK = DeliverySettings(retry_base_seconds=0.01, max_attempts=3)


class Scripted:
    """Discord, as the engine sees it: posts succeed, except in a deleted channel (404),
    and the first ``flaky`` posts in the staff channel fail with a 500 first."""

    def __init__(self, flaky: int = 0) -> None:
        self.flaky = flaky
        self.posted: Counter[int] = Counter()
        self._ids = 1000

    async def open_dm(self, user_id: int) -> int:
        return user_id + 10**9

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        if channel_id == GONE_CHANNEL:
            raise SendError("HTTP 404 code 10003", 404, 10003)
        if channel_id == STAFF_CHANNEL and self.flaky:
            self.flaky -= 1
            raise Retryable("server error 500", 500)
        self.posted[channel_id] += 1
        self._ids += 1
        return self._ids


def engine(sessions: Sessions, transport: Scripted) -> DeliveryEngine:
    return DeliveryEngine(sessions, FixedClock(NOW), transport, QUICK, delivery_texts.fallback)


async def school(sessions: Sessions, channel: int = STAFF_CHANNEL) -> None:
    async with sessions.begin() as session:
        session.add(
            GuildSettings(
                guild_id=GUILD,
                staff_role_id=7,
                escalation_channel_id=channel,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=time(15, 30),
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await session.flush()
        session.add(
            Member(guild_id=GUILD, user_id=STUDENT, active=True, created_at=NOW, updated_at=NOW)
        )


async def count(sessions: Sessions, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_refused_change_writes_sends_and_wakes_nothing(sessions: Sessions) -> None:
    await school(sessions)
    transport, woken = Scripted(), []
    delivery = engine(sessions, transport)
    tx = Transactions(sessions, FixedClock(NOW), delivery, lambda: woken.append(1))
    with pytest.raises(UserError):
        async with tx.begin("refused") as changes:
            await changes.send([note("notice:1", STUDENT)])
            changes.signal(GUILD, signals.REACH_OUT, None, None)
            raise UserError("That time has passed; pick a time in the future.")
    await delivery.idle()
    assert await written(sessions) == [] and await count(sessions, Signal) == 0
    assert woken == [] and transport.posted == Counter()


async def test_prompts_go_out_only_once_committed_and_signals_wake_the_worker(
    sessions: Sessions,
) -> None:
    await school(sessions)
    transport, woken = Scripted(), []
    delivery = engine(sessions, transport)
    tx = Transactions(sessions, FixedClock(NOW), delivery, lambda: woken.append(1))
    async with tx.begin("change") as changes:
        assert await changes.send([note("notice:1", STUDENT), note("notice:1", STUDENT)]) == {
            "notice:1"
        }
        changes.signal(GUILD, signals.REACH_OUT, None, None)
        await asyncio.sleep(0.05)  # the engine had its chance: nothing is queued yet
        assert transport.posted == Counter() and woken == []
    assert await changes.waits["notice:1"] is DeliveryStatus.SENT
    assert woken == [1] and sum(transport.posted.values()) == 1
    async with tx.begin("again") as changes:  # the same key later: neither written nor sent
        assert await changes.send([note("notice:1", STUDENT)]) == set()
    assert changes.waits == {} and len(await written(sessions)) == 1


async def test_joined_changes_are_queued_when_the_callers_transaction_commits(
    sessions: Sessions,
) -> None:
    await school(sessions)
    transport = Scripted()
    delivery = engine(sessions, transport)
    tx = Transactions(sessions, FixedClock(NOW), delivery)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await tx.join(session).send([note("rolled-back:1", STUDENT)])
            raise RuntimeError("the outcome batch could not be written")
    async with sessions.begin() as session:
        await tx.join(session).send([note("joined:1", STUDENT)])
    for _ in range(50):
        await asyncio.sleep(0.01)
        await delivery.idle()
    assert await written(sessions) == [("joined:1", STUDENT)]
    assert sum(transport.posted.values()) == 1


async def test_parts_committed_unqueued_are_queued_later_and_let_go_one_by_one(
    sessions: Sessions,
) -> None:
    """A fan-out's way: each part committed without queuing, all queued at the end; every
    prompt goes out once, and each part is out of the list (freed) once queued."""
    await school(sessions)
    transport = Scripted()
    delivery = engine(sessions, transport)
    tx = Transactions(sessions, FixedClock(NOW), delivery)
    committed = []
    for part in range(3):
        async with tx.begin("fan-out", queue=False) as changes:
            await changes.send([note(f"notice:{part}", STUDENT)])
        committed.append(changes)
    await asyncio.sleep(0.05)
    assert transport.posted == Counter()  # committed, not queued yet
    left: list[int] = []
    original = tx._committed

    async def queued(changes: object) -> None:
        await original(changes)  # type: ignore[arg-type]
        left.append(len(committed))

    tx._committed = queued  # type: ignore[method-assign]
    await tx.queue(committed)
    assert left == [2, 1, 0] and committed == []
    for _ in range(50):
        await asyncio.sleep(0.01)
        await delivery.idle()
    assert sum(transport.posted.values()) == 3
    assert sorted(key for key, _ in await written(sessions)) == [f"notice:{n}" for n in range(3)]


class Desk:
    """The escalation service wired as the cog wires it: posts through the engine, the
    engine's outcome hook linking them or DMing staff."""

    def __init__(self, sessions: Sessions, transport: Scripted, *, hooked: bool = True) -> None:
        clock = FixedClock(NOW)
        self.delivery = engine(sessions, transport)
        self.tx = Transactions(sessions, clock, self.delivery)
        settings = replace(SETTINGS.escalations, on_call_user_ids=(ON_CALL,))
        self.service = EscalationService(
            sessions,
            clock,
            ProgramService(sessions, clock, SETTINGS.program),
            settings,
            transactions=self.tx,
        )
        if hooked:
            self.delivery.on_recorded(
                lambda session, outcomes: self.service.post_outcomes(
                    self.tx.join(session), outcomes, self.fallback
                )
            )
        self.sessions = sessions

    @staticmethod
    def post(opened: Opened) -> list[Prompt]:
        view = opened.escalation
        return [
            Prompt(
                key=f"{POST}:{view.id}",
                kind=POST,
                user_id=view.student_user_id,
                message=Message(content=f"escalation #{view.id}"),
                channel_id=opened.staff.channel_id,
                guild_id=view.guild_id,
            )
        ]

    @staticmethod
    def fallback(failed: Unreachable) -> list[Prompt]:
        view = failed.escalation
        return [note(f"escalation-fallback:{view.id}:{u}", u) for u in failed.dm_to]

    async def help_me(self) -> int:
        opened, changes = await self.service.raise_manual(
            GUILD, STUDENT, "I need help", Urgency.TODAY, "wellbeing", self.post
        )
        await changes.waits[f"{POST}:{opened.escalation.id}"]
        await self.delivery.idle()
        return opened.escalation.id

    async def actions(self) -> list[str]:
        async with self.sessions() as session:
            return list(
                await session.scalars(select(EscalationEvent.action).order_by(EscalationEvent.id))
            )


async def test_a_post_sent_after_retries_is_linked_and_never_counts_as_failed(
    sessions: Sessions,
) -> None:
    await school(sessions)
    desk = Desk(sessions, Scripted(flaky=2))  # pending twice, then sent
    escalation_id = await desk.help_me()
    async with sessions() as session:
        row = await session.get(Escalation, escalation_id)
    assert row is not None and row.channel_id == STAFF_CHANNEL and row.message_id is not None
    assert await desk.actions() == ["opened", "posted"]  # no false "channel missing" DM
    assert [key for key, _ in await written(sessions)] == [f"{POST}:{escalation_id}"]


async def test_a_post_that_failed_is_dmed_to_staff_once(sessions: Sessions) -> None:
    await school(sessions, channel=GONE_CHANNEL)
    desk = Desk(sessions, Scripted())
    escalation_id = await desk.help_me()
    for _ in range(50):  # the DMs the hook queued once its transaction committed
        await asyncio.sleep(0.01)
        await desk.delivery.idle()
    assert await desk.actions() == ["opened", "dm-fallback"]
    async with sessions() as session:
        rows = await session.execute(select(Delivery.key, Delivery.status).order_by(Delivery.id))
        assert [(key, status) for key, status in rows] == [
            (f"{POST}:{escalation_id}", DeliveryStatus.FAILED),
            (f"escalation-fallback:{escalation_id}:{ON_CALL}", DeliveryStatus.SENT),
        ]


async def test_a_sent_post_left_unlinked_is_linked_at_start(sessions: Sessions) -> None:
    await school(sessions)
    desk = Desk(sessions, Scripted(), hooked=False)  # as before: the post went out, unlinked
    escalation_id = await desk.help_me()
    assert await desk.service.unposted(desk.post) == 1
    async with sessions() as session:
        row = await session.get(Escalation, escalation_id)
    assert row is not None and row.message_id is not None
    assert await desk.service.unposted(desk.post) == 0  # once only
    assert len(await written(sessions)) == 1  # and not posted again


async def test_the_worker_applies_every_pending_signal_and_sets_a_bad_one_aside(
    sessions: Sessions,
) -> None:
    await school(sessions)
    async with sessions.begin() as session:
        session.add_all(
            Signal(guild_id=GUILD, kind=signals.REACH_OUT, created_at=NOW) for _ in range(5)
        )
    applied: Counter[int] = Counter()

    async def apply(signal_id: int) -> None:
        applied[signal_id] += 1
        if signal_id == 3:
            raise RuntimeError("a bug in one rule")
        async with sessions.begin() as session:
            row = await session.get(Signal, signal_id)
            assert row is not None
            row.processed_at = NOW

    worker = SignalWorker(sessions, apply, retry_seconds=0.01)
    worker.wake()  # before start: remembered, applied at start
    assert not worker.running
    worker.start()
    await worker.idle()
    assert applied == {1: 1, 2: 1, 3: MAX_TRIES, 4: 1, 5: 1}
    worker.wake()  # nothing new: the bad one waits for the next start
    await worker.idle()
    assert applied[3] == MAX_TRIES
    await worker.stop()


async def test_each_prompt_is_written_in_its_readers_language(sessions: Sessions) -> None:
    """A DM in its recipient's stored language, a post in its server's, English otherwise;
    labels of buttons too."""
    await school(sessions)
    async with sessions.begin() as session:
        member = await session.scalar(select(Member).where(Member.user_id == STUDENT))
        assert member is not None
        member.language = "es"
    thanks, saved = Text("Thanks, noted!"), Text("your answer")
    button = {"type": 1, "components": [{"type": 2, "label": Text("Accept"), "custom_id": "x"}]}
    prompts = [
        Prompt("dm:1", "dm", STUDENT, Message(thanks, components=(button,)), guild_id=GUILD),
        Prompt("dm:2", "dm", STUDENT, Message(thanks)),  # no server: any row of theirs
        Prompt("dm:3", "dm", 12345, Message(thanks), guild_id=GUILD),  # not a member
        Prompt("post:1", "post", STUDENT, Message(saved), channel_id=STAFF_CHANNEL, guild_id=GUILD),
    ]
    async with sessions.begin() as session:
        await engine(sessions, Scripted()).outbox(session).add(prompts)
    async with sessions() as session:
        rows = await session.execute(select(Delivery.key, Delivery.payload))
        payloads = {key: payload for key, payload in rows}
    assert payloads["dm:1"]["content"] == "¡Gracias, anotado!"
    assert payloads["dm:1"]["components"][0]["components"][0]["label"] == "Aceptar"
    assert payloads["dm:2"]["content"] == "¡Gracias, anotado!"
    assert payloads["dm:3"]["content"] == "Thanks, noted!"
    assert payloads["post:1"]["content"] == "your answer"  # the server's language: English
    async with sessions.begin() as session:
        program = await session.get(GuildSettings, GUILD)
        assert program is not None
        program.language = "es"
    async with sessions.begin() as session:
        await engine(sessions, Scripted()).outbox(session).add([replace(prompts[3], key="post:2")])
    async with sessions() as session:
        post = await session.scalar(select(Delivery.payload).where(Delivery.key == "post:2"))
    assert post is not None and post["content"] == "tu respuesta"


@pytest.mark.parametrize("count", [1, 100])
async def test_an_outbox_given_a_fan_outs_part_lets_other_handlers_run_before_writing_it(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """A hundred prompts or more: the loop is given back between building their rows and
    writing them (another handler waits for one stretch, not both); fewer: written at once."""
    from bot import delivery

    assert count in (1, delivery._YIELD_ROWS)
    prompts = [replace(note(f"part:{n}", 1000 + n), language="en") for n in range(count)]
    seen: list[bool] = []
    claim = delivery.repo.claim

    async def claiming(session: object, rows: object) -> set[str]:
        seen.append(other.done())
        return await claim(session, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery.repo, "claim", claiming)
    async with sessions.begin() as session:
        await session.execute(select(1))  # the connection is open: nothing else waits for it
        other = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(other.set_result, None)  # a handler's next step
        assert len(await delivery.Outbox(session, NOW).add(prompts)) == count
    assert seen == [count >= delivery._YIELD_ROWS]
