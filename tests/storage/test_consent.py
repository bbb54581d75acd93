"""Guardian consent on file on a real database (SQLite, and PostgreSQL when configured):
recording it, the matching gate, the roster, and a member's export and erasure with it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import PrivacySettings
from bot.errors import UserError
from bot.services.consent import MAX_NOTE, ConsentService
from bot.services.matches import MatchService
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import AttendanceReview, GuardianConsent, Member, MentoringSession
from storage.repositories import members
from tests.storage import test_personal as personal
from tests.storage.test_program_services import GUILD, NOW, SETTINGS, Services

STAFF = 999
MENTOR, MENTEE, OTHER_MENTEE = 10, 20, 21


def consent_service(sessions: Sessions, *, required: bool) -> ConsentService:
    clock = FixedClock(NOW)
    programs = ProgramService(sessions, clock, SETTINGS.program)
    return ConsentService(sessions, clock, programs, PrivacySettings(365, required))


class School(Services):
    """Profiles, training and matching, with consent required."""

    def __init__(self, sessions: Sessions) -> None:
        super().__init__(sessions)
        self.matches = MatchService(
            sessions, FixedClock(NOW), SETTINGS.matching, require_consent=True
        )
        self.consent = consent_service(sessions, required=True)

    async def on_file(self, *user_ids: int) -> None:
        for user_id in user_ids:
            await self.consent.record(GUILD, STAFF, user_id, on_file=True, note=None)


@pytest.fixture
async def school(sessions: Sessions) -> School:
    built = School(sessions)
    await built.join(MENTOR, personal.ProgramRole.MENTOR, 11, "soccer")
    await built.trained(MENTOR)
    await built.join(MENTEE, personal.ProgramRole.MENTEE, 8, "soccer")
    await built.join(OTHER_MENTEE, personal.ProgramRole.MENTEE, 8)
    return built


async def test_recording_consent_is_one_row_per_student_changed_in_place(
    sessions: Sessions,
) -> None:
    service = consent_service(sessions, required=True)
    assert await service.waiting(GUILD, 30)  # nobody recorded anything yet
    # Consent collected at enrolment, before the student joined: a member row holds it.
    recorded = await service.record(
        GUILD, STAFF, 30, on_file=True, note="  form received\n 2026-09-03 "
    )
    assert recorded.on_file and recorded.note == "form received 2026-09-03"
    assert not await service.waiting(GUILD, 30)
    await service.record(GUILD, STAFF + 1, 30, on_file=False, note=None)
    assert await service.waiting(GUILD, 30)
    async with sessions() as session:
        rows = list(await session.scalars(select(GuardianConsent)))
        member = await members.get(session, GUILD, 30)
    assert len(rows) == 1 and member is not None and member.role is None
    assert (rows[0].on_file, rows[0].note, rows[0].recorded_by) == (False, None, STAFF + 1)
    with pytest.raises(UserError, match=f"under {MAX_NOTE} characters"):
        await service.record(GUILD, STAFF, 30, on_file=True, note="x" * (MAX_NOTE + 1))
    assert not await consent_service(sessions, required=False).waiting(GUILD, 31)


async def test_matching_waits_for_consent_on_file(school: School) -> None:
    with pytest.raises(UserError, match="no guardian's consent on file") as refused:
        await school.matches.suggest(GUILD, MENTEE)
    assert "/staff consent" in refused.value.message
    assert "/personal consentimiento" in refused.value.message.render("es")  # type: ignore[attr-defined]
    with pytest.raises(UserError, match=r"Every mentee without a mentor is waiting"):
        await school.matches.propose_cohort(GUILD)

    await school.on_file(MENTEE)  # the mentee's, not yet the mentor's
    assert await school.matches.suggest(GUILD, MENTEE) == []  # the mentor is left out
    with pytest.raises(UserError, match=f"<@{MENTOR}> can't be matched yet"):
        await school.matches.create(GUILD, STAFF, MENTOR, MENTEE)
    # No override reason gets past it: it is not one of the program's rules to break.
    with pytest.raises(UserError, match="can't be matched yet"):
        await school.matches.create(GUILD, STAFF, MENTOR, MENTEE, override_reason="urgent")

    await school.on_file(MENTOR)
    assert [s.mentor_user_id for s in await school.matches.suggest(GUILD, MENTEE)] == [MENTOR]
    proposal = await school.matches.propose_cohort(GUILD)
    assert [(mentee, mentor) for mentee, mentor, _ in proposal.pairs] == [(MENTEE, MENTOR)]
    assert proposal.waiting_consent == (OTHER_MENTEE,)
    with pytest.raises(UserError, match=f"<@{OTHER_MENTEE}> can't be matched yet"):
        await school.matches.create(GUILD, STAFF, MENTOR, OTHER_MENTEE)
    pair = await school.matches.create(GUILD, STAFF, MENTOR, MENTEE)
    assert pair.mentee_user_id == MENTEE

    roster = await school.matches.roster(GUILD)
    assert roster.waiting_consent == frozenset({OTHER_MENTEE})
    assert roster.unmatched_mentees == (OTHER_MENTEE,)


async def test_without_the_setting_matching_never_asks(sessions: Sessions) -> None:
    services = Services(sessions)  # require_consent off: the default
    await services.join(MENTOR, personal.ProgramRole.MENTOR, 11)
    await services.trained(MENTOR)
    await services.join(MENTEE, personal.ProgramRole.MENTEE, 8)
    assert (await services.matches.roster(GUILD)).waiting_consent == frozenset()
    assert (await services.matches.create(GUILD, STAFF, MENTOR, MENTEE)).match_id


async def consent_and_reviews(sessions: Sessions, people: dict[int, Member]) -> None:
    """Consent records for Jordan (the one erased) and Alex; a review of each session."""
    async with sessions.begin() as session:
        for who, text in ((personal.JORDAN, personal.SECRET), (personal.ALEX, personal.KEEP)):
            session.add(
                GuardianConsent(
                    guild_id=personal.GUILD,
                    member_id=people[who].id,
                    on_file=True,
                    note=f"{text} consent form",
                    recorded_by=personal.STAFF,
                    recorded_at=NOW,
                )
            )
        for talk in await session.scalars(select(MentoringSession.id)):
            session.add(
                AttendanceReview(
                    guild_id=personal.GUILD,
                    session_id=talk,
                    happened=True,
                    reviewed_by=personal.STAFF,
                    reviewed_at=NOW,
                )
            )


async def test_a_members_export_and_erasure_include_their_consent_record(
    sessions: Sessions,
) -> None:
    people = await personal.school(sessions)
    await consent_and_reviews(sessions, people)
    privacy = personal.service(sessions, FixedClock(NOW))

    exported = json.loads(json.dumps(await privacy.export(personal.GUILD, STAFF, personal.JORDAN)))
    (record,) = exported["tables"]["guardian_consents"]
    assert record["note"] == f"{personal.SECRET} consent form" and record["on_file"] is True
    assert len(exported["tables"]["attendance_reviews"]) == 2  # Jordan's two sessions
    preview = await privacy.forget_preview(personal.GUILD, personal.JORDAN)
    assert preview["guardian_consents"] == 1 and preview["attendance_reviews"] == 2

    await privacy.forget(personal.GUILD, STAFF, personal.JORDAN, personal.no_edits)
    values = await personal.every_value(sessions)
    assert [v for v in values if personal.SECRET in json.dumps(v[2], default=str)] == []
    async with sessions() as session:
        kept = list(await session.scalars(select(GuardianConsent.note)))
    assert sorted(kept, key=lambda note: note or "") == [None, f"{personal.KEEP} consent form"]
