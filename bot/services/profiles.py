"""Joining the program, profiles and leaving.

Nothing is stored until the person accepts the privacy notice: ``draft()`` validates what
they typed and returns a ``ProfileDraft`` that the cog holds while the notice is shown;
``accept()`` stores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import MatchingSettings
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Joined, Slash, Text
from bot.services.availability import (
    Window,
    format_windows,
    parse_availability,
    windows_from_json,
    windows_to_json,
)
from bot.services.matching import FocusArea
from bot.services.programs import ProgramService
from bot.services.recruiting import record_signup
from bot.services.tags import normalise_tags
from bot.timeparse import resolve_zone
from storage.db import Sessions
from storage.models import Member, ProgramRole
from storage.repositories import members

NOT_JOINED = Text(
    "You haven't joined the program yet: use {command} to join.", command=Slash("join")
)
ALREADY_JOINED = {
    ProgramRole.MENTOR: Text("You're already in the program as a mentor."),
    ProgramRole.MENTEE: Text("You're already in the program as a mentee."),
    ProgramRole.STAFF: Text("You're already in the program as staff."),
}


@dataclass(frozen=True)
class ProfileDraft:
    role: ProgramRole
    grade: int
    interests: tuple[str, ...]
    focus_areas: tuple[FocusArea, ...]
    subjects: tuple[str, ...]
    windows: tuple[Window, ...]
    time_zone: str

    @property
    def availability_text(self) -> str:
        return format_windows(self.windows)


@dataclass(frozen=True)
class Profile(ProfileDraft):
    member_id: int
    user_id: int
    capacity: int | None

    @classmethod
    def of(cls, row: Member) -> Profile:
        if row.role is None or row.grade is None or row.time_zone is None:
            raise UserError(NOT_JOINED)
        return cls(
            role=row.role,
            grade=row.grade,
            interests=tuple(row.interests),
            focus_areas=tuple(FocusArea(area) for area in row.focus_areas),
            subjects=tuple(row.subjects),
            windows=windows_from_json(row.availability),
            time_zone=row.time_zone,
            member_id=row.id,
            user_id=row.user_id,
            capacity=row.capacity,
        )


class ProfileService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        rules: MatchingSettings,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs
        self._rules = rules

    def draft(
        self,
        role: ProgramRole,
        *,
        grade: str,
        interests: str,
        focus_areas: list[str],
        subjects: str,
        availability: str,
        time_zone: str,
    ) -> ProfileDraft:
        """Check everything typed at once; every problem is named in one message."""
        problems: list[str] = []
        parsed_grade = 0
        try:
            parsed_grade = int(grade.strip())
            if not self._rules.min_grade <= parsed_grade <= self._rules.max_grade:
                raise ValueError
        except ValueError:
            problems.append(
                Text(
                    'Grade: type a number from {low} to {high} (you typed "{typed}").',
                    low=self._rules.min_grade,
                    high=self._rules.max_grade,
                    typed=grade.strip()[:20],
                )
            )
        nothing: tuple[str, ...] = ()
        tags = _attempt(problems, lambda: normalise_tags(interests), nothing)
        subject_tags = _attempt(problems, lambda: normalise_tags(subjects), nothing)
        no_windows: tuple[Window, ...] = ()
        windows = _attempt(problems, lambda: parse_availability(availability), no_windows)
        zone = _attempt(problems, lambda: resolve_zone(time_zone).key, "")
        try:
            areas = tuple(FocusArea(area) for area in focus_areas)
        except ValueError:
            problems.append(Text("Pick your focus areas from the list."))
            areas = ()
        if not areas:
            problems.append(Text("Pick at least one focus area."))
        if problems:
            raise UserError(
                Text(
                    "Please fix this and try again:\n{problems}",
                    problems=Joined(problems, "\n", "- "),
                )
            )
        return ProfileDraft(
            role=role,
            grade=parsed_grade,
            interests=tags,
            focus_areas=areas,
            subjects=subject_tags,
            windows=windows,
            time_zone=zone,
        )

    async def ensure_not_joined(self, guild_id: int, user_id: int) -> None:
        async with self._sessions() as session:
            row = await members.get(session, guild_id, user_id)
        if row is not None and row.active and row.role is not None:
            raise UserError(
                Text(
                    "{already} Use {show} to see your profile or {edit} to change it.",
                    already=ALREADY_JOINED[row.role],
                    show=Slash("profile show"),
                    edit=Slash("profile edit"),
                )
            )

    async def accept(
        self,
        guild_id: int,
        user_id: int,
        draft: ProfileDraft,
        invitation_id: int | None = None,
        *,
        language: str = DEFAULT_LANGUAGE,
    ) -> Profile:
        """Store the profile the person consented to (joining, or re-joining after leaving),
        with a sign-up credited to the invitation they came through (``invitation_id``), and
        ``language`` as theirs (their Discord's, when they join)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            row = await members.get_or_create(session, guild_id, user_id, now=now)
            if row.active and row.role is not None:
                raise UserError(ALREADY_JOINED[row.role])
            row.role = draft.role
            row.active = True
            row.left_at = None
            row.consented_at = now
            row.language = language
            if draft.role is ProgramRole.MENTOR and row.capacity is None:
                row.capacity = self._rules.mentor_capacity
            self._write(row, draft)
            await record_signup(session, row, draft.role, invitation_id, now)
            return Profile.of(row)

    async def edit(self, guild_id: int, user_id: int, draft: ProfileDraft) -> Profile:
        async with self._sessions.begin() as session:
            row = await self._active_row(session, guild_id, user_id)
            self._write(row, draft)
            return Profile.of(row)

    async def set_language(self, guild_id: int, user_id: int, language: str) -> None:
        """The member's DMs and scheduled prompts come in ``language`` from now on."""
        if language not in LANGUAGES:
            raise UserError(Text("Pick a language from the list."))
        async with self._sessions.begin() as session:
            row = await self._active_row(session, guild_id, user_id)
            row.language = language
            row.updated_at = self._clock.now()

    async def show(self, guild_id: int, user_id: int) -> Profile:
        async with self._sessions() as session:
            return Profile.of(await self._active_row(session, guild_id, user_id))

    async def _active_row(self, session: AsyncSession, guild_id: int, user_id: int) -> Member:
        row = await members.get(session, guild_id, user_id)
        if row is None or not row.active:
            raise UserError(NOT_JOINED)
        return row

    def _write(self, row: Member, draft: ProfileDraft) -> None:
        row.grade = draft.grade
        row.interests = list(draft.interests)
        row.focus_areas = [area.value for area in draft.focus_areas]
        row.subjects = list(draft.subjects)
        row.availability = windows_to_json(draft.windows)
        row.time_zone = draft.time_zone
        row.updated_at = self._clock.now()


T = TypeVar("T")


def _attempt(problems: list[str], check: Callable[[], T], fallback: T) -> T:
    """``check()``, or ``fallback`` with the person's problem noted."""
    try:
        return check()
    except UserError as error:
        problems.append(error.message)
        return fallback
