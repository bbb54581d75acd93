"""Recruiting: standing invitations, sign-ups credited to them, and the waiting list.

An invitation is a staff post (``/staff recruit post``) or a student leader's own
(``/invite``): its **Become a mentor** / **Find a mentor** buttons open the ``/join`` flow,
and each joining records a ``Signup`` (in the join's own transaction, ``record_signup``)
pointing at the invitation it came through, or at none for a plain ``/join``.

Every post and DM of an invitation is a delivery written in the transaction that records
it (the outbox), under ``recruit-post:{post id}`` or ``recruit-dm:{invitation}:{user}``, so
a classmate gets one DM per leader's invitation however often it is asked for.

Who counts as a student leader: an active mentor with at least one active match, or anyone
holding a role of ``[recruiting] leader_role_ids``. Joins through a leader's invitation are
shown to staff only (the roster, the report); a leader's posts carry no count.

The waiting list: every active mentee without an active match, waiting since they joined
(or since their last match ended, if later), longest first. Free places are the places
trained mentors have left (capacity minus active matches, over mentors whose confirmed
training reaches ``[matching] training_minutes``). A mentee is told they are on the waiting
list when the mentees ahead of them already take every free place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import MatchingSettings, RecruitingSettings
from bot.delivery import DeliveryEngine, Message, Outbox, Priority, Prompt
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.i18n import Date, Slash, Text
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import (
    DeliveryStatus,
    Invitation,
    InvitationAudience,
    InvitationKind,
    InvitationPost,
    Member,
    ProgramRole,
)
from storage.repositories import matches, members
from storage.repositories import recruiting as rows

log = logging.getLogger(__name__)

#: Staff's own words on an invitation, short enough for the embed with everything else.
MAX_MESSAGE = 1500
POST_KIND = "recruit-post"
DM_KIND = "recruit-dm"
SHARING_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Invited:
    """Where a join began: an invitation of a server (its buttons also work in a DM)."""

    guild_id: int
    invitation_id: int


@dataclass(frozen=True)
class InvitationView:
    id: int
    guild_id: int
    kind: InvitationKind
    audience: InvitationAudience
    message: str | None
    created_by: int
    created_at: datetime
    closed_at: datetime | None
    joined: int  # sign-ups through it

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class PostView:
    id: int
    invitation_id: int
    channel_id: int | None  # None: a DM
    named: bool  # the leader agreed to be named on it

    @property
    def key(self) -> str:
        """The delivery key of a channel post."""
        return f"{POST_KIND}:{self.id}"


#: Builds the message of a post or DM (embed and buttons: Discord's JSON, made in cogs/).
MessageBuilder = Callable[[InvitationView, PostView], Message]


@dataclass(frozen=True)
class Shared:
    """An invitation posted or DMed, and what became of the message."""

    invitation: InvitationView
    post: PostView
    status: DeliveryStatus


@dataclass(frozen=True)
class Place:
    """A waiting mentee's place: ``position`` 1 is next; ``free_places`` trained mentors have."""

    position: int
    free_places: int

    @property
    def ahead(self) -> int:
        return self.position - 1

    @property
    def on_waiting_list(self) -> bool:
        """No free place is left for them once those ahead are matched."""
        return self.ahead >= self.free_places


@dataclass(frozen=True)
class Waiting:
    user_id: int
    since: datetime


@dataclass(frozen=True)
class Credit:
    """An active member who joined through an invitation."""

    user_id: int
    role: ProgramRole
    invitation_id: int
    kind: InvitationKind
    by_user_id: int  # the staff member who posted it, or the leader credited


@dataclass(frozen=True)
class RecruitingRoster:
    """What staff see in the roster: the waiting list, free places, who joined through
    which invitation, and every invitation with its count."""

    waiting: tuple[Waiting, ...]
    free_places: int
    credits: tuple[Credit, ...]
    invitations: tuple[InvitationView, ...]


def dm_key(invitation_id: int, user_id: int) -> str:
    """The delivery key of an invitation's DM to one classmate: sent once."""
    return f"{DM_KIND}:{invitation_id}:{user_id}"


async def record_signup(
    session: AsyncSession,
    member: Member,
    role: ProgramRole,
    invitation_id: int | None,
    now: datetime,
) -> None:
    """Record a joining in the caller's transaction, credited to ``invitation_id`` when it is
    an invitation of the member's server (a closed one too: they came through it)."""
    found = await rows.invitation(session, invitation_id) if invitation_id is not None else None
    credited = found.id if found is not None and found.guild_id == member.guild_id else None
    await rows.add_signup(session, member.guild_id, member.id, role, credited, now)


