"""Mentor training: modules staff define, completions mentors record, staff confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import MatchingSettings
from bot.errors import NotFound, UserError
from bot.i18n import Slash, Text
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import Member, ProgramRole, TrainingCompletion, TrainingModule
from storage.repositories import members, training

MAX_TITLE, MAX_CONTENT, MAX_REFLECTION = 100, 1000, 200


@dataclass(frozen=True)
class Module:
    id: int
    title: str
    content: str
    minutes: int

    @classmethod
    def of(cls, row: TrainingModule) -> Module:
        return cls(row.id, row.title, row.content, row.minutes)


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    done: bool
    confirmed: bool


@dataclass(frozen=True)
class TrainingStatus:
    confirmed_minutes: int
    required_minutes: int
    modules: tuple[ModuleProgress, ...]

    @property
    def trained(self) -> bool:
        return self.confirmed_minutes >= self.required_minutes


class TrainingService:
    def __init__(
        self, sessions: Sessions, clock: Clock, programs: ProgramService, rules: MatchingSettings
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs
        self._required = rules.training_minutes

    async def add_module(self, guild_id: int, title: str, content: str, minutes: int) -> Module:
        title, content = title.strip(), content.strip()
        if not title or len(title) > MAX_TITLE:
            raise UserError(
                Text("Give the module a title of 1 to {limit} characters.", limit=MAX_TITLE)
            )
        if not content or len(content) > MAX_CONTENT:
            raise UserError(
                Text("Give a link or text of 1 to {limit} characters.", limit=MAX_CONTENT)
            )
        if not 1 <= minutes <= 600:
            raise UserError(Text("Minutes must be between 1 and 600."))
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            row = TrainingModule(
                guild_id=guild_id,
                title=title,
                content=content,
                minutes=minutes,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            return Module.of(row)

    async def modules(self, guild_id: int) -> list[Module]:
        async with self._sessions() as session:
            return [Module.of(row) for row in await training.modules(session, guild_id)]

    async def remove_module(self, guild_id: int, module_id: int) -> Module:
        """Take a module off the list; completions stay on record."""
        async with self._sessions.begin() as session:
            row = await self._module(session, guild_id, module_id)
            row.removed_at = self._clock.now()
            return Module.of(row)

    async def mark_done(
        self, guild_id: int, user_id: int, module_id: int, reflection: str
    ) -> Module:
        reflection = " ".join(reflection.split())
        if not reflection or len(reflection) > MAX_REFLECTION:
            raise UserError(
                Text(
                    "Write a one-line reflection of 1 to {limit} characters.", limit=MAX_REFLECTION
                )
            )
        async with self._sessions.begin() as session:
            mentor = await self._mentor(session, guild_id, user_id, yourself=True)
            row = await self._module(session, guild_id, module_id)
            if await training.completion(session, row.id, mentor.id) is not None:
                raise UserError(Text('You already marked "{title}" as done.', title=row.title))
            session.add(
                TrainingCompletion(
                    module_id=row.id,
                    member_id=mentor.id,
                    reflection=reflection,
                    completed_at=self._clock.now(),
                )
            )
            return Module.of(row)

    async def confirm(
        self, guild_id: int, staff_user_id: int, mentor_user_id: int, module_id: int
    ) -> tuple[Module, TrainingStatus]:
        async with self._sessions.begin() as session:
            mentor = await self._mentor(session, guild_id, mentor_user_id, yourself=False)
            row = await self._module(session, guild_id, module_id)
            done = await training.completion(session, row.id, mentor.id)
            if done is None:
                raise UserError(
                    Text('That mentor has not marked "{title}" as done yet.', title=row.title)
                )
            if done.confirmed_at is not None:
                raise UserError(
                    Text('"{title}" is already confirmed for that mentor.', title=row.title)
                )
            done.confirmed_by = staff_user_id
            done.confirmed_at = self._clock.now()
            await session.flush()
            return Module.of(row), await self._status(session, guild_id, mentor.id)

    async def status(self, guild_id: int, user_id: int) -> TrainingStatus:
        async with self._sessions() as session:
            mentor = await self._mentor(session, guild_id, user_id, yourself=True)
            return await self._status(session, guild_id, mentor.id)

    async def _status(self, session: AsyncSession, guild_id: int, member_id: int) -> TrainingStatus:
        done = {row.module_id: row for row in await training.completions(session, member_id)}
        progress = tuple(
            ModuleProgress(
                Module.of(row),
                done=row.id in done,
                confirmed=row.id in done and done[row.id].confirmed_at is not None,
            )
            for row in await training.modules(session, guild_id)
        )
        minutes = (await training.confirmed_minutes(session, guild_id)).get(member_id, 0)
        return TrainingStatus(minutes, self._required, progress)

    async def _module(self, session: AsyncSession, guild_id: int, module_id: int) -> TrainingModule:
        row = await training.module(session, guild_id, module_id)
        if row is None:
            raise NotFound(Text("There is no such training module. Pick one from the list."))
        return row

    async def _mentor(
        self, session: AsyncSession, guild_id: int, user_id: int, *, yourself: bool
    ) -> Member:
        row = await members.get(session, guild_id, user_id)
        if row is None or not row.active or row.role is not ProgramRole.MENTOR:
            raise UserError(
                Text(
                    "Training is for mentors. Join as a mentor with {command} first.",
                    command=Slash("join"),
                )
                if yourself
                else Text("That person is not a mentor in the program.")
            )
        return row
