"""Recruiting on a real database (SQLite and PostgreSQL): invitations and their counts,
student leaders' sharing, the waiting list, and the report's sign-up figures.

Only Discord is replaced (``Recorder``, a Transport that keeps what it was asked to post);
the delivery engine, its rows and the outbox are the real ones.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import RecruitingSettings, load_settings
from bot.delivery import DeliveryEngine, DeliverySettings, DmsClosed, Message, SendError
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.report_files import table_csv
from bot.services.matches import MatchService
from bot.services.privacy import PrivacyService
from bot.services.profiles import ProfileService
from bot.services.programs import ProgramService
from bot.services.recruiting import (
    MAX_MESSAGE,
    InvitationView,
    PostView,
    RecruitingService,
    dm_key,
)
from bot.services.reports import ReportService, Scope
from bot.services.training import TrainingService
from cogs import delivery_texts
from storage.db import Sessions
from storage.models import (
    DeliveryStatus,
    GuildSettings,
    InvitationAudience,
    InvitationKind,
    Match,
    MatchStatus,
    Member,
    ProgramRole,
    Signup,
)
from storage.repositories import recruiting as rows
from tests.storage.prompts import closing_notes
from tests.storage.test_personal import no_edits

GUILD, OTHER_GUILD = 1, 2
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
SETTINGS = load_settings(None, {})
LEADER_ROLE = 555
CHANNEL = 4242
STAFF = 900


class Recorder:
    """Discord's side of the delivery engine: keeps every post; DMs to ``closed`` fail
    as Discord refuses them (403 / 50007), posts to ``refused`` channels with a 403."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, Message]] = []
        self.closed: set[int] = set()
        self.refused: set[int] = set()

    async def open_dm(self, user_id: int) -> int:
        return user_id + 10**15

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        if channel_id - 10**15 in self.closed:
            raise DmsClosed("Cannot send messages to this user", 403, 50007)
        if channel_id in self.refused:
            raise SendError("Missing Access", 403, 50001)
        self.posts.append((channel_id, message))
        return len(self.posts)


class School:
    def __init__(self, sessions: Sessions, recruiting: RecruitingSettings) -> None:
        self.clock = FixedClock(NOW)
        self.sessions = sessions
        self.transport = Recorder()
        settings = DeliverySettings(rate_per_second=1e6, channel_window_seconds=1e-6)
        self.engine = DeliveryEngine(
            sessions, self.clock, self.transport, settings, delivery_texts.fallback
        )
        programs = ProgramService(sessions, self.clock, SETTINGS.program)
        self.profiles = ProfileService(sessions, self.clock, programs, SETTINGS.matching)
        self.training = TrainingService(sessions, self.clock, programs, SETTINGS.matching)
        self.matches = MatchService(sessions, self.clock, SETTINGS.matching)
        self.service = RecruitingService(
            sessions, self.clock, programs, recruiting, SETTINGS.matching, self.engine
        )

    async def join(
        self,
        user_id: int,
        role: ProgramRole,
        grade: int,
        invitation_id: int | None = None,
        guild_id: int = GUILD,
    ) -> None:
        draft = self.profiles.draft(
            role,
            grade=str(grade),
            interests="",
            focus_areas=["academics"],
            subjects="",
            availability="Mon-Fri 3-5pm",
            time_zone="America/New_York",
        )
        await self.profiles.accept(guild_id, user_id, draft, invitation_id)

    async def trained_mentor(self, user_id: int, grade: int = 11) -> None:
        await self.join(user_id, ProgramRole.MENTOR, grade)
        modules = await self.training.modules(GUILD)
        module = (
            modules[0] if modules else await self.training.add_module(GUILD, "Listening", "x", 120)
        )
        await self.training.mark_done(GUILD, user_id, module.id, "Listen first.")
        await self.training.confirm(GUILD, STAFF, user_id, module.id)

    async def staff_post(self, audience: InvitationAudience = InvitationAudience.BOTH) -> int:
        shared = await self.service.post_staff_invitation(
            GUILD, STAFF, CHANNEL, audience, "Come and join us.", build
        )
        assert shared.status is DeliveryStatus.SENT
        return shared.invitation.id

    def later(self, delta: timedelta) -> None:
        self.clock.set(self.clock.now() + delta)


def build(view: InvitationView, post: PostView) -> Message:
    return Message(content=f"invitation {view.id}, post {post.id}, {view.joined} joined")