class RecruitingService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        settings: RecruitingSettings,
        matching: MatchingSettings,
        delivery: DeliveryEngine,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs
        self._settings = settings
        self._matching = matching
        self._delivery = delivery

    # ------------------------------------------------------------------ invitations

    @staticmethod
    def check_message(message: str | None) -> str | None:
        """Staff's words for the post, trimmed; None when empty (the default text is used)."""
        text = (message or "").strip()
        if len(text) > MAX_MESSAGE:
            raise InvalidInput(
                Text(
                    "Keep the message under {limit} characters so the invitation fits in one "
                    "Discord post (yours has {length}). Nothing was posted.",
                    limit=MAX_MESSAGE,
                    length=len(text),
                )
            )
        return text or None

    async def post_staff_invitation(
        self,
        guild_id: int,
        staff_user_id: int,
        channel_id: int,
        audience: InvitationAudience,
        message: str | None,
        build: MessageBuilder,
    ) -> Shared:
        """Open an invitation and post it in ``channel_id``; closed again if Discord refuses
        the post, so no invitation is left open without one."""
        text = self.check_message(message)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            row = await rows.add_invitation(
                session, guild_id, InvitationKind.STAFF, audience, text, staff_user_id, now
            )
            post = _post(await rows.add_post(session, row.id, channel_id, False, now))
            view = _view(row, 0)
            outbox = self._delivery.outbox(session)
            await outbox.add([self._post_prompt(view, post, staff_user_id, build)])
        status = await self._outcome(outbox, post.key)
        if status is DeliveryStatus.FAILED:
            view = await self._close(guild_id, view.id, staff_user_id)
        log.info("invitation %d posted by staff: %s", view.id, status.value)
        return Shared(view, post, status)

    async def share_as_leader(
        self,
        guild_id: int,
        user_id: int,
        role_ids: Collection[int],
        *,
        channel_id: int | None,
        classmate_user_id: int | None,
        named: bool,
        build: MessageBuilder,
    ) -> Shared:
        """Post the leader's own invitation in ``channel_id``, or DM it to one classmate
        (never twice to the same one); the invitation is made on first use."""
        if (channel_id is None) == (classmate_user_id is None):
            raise ValueError("share in a channel or with a classmate, one of them")
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await self._check_leader(session, guild_id, user_id, role_ids)
            if classmate_user_id is not None:
                await self._check_classmate(session, guild_id, user_id, classmate_user_id)
            shared = await rows.shares_since(session, guild_id, user_id, now - SHARING_WINDOW)
            if shared >= self._settings.invites_per_day:
                raise UserError(
                    Text(
                        "You've shared your invitation {count} times today, as many as one "
                        "day allows. You can share it again tomorrow.",
                        count=shared,
                    )
                )
            row = await rows.open_leader_invitation(session, guild_id, user_id)
            if row is None:
                row = await rows.add_invitation(
                    session,
                    guild_id,
                    InvitationKind.LEADER,
                    InvitationAudience.BOTH,
                    None,
                    user_id,
                    now,
                )
            view = _view(row, await rows.signup_count(session, row.id))
            post = _post(await rows.add_post(session, row.id, channel_id, named, now))
            outbox = self._delivery.outbox(session)
            if classmate_user_id is None:
                key = post.key
                prompt = self._post_prompt(view, post, user_id, build)
            else:
                key = dm_key(row.id, classmate_user_id)
                # No server on the row: a classmate with DMs closed is not posted about in
                # the program channel (they never joined); the DM just fails.
                prompt = Prompt(
                    key=key,
                    kind=DM_KIND,
                    user_id=classmate_user_id,
                    message=build(view, post),
                    priority=Priority.NORMAL,
                )
            if key not in await outbox.add([prompt]):
                classmate = f"<@{classmate_user_id}>"
                raise UserError(
                    Text(
                        "You've already sent {classmate} your invitation; it is sent only once.",
                        classmate=classmate,
                    )
                )
        status = await self._outcome(outbox, key)
        log.info("invitation %d shared by a leader: %s", view.id, status.value)
        return Shared(view, post, status)

    async def ensure_leader(self, guild_id: int, user_id: int, role_ids: Collection[int]) -> None:
        """Refuse anyone who is not a student leader, saying who is."""
        async with self._sessions() as session:
            await self._check_leader(session, guild_id, user_id, role_ids)

    async def close(self, guild_id: int, staff_user_id: int, invitation_id: int) -> InvitationView:
        return await self._close(guild_id, invitation_id, staff_user_id)

    async def usable(self, invitation_id: int) -> InvitationView:
        """The invitation behind a button, or a kind refusal when it is gone or closed."""
        found = await self.view(invitation_id)
        if found is None:
            raise NotFound(
                Text("This invitation no longer exists. If you'd like to join, ask a staff member.")
            )
        if found.closed_at is not None:
            raise UserError(
                Text(
                    "Thanks for your interest! This invitation was closed on {day}, so it no "
                    "longer takes sign-ups. If you'd like to join, ask a staff member.",
                    day=Date(found.closed_at.date()),
                )
            )
        return found

    async def view(self, invitation_id: int) -> InvitationView | None:
        async with self._sessions() as session:
            row = await rows.invitation(session, invitation_id)
            if row is None:
                return None
            return _view(row, await rows.signup_count(session, row.id))

    async def channel_posts(self, invitation_id: int) -> list[PostView]:
        async with self._sessions() as session:
            return [_post(row) for row in await rows.channel_posts(session, invitation_id)]

    async def listing(self, guild_id: int, *, open_only: bool = False) -> list[InvitationView]:
        async with self._sessions() as session:
            found = await rows.invitations(session, guild_id, open_only=open_only)
            counts = await rows.signup_counts(session, guild_id)
        return [_view(row, counts.get(row.id, 0)) for row in found]

    # ------------------------------------------------------------------ waiting list

    async def place(self, guild_id: int, user_id: int) -> Place | None:
        """The mentee's place on the waiting list; None when they are not waiting."""
        async with self._sessions() as session:
            waiting = await rows.waiting_mentees(session, guild_id)
            position = next(
                (number for number, (uid, _) in enumerate(waiting, start=1) if uid == user_id),
                None,
            )
            if position is None:
                return None
            return Place(position, await self._free_places(session, guild_id))

    async def roster(self, guild_id: int) -> RecruitingRoster:
        async with self._sessions() as session:
            waiting = await rows.waiting_mentees(session, guild_id)
            free = await self._free_places(session, guild_id)
            credited = await rows.credited_members(session, guild_id)
            found = await rows.invitations(session, guild_id)
            counts = await rows.signup_counts(session, guild_id)
        return RecruitingRoster(
            waiting=tuple(Waiting(user_id, since) for user_id, since in waiting),
            free_places=free,
            credits=tuple(Credit(*credit) for credit in credited),
            invitations=tuple(_view(row, counts.get(row.id, 0)) for row in found),
        )

    # ------------------------------------------------------------------ helpers

    async def _free_places(self, session: AsyncSession, guild_id: int) -> int:
        return await rows.free_places(
            session,
            guild_id,
            self._matching.training_minutes,
            self._matching.mentor_capacity,
        )

    async def _check_leader(
        self, session: AsyncSession, guild_id: int, user_id: int, role_ids: Collection[int]
    ) -> None:
        if set(role_ids) & set(self._settings.leader_role_ids):
            return
        member = await members.get(session, guild_id, user_id)
        if (
            member is not None
            and member.active
            and member.role is ProgramRole.MENTOR
            and await matches.active_for_member(session, member.id)
        ):
            return
        raise NotAllowed(
            Text(
                "Only student leaders can invite classmates: mentors who have a mentee, and "
                "members with a leader role chosen by staff. If you'd like to be one, ask a "
                "staff member."
            )
        )

    @staticmethod
    async def _check_classmate(
        session: AsyncSession, guild_id: int, user_id: int, classmate_user_id: int
    ) -> None:
        if classmate_user_id == user_id:
            raise InvalidInput(Text("Pick a classmate to invite, not yourself."))
        found = await members.get(session, guild_id, classmate_user_id)
        if found is not None and found.active and found.role is not None:
            classmate = f"<@{classmate_user_id}>"
            raise UserError(
                Text(
                    "{classmate} is already in the program, so there is no need to invite them.",
                    classmate=classmate,
                )
            )

    def _post_prompt(
        self, view: InvitationView, post: PostView, user_id: int, build: MessageBuilder
    ) -> Prompt:
        if post.channel_id is None:
            raise ValueError("a post needs a channel")
        return Prompt(
            key=post.key,
            kind=POST_KIND,
            user_id=user_id,
            message=build(view, post),
            priority=Priority.NORMAL,
            channel_id=post.channel_id,
            guild_id=view.guild_id,
        )

    async def _outcome(self, outbox: Outbox, key: str) -> DeliveryStatus:
        """Queue what the committed outbox wrote and wait for the one message's outcome."""
        waits = await self._delivery.dispatch(outbox)
        return await waits[key]

    async def _close(self, guild_id: int, invitation_id: int, by: int) -> InvitationView:
        async with self._sessions.begin() as session:
            row = await rows.invitation(session, invitation_id)
            if row is None or row.guild_id != guild_id:
                raise NotFound(
                    Text(
                        "There is no invitation #{number} in this server; {command} lists them.",
                        number=invitation_id,
                        command=Slash("staff recruit list"),
                    )
                )
            if row.closed_at is not None:
                raise UserError(Text("Invitation #{number} is already closed.", number=row.id))
            row.closed_at = self._clock.now()
            row.closed_by = by
            return _view(row, await rows.signup_count(session, row.id))


def _view(row: Invitation, joined: int) -> InvitationView:
    return InvitationView(
        id=row.id,
        guild_id=row.guild_id,
        kind=row.kind,
        audience=row.audience,
        message=row.message,
        created_by=row.created_by,
        created_at=row.created_at,
        closed_at=row.closed_at,
        joined=joined,
    )


def _post(row: InvitationPost) -> PostView:
    return PostView(
        id=row.id, invitation_id=row.invitation_id, channel_id=row.channel_id, named=row.named
    )
