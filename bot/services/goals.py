"""Goals: a mentee's SMART goals (what, why, how we will know, by when) with a focus area.

A mentee has at most ``max_active_goals`` active goals. Their mentor may propose one; it
counts only once the mentee accepts it. A proposal and the mentee's DM, and an answer and
the mentor's, commit together (``bot.services.outbox``). A goal whose words hold concerning
language records a signal about its writer with it, for the escalation rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import Date, Slash, Text
from bot.services import signals
from bot.services.concern import find_concerns
from bot.services.matching import FocusArea
from bot.services.outbox import Changes, Compose, Transactions
from bot.services.programs import ProgramService
from bot.text import clean, plain_links
from storage.db import Sessions
from storage.models import Goal, GoalStatus, Member, ProgramRole
from storage.repositories import checkins as rows
from storage.repositories import matches, members

MAX_WHAT, MAX_WHY, MAX_MEASURE = 100, 300, 300
MAX_AHEAD = timedelta(days=366)
OPEN = (GoalStatus.PROPOSED, GoalStatus.ACTIVE)
# The goal form's fields, as its labels name them (cogs/checkins.py GoalModal).
WHAT = Text("What do you want to achieve?")
WHY = Text("Why does it matter to you?")
MEASURE = Text("How will we know you got there?")
STATUS = {
    GoalStatus.PROPOSED: Text("proposed"),
    GoalStatus.ACTIVE: Text("active"),
    GoalStatus.DONE: Text("reached"),
    GoalStatus.DROPPED: Text("dropped"),
    GoalStatus.DECLINED: Text("declined"),
}


@dataclass(frozen=True)
class GoalDraft:
    what: str
    why: str
    measure: str
    due_on: date
    focus_area: FocusArea


@dataclass(frozen=True)
class GoalView:
    id: int
    what: str
    why: str
    measure: str
    due_on: date
    focus_area: str
    status: GoalStatus
    #: Its words hold concerning language: staff hear of it (a signal) and the writer is
    #: shown the crisis resources at once. Set only where it was just written.
    concerning: bool = False


@dataclass(frozen=True)
class Proposal:
    goal: GoalView
    mentee_user_id: int
    mentor_user_id: int
    channel_id: int | None  # the pair's channel, where a DM goes when DMs are closed
    guild_id: int


def _view(row: Goal) -> GoalView:
    return GoalView(row.id, row.what, row.why, row.measure, row.due_on, row.focus_area, row.status)


class GoalService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        max_active: int,
        *,
        transactions: Transactions | None = None,
        link_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._sessions = sessions
        #: Hosts whose https links stay clickable in goals the mentor reads.
        self._link_hosts = link_hosts
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._programs = programs
        self.max_active = max_active

    async def draft(
        self,
        guild_id: int,
        user_id: int,
        what: str,
        why: str,
        measure: str,
        by_when: str,
        focus_area: str,
    ) -> GoalDraft:
        """Check a goal's fields; ``by_when`` (2026-03-01) is read in the person's zone."""
        async with self._sessions() as session:
            zone = await self._zone(session, guild_id, user_id)
        today = self._clock.now().astimezone(zone).date()
        try:
            due_on = date.fromisoformat(by_when.strip())
        except ValueError:
            raise UserError(
                Text(
                    '"{typed}" is not a date; write "by when" like {example} ({day}).',
                    typed=by_when.strip()[:20],
                    example=(today + timedelta(days=30)).isoformat(),
                    day=Date(today + timedelta(days=30), "yMMMMd"),
                )
            ) from None
        if due_on < today:
            raise UserError(Text("That date has passed; pick a day from today on."))
        if due_on > today + MAX_AHEAD:
            raise UserError(Text("Pick a date within the next year; big goals work best in steps."))
        try:
            area = FocusArea(focus_area)
        except ValueError:
            raise UserError(Text("Pick a focus area from the list.")) from None
        hosts = self._link_hosts
        return GoalDraft(
            _text(plain_links(what, hosts), MAX_WHAT, WHAT, required=True),
            _text(plain_links(why, hosts), MAX_WHY, WHY, required=True),
            _text(plain_links(measure, hosts), MAX_MEASURE, MEASURE, required=True),
            due_on,
            area,
        )

    async def add(self, guild_id: int, user_id: int, draft: GoalDraft) -> GoalView:
        """A mentee's own goal; concerning words in it record a signal with it."""
        async with self._tx.begin("goal-add") as changes:
            session = changes.session
            me = await self._mentee(session, guild_id, user_id)
            await self._room_for_one_more(session, me)
            row = self._row(me, draft, GoalStatus.ACTIVE, None)
            session.add(row)
            await session.flush()
            concerning = await self._concern_signal(changes, me, draft, row)
            return replace(_view(row), concerning=concerning)

    async def propose(
        self,
        guild_id: int,
        mentor_user_id: int,
        mentee_user_id: int,
        draft: GoalDraft,
        compose: Compose[Proposal],
    ) -> Proposal:
        """A mentor proposes a goal to their own mentee, with the mentee's DM; it waits for
        the mentee's answer."""
        async with self._tx.begin("goal-proposal") as changes:
            session = changes.session
            mentor, mentee = await self._pair(session, guild_id, mentor_user_id, mentee_user_id)
            row = self._row(mentee, draft, GoalStatus.PROPOSED, mentor.id)
            session.add(row)
            await session.flush()
            concerning = await self._concern_signal(changes, mentor, draft, row)
            match = await matches.active_pair(session, mentor.id, mentee.id)
            proposal = Proposal(
                replace(_view(row), concerning=concerning),
                mentee_user_id,
                mentor_user_id,
                match.channel_id if match else None,
                guild_id,
            )
            await changes.send(compose(proposal))
        return proposal

    async def may_propose(self, guild_id: int, mentor_user_id: int, mentee_user_id: int) -> None:
        """Refuse, before the form is shown, a proposal to someone who is not your mentee."""
        async with self._sessions() as session:
            await self._pair(session, guild_id, mentor_user_id, mentee_user_id)

    async def _pair(
        self, session: AsyncSession, guild_id: int, mentor_user_id: int, mentee_user_id: int
    ) -> tuple[Member, Member]:
        mentor = await members.get(session, guild_id, mentor_user_id)
        mentee = await members.get(session, guild_id, mentee_user_id)
        if mentor is None or mentee is None or mentee.role is not ProgramRole.MENTEE:
            raise NotAllowed(Text("You can propose goals only to your own mentee."))
        if await matches.active_pair(session, mentor.id, mentee.id) is None:
            mention = f"<@{mentee_user_id}>"
            raise NotAllowed(Text("{member} is not your mentee.", member=mention))
        return mentor, mentee

    async def answer(
        self, goal_id: int, user_id: int, *, accept: bool, compose: Compose[Proposal]
    ) -> Proposal:
        """The mentee accepts or declines a proposal; the mentor's DM is written with it."""
        async with self._tx.begin("goal-answer") as changes:
            session = changes.session
            row = await rows.goal(session, goal_id)
            if row is None:
                raise NotFound(Text("That goal no longer exists."))
            me = await members.by_id(session, row.member_id)
            if me is None or me.user_id != user_id:
                raise NotAllowed(Text("This goal was proposed to someone else."))
            if row.status is not GoalStatus.PROPOSED:
                raise UserError(
                    Text(
                        "You already answered this proposal ({status}).",
                        status=STATUS[row.status],
                    )
                )
            if accept:
                await self._room_for_one_more(session, me)
            row.status = GoalStatus.ACTIVE if accept else GoalStatus.DECLINED
            if not accept:
                row.closed_at = self._clock.now()
            mentor = await members.by_id(session, row.proposed_by or 0)
            match = await rows.active_match_of_mentee(session, me.id)
            proposal = Proposal(
                _view(row),
                user_id,
                mentor.user_id if mentor else 0,
                match.channel_id if match else None,
                row.guild_id,
            )
            await changes.send(compose(proposal) if mentor is not None else [])
        return proposal

    async def close(self, guild_id: int, user_id: int, goal_id: int, *, done: bool) -> GoalView:
        """Mark one of your active goals done, or drop it."""
        async with self._sessions.begin() as session:
            me = await self._mentee(session, guild_id, user_id)
            row = await rows.goal(session, goal_id)
            if row is None or row.member_id != me.id:
                raise NotFound(
                    Text(
                        "That is not one of your goals. Pick one from {command}.",
                        command=Slash("goal list"),
                    )
                )
            if row.status is not GoalStatus.ACTIVE:
                raise UserError(
                    Text("That goal is not active any more ({status}).", status=STATUS[row.status])
                )
            row.status = GoalStatus.DONE if done else GoalStatus.DROPPED
            row.closed_at = self._clock.now()
            return _view(row)

    async def listing(
        self, guild_id: int, user_id: int, viewer_user_id: int | None = None, *, staff: bool = False
    ) -> list[GoalView]:
        """The member's proposed and active goals, then the closed ones. Someone else's are
        shown to staff and to the member's own mentor only."""
        async with self._sessions() as session:
            me = await members.get(session, guild_id, user_id)
            if me is None:
                mention = f"<@{user_id}>"
                raise NotFound(
                    Text(
                        "{member} is not in the program yet: they can join with {command}.",
                        member=mention,
                        command=Slash("join"),
                    )
                )
            if viewer_user_id not in (None, user_id) and not staff:
                viewer = await members.get(session, guild_id, viewer_user_id or 0)
                pair = (
                    None if viewer is None else await matches.active_pair(session, viewer.id, me.id)
                )
                if pair is None:
                    raise NotAllowed(
                        Text("You can see your own goals, and mentors their mentees'.")
                    )
            found = await rows.goals_of(session, me.id, list(GoalStatus))
        return sorted((_view(g) for g in found), key=lambda g: (g.status not in OPEN, g.id))

    async def active(self, guild_id: int, user_id: int) -> list[GoalView]:
        return [g for g in await self.listing(guild_id, user_id) if g.status is GoalStatus.ACTIVE]

    async def _room_for_one_more(self, session: AsyncSession, me: Member) -> None:
        active = await rows.goals_of(session, me.id, [GoalStatus.ACTIVE])
        if len(active) >= self.max_active:
            raise UserError(
                Text(
                    "You already have {count} active goals (the most is {most}). Finish one "
                    "with {done} or let one go with {drop} first.",
                    count=len(active),
                    most=self.max_active,
                    done=Slash("goal done"),
                    drop=Slash("goal drop"),
                )
            )

    async def _mentee(self, session: AsyncSession, guild_id: int, user_id: int) -> Member:
        me = await members.get(session, guild_id, user_id)
        if me is None or not me.active:
            raise UserError(
                Text(
                    "You're not in the mentoring program yet. Use {command} first.",
                    command=Slash("join"),
                )
            )
        if me.role is not ProgramRole.MENTEE:
            raise UserError(
                Text(
                    "Goals belong to mentees. As a mentor, propose one with {command}.",
                    command=Slash("goal propose"),
                )
            )
        return me

    @staticmethod
    async def _concern_signal(
        changes: Changes, writer: Member, draft: GoalDraft, row: Goal
    ) -> bool:
        """A concerning-words signal about the goal's writer when its words hold any."""
        if not any(find_concerns(text) for text in (draft.what, draft.why, draft.measure)):
            return False
        match = await rows.active_match_of_mentee(changes.session, row.member_id)
        changes.signal(
            writer.guild_id,
            signals.CONCERNING_WORDS,
            writer.id,
            match.id if match else None,
            goal_id=row.id,
        )
        return True

    async def _zone(self, session: AsyncSession, guild_id: int, user_id: int) -> ZoneInfo:
        me = await members.get(session, guild_id, user_id)
        program = await self._programs.ensure(session, guild_id)
        return ZoneInfo((me.time_zone if me else None) or program.time_zone)

    def _row(self, me: Member, draft: GoalDraft, status: GoalStatus, by: int | None) -> Goal:
        return Goal(
            guild_id=me.guild_id,
            member_id=me.id,
            what=draft.what,
            why=draft.why,
            measure=draft.measure,
            due_on=draft.due_on,
            focus_area=draft.focus_area.value,
            status=status,
            proposed_by=by,
            created_at=self._clock.now(),
        )


def _text(value: str, limit: int, what: Text, *, required: bool) -> str:
    cleaned = " ".join(clean(value).split())
    if required and not cleaned:
        raise UserError(Text('Please fill in "{field}".', field=what))
    if len(cleaned) > limit:
        raise UserError(
            Text(
                '"{field}" is {length} characters; keep it to {limit} or fewer.',
                field=what,
                length=len(cleaned),
                limit=limit,
            )
        )
    return cleaned
