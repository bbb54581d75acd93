"""Data rights on a real database (SQLite and PostgreSQL): classification, export, erasure
and the retention clean-up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import PrivacySettings, load_settings
from bot.delivery import Prompt
from bot.errors import NotFound
from bot.services.matches import MatchService
from bot.services.privacy import PrivacyService, SentMessage
from storage.db import Sessions
from storage.models import (
    Attendance,
    AttendanceAnswer,
    AuditAction,
    AuditEvent,
    Base,
    Checkin,
    CheckinStatus,
    ClosureSurvey,
    Delivery,
    DeliveryStatus,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Goal,
    GoalStatus,
    GuildSettings,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
    Signal,
    StaffContact,
    TrainingCompletion,
    TrainingModule,
    Urgency,
)
from storage.personal import CLASSIFICATION, kind_of, needs_classification

GUILD = 42
STAFF = 300_000_000_000_000_001
JORDAN = 310_000_000_000_000_002  # the mentee whose data is erased
SAM = 320_000_000_000_000_003  # Jordan's mentor
ALEX, RILEY = 330_000_000_000_000_004, 340_000_000_000_000_005  # another pair
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
SECRET = "SECRET"  # in every free text about Jordan
KEEP = "KEEP"  # in free text about nobody being erased


def test_every_column_that_may_hold_personal_data_is_classified() -> None:
    missing = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if needs_classification(column) and f"{table.name}.{column.name}" not in CLASSIFICATION
    ]
    assert not missing, (
        "classify these columns in storage/personal.py CLASSIFICATION (USER_ID, USER_KEY, "
        f"PROFILE, FREE_TEXT or NOT_PERSONAL) so erasure and export cover them: {missing}"
    )


def test_the_classification_names_only_real_columns() -> None:
    real = {f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns}
    assert set(CLASSIFICATION) <= real, set(CLASSIFICATION) - real


def no_edits(message: SentMessage) -> list[Prompt]:
    """For an erasure with nothing sent on Discord to blank."""
    return []


def service(sessions: Sessions, clock: FixedClock, days: int = 365) -> PrivacyService:
    matching = load_settings(None, {}).matching
    return PrivacyService(
        sessions, clock, PrivacySettings(days), MatchService(sessions, clock, matching)
    )


def member(user_id: int, role: ProgramRole) -> Member:
    return Member(
        guild_id=GUILD,
        user_id=user_id,
        role=role,
        time_zone="America/Chicago",
        grade=8 if role is ProgramRole.MENTEE else 11,
        interests=[f"{SECRET} art" if user_id == JORDAN else "chess"],
        focus_areas=["academics"],
        subjects=["math"],
        availability=[["mon", 900, 1020]],
        consented_at=NOW,
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )


async def pair_with_history(
    sessions: Sessions, mentor: Member, mentee: Member, text: str, *, ended: datetime | None
) -> Match:
    """A match (closed at ``ended`` if given) with a session, both answers and surveys."""
    async with sessions.begin() as session:
        match = Match(
            guild_id=GUILD,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            status=MatchStatus.CLOSED if ended else MatchStatus.ACTIVE,
            created_by=STAFF,
            override_reason=f"{text} reason",
            created_at=NOW - timedelta(days=500),
            ended_at=ended,
            ended_by=STAFF if ended else None,
            end_reason=f"{text} ended" if ended else None,
        )
        session.add(match)
        await session.flush()
        talk = MentoringSession(
            guild_id=GUILD,
            match_id=match.id,
            starts_at=NOW - timedelta(days=450),
            ends_at=NOW - timedelta(days=450) + timedelta(minutes=45),
            topic=f"{text} topic",
            place=Place.IN_PERSON,
            place_detail=f"{text} library",
            status=SessionStatus.CONFIRMED,
            proposed_by=mentor.id,
            invitee=mentee.id,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(talk)
        await session.flush()
        for who in (mentor, mentee):
            session.add(
                Attendance(
                    session_id=talk.id,
                    member_id=who.id,
                    answer=AttendanceAnswer.HAPPENED,
                    covered=[f"{text} homework"],
                    note=f"{text} note",
                    answered_at=NOW,
                )
            )
            if ended:
                session.add(
                    ClosureSurvey(
                        match_id=match.id,
                        member_id=who.id,
                        rating=4,
                        answers={"Our meetings help me": 4},
                        comment=f"{text} comment",
                        submitted_at=NOW,
                    )
                )
            session.add(
                Delivery(
                    key=f"reminder:{talk.id}:24h:{who.user_id}",
                    kind="reminder",
                    recipient_user_id=who.user_id,
                    status=DeliveryStatus.SENT,
                    attempts=1,
                    created_at=NOW,
                )
            )
        session.add(
            Signal(guild_id=GUILD, kind="no_first_session", match_id=match.id, created_at=NOW)
        )
        session.add(
            StaffContact(
                guild_id=GUILD,
                match_id=match.id,
                staff_user_id=STAFF,
                note=f"{text} contact",
                contacted_at=NOW - timedelta(days=420),
            )
        )
    return match


async def checkins_and_escalations(sessions: Sessions, mentee: Member, text: str) -> None:
    """A goal, an answered check-in and an escalation with a staff note, about ``mentee``."""
    async with sessions.begin() as session:
        session.add(
            Goal(
                guild_id=GUILD,
                member_id=mentee.id,
                what=f"{text} goal",
                why=f"{text} why",
                measure=f"{text} measure",
                due_on=NOW.date(),
                focus_area="academics",
                status=GoalStatus.ACTIVE,
                created_at=NOW,
            )
        )
        session.add(
            Checkin(
                guild_id=GUILD,
                member_id=mentee.id,
                week=NOW.date(),
                due_at=NOW,
                closes_at=NOW + timedelta(days=3),
                status=CheckinStatus.DONE,
                mood=2,
                progress=[[1, 3]],
                went_well=f"{text} well",
                hard=f"{text} hard",
                staff_note=f"{text} staff note",
                reach_out=True,
                created_at=NOW,
                answered_at=NOW,
            )
        )
        escalation = Escalation(
            guild_id=GUILD,
            member_id=mentee.id,
            source="manual",
            raised_by=mentee.user_id,
            category="wellbeing",
            urgency=Urgency.TODAY,
            details=f"{text} details",
            status=EscalationStatus.CLAIMED,
            assignee=STAFF,
            sla_stage=0,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(escalation)
        await session.flush()
        session.add(
            EscalationEvent(
                escalation_id=escalation.id,
                actor=STAFF,
                action="note",
                note=f"{text} staff follow-up",
                created_at=NOW,
            )
        )


async def school(sessions: Sessions) -> dict[int, Member]:
    async with sessions.begin() as session:
        session.add(
            GuildSettings(
                guild_id=GUILD,
                time_zone="America/Chicago",
                checkin_weekday=0,
                checkin_time=time(15, 30),
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await session.flush()
        people = {
            JORDAN: member(JORDAN, ProgramRole.MENTEE),
            SAM: member(SAM, ProgramRole.MENTOR),
            ALEX: member(ALEX, ProgramRole.MENTEE),
            RILEY: member(RILEY, ProgramRole.MENTOR),
        }
        session.add_all(people.values())
        module = TrainingModule(
            guild_id=GUILD, title="Listening", content="x", minutes=120, created_at=NOW
        )
        session.add(module)
        await session.flush()
        for who in (JORDAN, SAM):
            text = SECRET if who == JORDAN else KEEP
            session.add(
                TrainingCompletion(
                    module_id=module.id,
                    member_id=people[who].id,
                    reflection=f"{text} reflection",
                    completed_at=NOW,
                    confirmed_by=STAFF,
                    confirmed_at=NOW,
                )
            )
        session.add(
            AuditEvent(
                guild_id=GUILD,
                actor_user_id=STAFF,
                action=AuditAction.EXPORT,
                subject_user_id=JORDAN,
                at=NOW,
            )
        )
    await pair_with_history(
        sessions, people[SAM], people[JORDAN], SECRET, ended=NOW - timedelta(days=400)
    )
    await pair_with_history(sessions, people[SAM], people[JORDAN], SECRET, ended=None)
    await pair_with_history(sessions, people[RILEY], people[ALEX], KEEP, ended=None)
    await checkins_and_escalations(sessions, people[JORDAN], SECRET)
    await checkins_and_escalations(sessions, people[ALEX], KEEP)
    return people


async def every_value(sessions: Sessions) -> list[tuple[str, str, Any]]:
    found = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                found += [(table.name, column, value) for column, value in row.items()]
    return found


async def row_counts(sessions: Sessions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, _, _ in await every_value(sessions):
        counts[table] = counts.get(table, 0) + 1
    return {table: n // len(Base.metadata.tables[table].columns) for table, n in counts.items()}


async def test_forget_leaves_no_user_id_and_no_free_text_anywhere(sessions: Sessions) -> None:
    people = await school(sessions)
    before = await row_counts(sessions)
    privacy = service(sessions, FixedClock(NOW))

    forgotten = await privacy.forget(GUILD, STAFF, JORDAN, no_edits)

    values = await every_value(sessions)
    assert [v for v in values if v[2] == JORDAN] == []
    assert [v for v in values if str(JORDAN) in json.dumps(v[2], default=str)] == []
    # No free text about them is left: goal text, session topics and attendance notes too.
    assert [v for v in values if SECRET in json.dumps(v[2], default=str)] == []
    erased = {(t, c) for t, c, v in values if v == ""} | {(t, c) for t, c, v in values if v is None}
    assert {("goals", "what"), ("sessions", "topic"), ("attendance", "note")} <= erased
    assert forgotten.pseudonym < 0 and any(v[2] == forgotten.pseudonym for v in values)
    # Other people's data stays; rows stay for the counts (plus one audit row).
    kept = {(t, c) for t, c, v in values if KEEP in json.dumps(v, default=str)}
    assert ("training_completions", "reflection") in kept and ("attendance", "note") in kept
    assert {("checkins", "hard"), ("escalations", "details"), ("goals", "what")} <= kept
    assert any(v[2] == SAM for v in values)
    after = await row_counts(sessions)
    assert after == before | {"audit_events": before["audit_events"] + 1}
    # Their active match was closed first; ratings survive as numbers.
    assert [p.mentor_user_id for p in forgotten.ended] == [SAM]
    async with sessions() as session:
        statuses = set(
            await session.scalars(select(Match.status).where(Match.mentee_id == people[JORDAN].id))
        )
        ratings = list(await session.scalars(select(ClosureSurvey.rating)))
        audit = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        row = await session.get(Member, people[JORDAN].id)
    assert statuses == {MatchStatus.CLOSED}
    assert ratings == [4, 4]
    assert [(a.action, a.subject_user_id) for a in audit] == [
        (AuditAction.EXPORT, forgotten.pseudonym),
        (AuditAction.FORGET, forgotten.pseudonym),
    ]
    assert row is not None and not row.active and row.interests == [] and row.grade is None
    assert row.role is ProgramRole.MENTEE  # kept for the anonymised counts
    with pytest.raises(NotFound):
        await privacy.forget(GUILD, STAFF, JORDAN, no_edits)


async def test_export_holds_every_row_about_the_member_and_is_audited(
    sessions: Sessions,
) -> None:
    people = await school(sessions)
    privacy = service(sessions, FixedClock(NOW))

    data = json.loads(json.dumps(await privacy.export(GUILD, STAFF, JORDAN)))

    tables = data["tables"]
    assert data["user_id"] == JORDAN and data["server_id"] == GUILD
    assert [row["user_id"] for row in tables["members"]] == [JORDAN]
    assert len(tables["matches"]) == 2 and len(tables["sessions"]) == 2
    assert len(tables["attendance"]) == 4 and len(tables["closure_surveys"]) == 2
    assert [r["reflection"] for r in tables["training_completions"]] == [f"{SECRET} reflection"]
    assert {r["recipient_user_id"] for r in tables["deliveries"]} == {JORDAN}
    assert tables["audit_events"][0]["subject_user_id"] == JORDAN
    assert all(r["user_id"] != ALEX for r in tables["members"])
    # Goal text, session topics and attendance notes are exported (and erased: see above).
    assert [r["what"] for r in tables["goals"]] == [f"{SECRET} goal"]
    assert {r["topic"] for r in tables["sessions"]} == {f"{SECRET} topic"}
    notes = sorted((row["note"] or "", row.get("withheld", [])) for row in tables["attendance"])
    assert notes == [("", ["covered", "note"])] * 2 + [(f"{SECRET} note", [])] * 2
    mine = {row["member_id"] == people[JORDAN].id: row for row in tables["closure_surveys"]}
    assert mine[True]["comment"] == f"{SECRET} comment" and mine[False]["comment"] is None
    assert mine[False]["rating"] == 4 and mine[False]["answers"] == {"Our meetings help me": 4}
    assert people[JORDAN].id == tables["members"][0]["id"]
    async with sessions() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert actions.count(AuditAction.EXPORT) == 2
    with pytest.raises(NotFound):
        await privacy.export(GUILD, STAFF, 999)


async def test_what_is_stored_is_counted_by_table(sessions: Sessions) -> None:
    await school(sessions)
    privacy = service(sessions, FixedClock(NOW))
    about = await privacy.stored_about(GUILD, JORDAN)
    assert about is not None and about.role is ProgramRole.MENTEE and about.grade == 8
    assert about.records["matches"] == 2 and about.records["attendance"] == 4
    assert "members" not in about.records and about.retention_days == 365
    assert await privacy.stored_about(GUILD, 999) is None
    assert await privacy.forget_preview(GUILD, JORDAN) == {
        "members": 1,
        "training_completions": 1,
        "matches": 2,
        "closure_surveys": 2,
        "sessions": 2,
        "attendance": 4,
        "signals": 2,
        "staff_contacts": 2,
        "deliveries": 2,  # Jordan's own reminders
        "audit_events": 1,
        "goals": 1,
        "checkins": 1,
        "escalations": 1,
        "escalation_events": 1,
    }


async def test_retention_empties_free_text_only_past_the_configured_days(
    sessions: Sessions,
) -> None:
    people = await school(sessions)
    recent = await pair_with_history(
        sessions, people[RILEY], people[ALEX], KEEP, ended=NOW - timedelta(days=364)
    )
    clock = FixedClock(NOW)
    privacy = service(sessions, clock, days=365)

    emptied = await privacy.purge_expired()

    values = await every_value(sessions)
    purged = {(t, c) for t, c, v in values if SECRET in json.dumps(v, default=str)}
    # The match closed 400 days ago lost its text; the active one and the 364-day one keep it.
    # Two texts each in the match, its session and two attendances; a comment in each of two
    # surveys; a note.
    assert emptied == 2 * (1 + 1 + 2) + 2 + 1
    assert ("matches", "end_reason") not in purged
    async with sessions() as session:
        kept = await session.get(Match, recent.id)
        surveys = list(await session.scalars(select(ClosureSurvey).order_by(ClosureSurvey.id)))
    assert kept is not None and kept.end_reason == f"{KEEP} ended"
    assert [(s.comment, s.rating) for s in surveys[:2]] == [(None, 4), (None, 4)]
    assert surveys[2].comment == f"{KEEP} comment"
    assert await privacy.purge_expired() == 0  # nothing left to empty: a quiet re-run
    clock.advance(timedelta(days=2))
    assert await privacy.purge_expired() == 11  # the recent match is now past its days


def test_the_daily_purge_time_is_the_next_3am_utc(sessions: Sessions) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 2, 59, tzinfo=UTC))
    privacy = service(sessions, clock)
    assert privacy.next_purge() == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    assert privacy.next_purge() == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_unlisted_integer_columns_are_not_personal() -> None:
    column = Base.metadata.tables["attendance"].columns["session_id"]
    assert not needs_classification(column) and kind_of(column).value == "not personal"