@pytest.fixture
async def school(sessions: Sessions) -> School:
    made = School(sessions, RecruitingSettings(leader_role_ids=(LEADER_ROLE,), invites_per_day=3))
    await made.engine.start()
    return made


async def signups(sessions: Sessions) -> list[Signup]:
    async with sessions() as session:
        return list(await session.scalars(select(Signup).order_by(Signup.id)))


async def test_joins_through_a_staff_invitation_are_counted_and_credited(school: School) -> None:
    invitation = await school.staff_post()
    assert school.transport.posts[-1] == (
        CHANNEL,
        Message(content=f"invitation {invitation}, post 1, 0 joined"),
    )
    await school.join(101, ProgramRole.MENTEE, 7, invitation)
    await school.join(201, ProgramRole.MENTOR, 11, invitation)
    await school.join(102, ProgramRole.MENTEE, 7)  # /join on their own

    view = await school.service.view(invitation)
    assert view is not None and view.joined == 2
    roster = await school.service.roster(GUILD)
    assert [(c.user_id, c.role, c.kind, c.by_user_id) for c in roster.credits] == [
        (101, ProgramRole.MENTEE, InvitationKind.STAFF, STAFF),
        (201, ProgramRole.MENTOR, InvitationKind.STAFF, STAFF),
    ]
    assert [v.joined for v in roster.invitations] == [2]
    found = await signups(school.sessions)
    assert [(s.role, s.invitation_id, s.joined_at) for s in found] == [
        (ProgramRole.MENTEE, invitation, NOW),
        (ProgramRole.MENTOR, invitation, NOW),
        (ProgramRole.MENTEE, None, NOW),
    ]


async def test_a_closed_invitation_still_credits_a_join_begun_through_it(school: School) -> None:
    invitation = await school.staff_post()
    closed = await school.service.close(GUILD, STAFF, invitation)
    assert closed.closed_at == NOW
    await school.join(101, ProgramRole.MENTEE, 7, invitation)  # the form was open already
    assert (await school.service.listing(GUILD))[0].joined == 1
    with pytest.raises(UserError) as refused:
        await school.service.usable(invitation)
    assert "closed on" in refused.value.message and "ask a staff member" in refused.value.message
    with pytest.raises(UserError, match="already closed"):
        await school.service.close(GUILD, STAFF, invitation)
    assert await school.service.listing(GUILD, open_only=True) == []


async def test_an_invitation_of_another_server_is_neither_credited_nor_closed_from_here(
    school: School,
) -> None:
    invitation = await school.staff_post()
    await school.join(301, ProgramRole.MENTEE, 7, invitation, guild_id=OTHER_GUILD)
    assert (await school.service.listing(GUILD))[0].joined == 0
    assert [s.invitation_id for s in await signups(school.sessions)] == [None]
    with pytest.raises(NotFound, match="no invitation #"):
        await school.service.close(OTHER_GUILD, STAFF, invitation)
    with pytest.raises(NotFound):
        await school.service.usable(invitation + 100)


