"""The two surveys of a match: who gets the mid-point one and when, and answering each once.

A match's members are asked ``[surveys] midpoint_weeks`` after it started, and again when it
closes, to rate the configured statements from 1 (strongly disagree) to 5 (strongly agree),
with an optional comment; the closure survey also asks for an overall rating of 1 to 5. Only
the match's members may answer, each once: the mid-point survey while the match is active,
the closure survey once it has closed. Answers are kept as ``{statement: value}`` and are
aggregated in the report (``reports.surveys_section``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SurveySettings
from bot.errors import UserError
from bot.i18n import Text
from bot.services.outbox import Compose, Transactions
from storage.db import Sessions
from storage.models import ClosureSurvey, MatchStatus, MidpointSurvey
from storage.repositories import matches, members, surveys

MAX_COMMENT = 1000
#: A survey whose time passed while the bot was down is still sent within this much.
LATE_GRACE = timedelta(days=7)
#: Matches asked per transaction (two DMs each).
PER_TRANSACTION = 250
#: Each statement is answered from 1 (strongly disagree) to 5 (strongly agree).
LIKERT_SCALE = range(1, 6)


class Survey(StrEnum):
    MIDPOINT = "midpoint"
    CLOSURE = "closure"


@dataclass(frozen=True)
class MidpointDue:
    """Both members of an active match, to be asked now."""

    match_id: int
    guild_id: int
    user_ids: tuple[int, int]  # mentor, mentee
    channel_id: int | None


class SurveyService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        settings: SurveySettings,
        *,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._settings = settings

    @property
    def questions(self) -> tuple[str, ...]:
        return self._settings.likert_questions

    @property
    def after(self) -> timedelta | None:
        """How long into a match the survey is sent; None when it is turned off."""
        weeks = self._settings.midpoint_weeks
        return timedelta(weeks=weeks) if weeks else None

    async def plan(self, until: datetime) -> list[tuple[int, datetime]]:
        """(match id, when to ask) for every active match not asked yet whose time is by
        ``until`` (one asked is left out: the hourly re-plan does not fire it again)."""
        after = self.after
        if after is None:
            return []
        earliest = self._clock.now() - after - LATE_GRACE
        async with self._sessions() as session:
            rows = await matches.midpoints_to_ask(session, earliest, until - after)
        return [(match_id, created + after) for match_id, created in rows]

    async def ask_midpoints_between(
        self, after: datetime | None, by: datetime, compose: Compose[MidpointDue]
    ) -> list[MidpointDue]:
        """Write the mid-point survey DMs (each once) of every active match not asked yet
        whose survey falls in (``after``, ``by``] and has passed, and mark them asked;
        ``after`` None: every one passed within ``LATE_GRACE``. ``PER_TRANSACTION`` matches
        a transaction, so a catch-up of thousands holds no write lock for long."""
        weeks = self.after
        if weeks is None:
            return []
        now = self._clock.now()
        earliest = now - LATE_GRACE if after is None else max(after, now - LATE_GRACE)
        asked: list[MidpointDue] = []
        while True:
            async with self._tx.begin("midpoint-survey") as changes:
                found = await matches.midpoints_due(
                    changes.session, earliest - weeks, min(by, now) - weeks, PER_TRANSACTION
                )
                due = [
                    MidpointDue(match.id, match.guild_id, (mentor, mentee), match.channel_id)
                    for match, mentor, mentee in found
                ]
                for match, _, _ in found:
                    match.midpoint_asked_at = now
                await changes.send([prompt for each in due for prompt in compose(each)])
            asked += due
            if len(found) < PER_TRANSACTION:
                return asked

    async def submit_midpoint(
        self, match_id: int, user_id: int, answers: Sequence[int], comment: str
    ) -> None:
        statements = self._statements(answers, comment)
        await self._store(
            Survey.MIDPOINT,
            match_id,
            user_id,
            lambda match, member: MidpointSurvey(
                match_id=match,
                member_id=member,
                answers=statements,
                comment=comment.strip() or None,
                submitted_at=self._clock.now(),
            ),
        )

    async def submit_closure(
        self, match_id: int, user_id: int, rating: int, answers: Sequence[int], comment: str
    ) -> None:
        if rating not in LIKERT_SCALE:
            raise UserError(Text("Rate how it went from 1 (badly) to 5 (great)."))
        statements = self._statements(answers, comment)
        await self._store(
            Survey.CLOSURE,
            match_id,
            user_id,
            lambda match, member: ClosureSurvey(
                match_id=match,
                member_id=member,
                rating=rating,
                answers=statements,
                comment=comment.strip() or None,
                submitted_at=self._clock.now(),
            ),
        )

    async def check_answerable(self, survey: Survey, match_id: int, user_id: int) -> None:
        """Raise the reason ``user_id`` may not answer this survey now, if there is one."""
        async with self._sessions() as session:
            await self._answerable(session, survey, match_id, user_id)

    def _statements(self, answers: Sequence[int], comment: str) -> dict[str, int]:
        """The answers under the statements they answer, once they are all valid."""
        if len(answers) != len(self.questions) or any(a not in LIKERT_SCALE for a in answers):
            raise UserError(Text("Choose an answer from 1 to 5 for every statement."))
        if len(comment) > MAX_COMMENT:
            raise UserError(Text("Keep the comment under {limit} characters.", limit=MAX_COMMENT))
        return dict(zip(self.questions, answers, strict=True))

    async def _store(
        self,
        survey: Survey,
        match_id: int,
        user_id: int,
        row: Callable[[int, int], MidpointSurvey | ClosureSurvey],
    ) -> None:
        try:
            async with self._sessions.begin() as session:
                session.add(row(*await self._answerable(session, survey, match_id, user_id)))
        except IntegrityError:  # the same answer submitted twice at once
            raise UserError(Text("You already answered this survey. Thank you!")) from None

    @staticmethod
    async def _answerable(
        session: AsyncSession, survey: Survey, match_id: int, user_id: int
    ) -> tuple[int, int]:
        """(match id, member id) of a member of the match who may answer ``survey`` now."""
        match = await matches.by_id(session, match_id)
        if match is None:
            raise UserError(Text("This survey is closed: its match is no longer in the program."))
        member = await members.get(session, match.guild_id, user_id)
        if member is None or member.id not in (match.mentor_id, match.mentee_id):
            raise UserError(Text("This survey is not yours to answer."))
        if survey is Survey.MIDPOINT and match.status is not MatchStatus.ACTIVE:
            raise UserError(Text("This match has closed, so its mid-point survey is closed."))
        if survey is Survey.CLOSURE and match.status is not MatchStatus.CLOSED:
            raise UserError(Text("This match has not ended, so there is no survey yet."))
        if await surveys.answered(session, survey, match.id, member.id):
            raise UserError(Text("You already answered this survey. Thank you!"))
        return match.id, member.id