async def test_a_message_over_the_limit_is_refused_before_anything_is_saved(
    school: School,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await school.service.post_staff_invitation(
            GUILD, STAFF, CHANNEL, InvitationAudience.BOTH, "x" * (MAX_MESSAGE + 1), build
        )
    assert f"under {MAX_MESSAGE} characters" in refused.value.message
    assert f"yours has {MAX_MESSAGE + 1}" in refused.value.message
    assert await school.service.listing(GUILD) == []
    assert school.transport.posts == []
    assert school.service.check_message("  ") is None
    assert school.service.check_message(" hi ") == "hi"


async def test_a_post_discord_refuses_leaves_no_invitation_open(school: School) -> None:
    school.transport.refused.add(CHANNEL)
    shared = await school.service.post_staff_invitation(
        GUILD, STAFF, CHANNEL, InvitationAudience.MENTORS, None, build
    )
    assert shared.status is DeliveryStatus.FAILED
    assert shared.invitation.closed_at is not None
    assert await school.service.listing(GUILD, open_only=True) == []


async def matched_mentor(school: School) -> int:
    """A trained mentor (201) with a mentee (101): a student leader."""
    await school.trained_mentor(201)
    await school.join(101, ProgramRole.MENTEE, 7)
    await school.matches.create(GUILD, STAFF, 201, 101)
    return 201


async def test_who_is_a_student_leader(school: School) -> None:
    await school.trained_mentor(202)  # a mentor, but no mentee yet
    with pytest.raises(NotAllowed) as refused:
        await school.service.ensure_leader(GUILD, 202, [])
    assert "mentors who have a mentee" in refused.value.message
    assert "leader role chosen by staff" in refused.value.message
    with pytest.raises(NotAllowed):
        await school.service.ensure_leader(GUILD, 401, [1, 2])  # not even in the program
    await school.service.ensure_leader(GUILD, 401, [LEADER_ROLE])  # the configured role
    await school.service.ensure_leader(GUILD, await matched_mentor(school), [])


async def test_a_leader_dms_a_classmate_once_never_via_the_program_channel(
    school: School,
) -> None:
    leader = await matched_mentor(school)
    async with school.sessions.begin() as session:
        program = await session.get(GuildSettings, GUILD)
        assert program is not None
        program.program_channel_id = 777  # a closed DM must not be posted about here
    shared = await school.service.share_as_leader(
        GUILD, leader, [], channel_id=None, classmate_user_id=501, named=True, build=build
    )
    assert shared.status is DeliveryStatus.SENT
    assert shared.invitation.kind is InvitationKind.LEADER
    assert school.transport.posts[-1][0] == 501 + 10**15
    assert await school.engine.message_id(dm_key(shared.invitation.id, 501)) is not None
    with pytest.raises(UserError, match="already sent <@501>"):
        await school.service.share_as_leader(
            GUILD, leader, [], channel_id=None, classmate_user_id=501, named=False, build=build
        )

    school.transport.closed.add(502)
    closed = await school.service.share_as_leader(
        GUILD, leader, [], channel_id=None, classmate_user_id=502, named=False, build=build
    )
    assert closed.status is DeliveryStatus.FAILED
    assert all(channel != 777 for channel, _ in school.transport.posts)
    assert closed.invitation.id == shared.invitation.id  # one invitation per leader


async def test_a_leader_cannot_invite_themselves_or_a_member_and_shares_a_few_times_a_day(
    school: School,
) -> None:
    leader = await matched_mentor(school)
    with pytest.raises(InvalidInput, match="not yourself"):
        await school.service.share_as_leader(
            GUILD, leader, [], channel_id=None, classmate_user_id=leader, named=False, build=build
        )
    with pytest.raises(UserError, match="already in the program"):
        await school.service.share_as_leader(
            GUILD, leader, [], channel_id=None, classmate_user_id=101, named=False, build=build
        )
    for _ in range(3):
        shared = await school.service.share_as_leader(
            GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=False, build=build
        )
        assert shared.status is DeliveryStatus.SENT and shared.post.channel_id == CHANNEL
    with pytest.raises(UserError, match="3 times today"):
        await school.service.share_as_leader(
            GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=False, build=build
        )
    school.later(DAY)
    await school.service.share_as_leader(
        GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=False, build=build
    )
    assert len(await school.service.channel_posts(shared.invitation.id)) == 4


async def test_after_staff_close_a_leaders_invitation_the_next_share_opens_a_new_one(
    school: School,
) -> None:
    leader = await matched_mentor(school)
    first = await school.service.share_as_leader(
        GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=False, build=build
    )
    await school.service.close(GUILD, STAFF, first.invitation.id)
    second = await school.service.share_as_leader(
        GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=False, build=build
    )
    assert second.invitation.id != first.invitation.id and second.invitation.is_open


async def test_the_waiting_list_is_in_order_with_free_places(school: School) -> None:
    await school.join(101, ProgramRole.MENTEE, 7)
    school.later(timedelta(hours=1))
    await school.join(102, ProgramRole.MENTEE, 7)
    school.later(timedelta(hours=1))
    await school.join(103, ProgramRole.MENTEE, 7)
    await school.join(209, ProgramRole.MENTOR, 11)  # not trained: no places

    first = await school.service.place(GUILD, 101)
    third = await school.service.place(GUILD, 103)
    assert first is not None and (first.position, first.ahead, first.free_places) == (1, 0, 0)
    assert first.on_waiting_list
    assert third is not None and third.ahead == 2 and third.on_waiting_list

    await school.trained_mentor(201)  # 2 places
    third = await school.service.place(GUILD, 103)
    second = await school.service.place(GUILD, 102)
    assert second is not None and not second.on_waiting_list  # 1 ahead, 2 places
    assert third is not None and third.on_waiting_list  # 2 ahead take both places

    await school.matches.create(GUILD, STAFF, 201, 101)
    assert await school.service.place(GUILD, 101) is None  # matched: off the list
    roster = await school.service.roster(GUILD)
    assert [w.user_id for w in roster.waiting] == [102, 103] and roster.free_places == 1
    assert await school.service.place(GUILD, 201) is None  # a mentor never waits


async def test_a_mentee_whose_match_ended_waits_from_the_end(school: School) -> None:
    await school.trained_mentor(201)
    await school.join(101, ProgramRole.MENTEE, 7)
    await school.matches.create(GUILD, STAFF, 201, 101)
    school.later(DAY)
    await school.join(102, ProgramRole.MENTEE, 7)
    school.later(DAY)
    await school.matches.end(GUILD, STAFF, 201, 101, "moved classes", closing_notes)

    roster = await school.service.roster(GUILD)
    assert [(w.user_id, w.since) for w in roster.waiting] == [
        (102, NOW + DAY),
        (101, NOW + 2 * DAY),
    ]


async def test_leaving_takes_a_mentee_off_the_list(school: School) -> None:
    await school.join(101, ProgramRole.MENTEE, 7)
    await school.join(102, ProgramRole.MENTEE, 7)
    await school.matches.leave(GUILD, 101, closing_notes)
    place = await school.service.place(GUILD, 102)
    assert place is not None and place.position == 1


async def add_signup(
    sessions: Sessions,
    member: int,
    role: ProgramRole,
    at: datetime,
    invitation: int | None = None,
) -> None:
    async with sessions.begin() as session:
        await rows.add_signup(session, GUILD, member, role, invitation, at)


async def test_the_report_counts_signups_per_source_leader_week_and_time_to_match(
    school: School, sessions: Sessions
) -> None:
    """Period: the 30 days to NOW (Monday 2026-11-23). Sign-ups: 3 with /join, 2 through
    staff invitation S, 3 through leader 201's invitation L (one of them before the period).
    Mentee 104 joined 10 days ago and was matched 4 days later; 105 joined 3 days ago
    and left and re-joined a day later, matched 1 day after that (only the re-joining
    counts: 1 day); 106 and 107 still wait, since 8 and 2 days ago."""
    await school.staff_post()
    async with sessions.begin() as session:
        staff_post = (await rows.invitations(session, GUILD))[0].id
        leader = await rows.add_invitation(
            session, GUILD, InvitationKind.LEADER, InvitationAudience.BOTH, None, 201, NOW
        )
        leader_id = leader.id
        ids = {}
        for user in (101, 102, 103, 104, 105, 106, 107, 201, 202, 203):
            role = ProgramRole.MENTOR if user > 200 else ProgramRole.MENTEE
            row = Member(
                guild_id=GUILD,
                user_id=user,
                role=role,
                grade=11 if user > 200 else 7,
                active=True,
                consented_at=NOW - 40 * DAY,
                created_at=NOW - 40 * DAY,
                updated_at=NOW,
            )
            session.add(row)
            await session.flush()
            ids[user] = row.id
        for user, since in ((106, 8), (107, 2)):
            (await session.get(Member, ids[user])).consented_at = NOW - since * DAY  # type: ignore[union-attr]
        session.add_all(
            [
                Match(
                    guild_id=GUILD,
                    mentor_id=ids[mentor],
                    mentee_id=ids[mentee],
                    status=MatchStatus.ACTIVE,
                    created_by=STAFF,
                    created_at=NOW - days * DAY,
                )
                for mentor, mentee, days in ((201, 104, 6), (202, 105, 1), (203, 101, 39))
            ]
        )
    monday = NOW - 7 * DAY  # 2026-11-16
    for user, role, at, invitation in (
        (101, ProgramRole.MENTEE, NOW - 40 * DAY, None),  # before the period
        (102, ProgramRole.MENTEE, monday + DAY, None),
        (103, ProgramRole.MENTEE, monday + 2 * DAY, leader_id),
        (104, ProgramRole.MENTEE, NOW - 10 * DAY, staff_post),
        (105, ProgramRole.MENTEE, NOW - 3 * DAY, leader_id),
        (105, ProgramRole.MENTEE, NOW - 2 * DAY, None),
        (106, ProgramRole.MENTEE, NOW - 8 * DAY, staff_post),
        (201, ProgramRole.MENTOR, NOW - 20 * DAY, leader_id),
        (202, ProgramRole.MENTOR, NOW - 45 * DAY, leader_id),  # before the period
    ):
        await add_signup(sessions, ids[user], role, at, invitation)

    report = await ReportService(sessions, school.clock, SETTINGS.report).build(
        Scope(GUILD, NOW - 30 * DAY, NOW)
    )

    figures = report.figures
    assert figures["signups"] == 7
    assert figures["signups_invited"] == 5
    assert figures["days_to_match_median"] == 2.5  # 4 days and 1 day
    assert figures["days_to_match_longest"] == 4.0
    assert figures["mentees_waiting"] == 4  # 102, 103, 106, 107 (101, 104, 105 matched)
    assert figures["longest_wait_days"] == 40.0  # 102 and 103 joined (consented) 40 days ago

    def table(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(table_csv(report.table(name), report.names).decode())))

    assert table("signups_by_source")[1:] == [
        ["join", "", "", "0", "2"],
        ["staff", str(staff_post), str(STAFF), "0", "2"],
        ["leader", str(leader_id), "201", "1", "2"],
    ]
    assert table("signups_by_leader")[1:] == [["201", "3", "1", "2"]]
    per_week = {row[0]: row[1:] for row in table("signups_per_week")[1:]}
    assert per_week["2026-11-16"] == ["2", "0", "2", "4"]  # 102 and 105; 103 and 105
    assert per_week["2026-11-09"] == ["0", "2", "0", "2"]  # 104 and 106 (Sunday the 15th)
    assert per_week["2026-11-02"] == ["0", "0", "1", "1"]  # 201
    assert per_week["2026-11-23"] == ["0", "0", "0", "0"]
    assert table("time_to_match_per_week")[1:][-2:] == [
        ["2026-11-16", "2", "2.5", "4.0"],
        ["2026-11-23", "0", "", ""],
    ]
    waiting = table("waiting_list")[1:]
    assert [row[1] for row in waiting] == ["102", "103", "106", "107"]
    assert waiting[-1][3] == "2.0"
    chart = next(c for c in report.charts if c.name == "signups_per_week")
    assert sum(chart.values) == 7


async def test_an_empty_period_has_no_time_to_match(school: School, sessions: Sessions) -> None:
    report = await ReportService(sessions, school.clock, SETTINGS.report).build(
        Scope(GUILD, NOW - 7 * DAY, NOW)
    )
    assert report.figures["signups"] == 0
    assert report.figures["days_to_match_median"] is None
    assert report.figures["longest_wait_days"] is None
    assert report.table("signups_by_source").rows == ()


def test_settings_read_the_recruiting_section() -> None:
    assert SETTINGS.recruiting == RecruitingSettings(leader_role_ids=(), invites_per_day=10)
    assert replace(SETTINGS.recruiting, invites_per_day=1).invites_per_day == 1


async def test_forgetting_a_leader_keeps_the_counts_of_those_they_invited(
    school: School, sessions: Sessions
) -> None:
    leader = await matched_mentor(school)
    shared = await school.service.share_as_leader(
        GUILD, leader, [], channel_id=CHANNEL, classmate_user_id=None, named=True, build=build
    )
    await school.join(501, ProgramRole.MENTEE, 7, shared.invitation.id)
    privacy = PrivacyService(sessions, school.clock, SETTINGS.privacy, school.matches)

    exported = await privacy.export(GUILD, STAFF, leader)
    assert [row["id"] for row in exported["tables"]["invitations"]] == [shared.invitation.id]
    assert len(exported["tables"]["signups"]) == 1  # the leader's own, not 501's
    assert "invitations" in (await privacy.stored_about(GUILD, leader)).records  # type: ignore[union-attr]
    await privacy.forget(GUILD, STAFF, leader, no_edits)

    roster = await school.service.roster(GUILD)
    (credit,) = [c for c in roster.credits if c.user_id == 501]
    assert credit.by_user_id < 0  # the leader's pseudonym
    assert (await school.service.view(shared.invitation.id)).joined == 1  # type: ignore[union-attr]
    invited = await privacy.stored_about(GUILD, 501)
    assert invited is not None and invited.active and invited.records["signups"] == 1
