"""The database schema: SQLAlchemy 2 declarative models.

Every datetime column is timezone-aware and stored as UTC (``UTCDateTime``); SQLite, which
has no time zones, hands back naive values that are re-tagged as UTC on the way out.
Enumerations are stored as short strings with a CHECK constraint, so both SQLite and
PostgreSQL hold the same schema and a new value is a plain migration. Every text column
(``CleanString``, ``CleanText``, ``CleanJSON``) drops what no database takes (NUL, lone
surrogates; see bot/text.py) as it is written, whoever writes it.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.text import clean, clean_json

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CleanString(TypeDecorator[str]):
    """A ``String(length)`` whose values are cleaned (bot/text.py) on the way in."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean(value) if isinstance(value, str) else value


class CleanText(CleanString):
    """A ``Text`` whose values are cleaned on the way in."""

    impl = Text
    cache_ok = True


class CleanJSON(TypeDecorator[Any]):
    """A ``JSON`` value whose strings (keys too) are cleaned on the way in."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProgramRole(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    STAFF = "staff"


class DmStatus(enum.StrEnum):
    UNKNOWN = "unknown"
    OPEN = "open"
    CLOSED = "closed"


def _str_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class GuildSettings(Base):
    """One mentoring program per Discord server, configured by staff with /setup."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    staff_role_id: Mapped[int | None] = mapped_column(BigInteger)
    escalation_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # Where prompts go for a student with DMs closed and no pair channel (optional).
    program_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    mentoring_category_id: Mapped[int | None] = mapped_column(BigInteger)
    time_zone: Mapped[str] = mapped_column(CleanString(64))
    checkin_weekday: Mapped[int] = mapped_column(Integer)
    checkin_time: Mapped[time] = mapped_column(Time)
    #: The language of staff posts and of the program's shared channels ("en", "es").
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Since when the daily check has found the escalation channel readable by others than
    # staff (None: private): escalation posts then carry only their number and urgency.
    staff_channel_exposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_configured(self) -> bool:
        """True once /setup has named the staff role and the escalation channel."""
        return self.staff_role_id is not None and self.escalation_channel_id is not None


class Member(Base):
    """A person in a server's program. Holds only what the program needs."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[ProgramRole | None] = mapped_column(_str_enum(ProgramRole, "program_role"))
    time_zone: Mapped[str | None] = mapped_column(CleanString(64))
    dm_status: Mapped[DmStatus] = mapped_column(
        _str_enum(DmStatus, "dm_status"), default=DmStatus.UNKNOWN
    )
    # The profile, stored only once the member has accepted the privacy notice.
    grade: Mapped[int | None] = mapped_column(Integer)
    interests: Mapped[list[str]] = mapped_column(
        CleanJSON, default=list, server_default=text("'[]'")
    )
    focus_areas: Mapped[list[str]] = mapped_column(
        CleanJSON, default=list, server_default=text("'[]'")
    )
    subjects: Mapped[list[str]] = mapped_column(
        CleanJSON, default=list, server_default=text("'[]'")
    )
    availability: Mapped[list[list[str | int]]] = mapped_column(
        CleanJSON, default=list, server_default=text("'[]'")
    )
    capacity: Mapped[int | None] = mapped_column(Integer)  # mentors: most mentees at once
    # The server display name seen on the member's last interaction (no members intent).
    display_name: Mapped[str | None] = mapped_column(CleanString(100))
    #: The language of the member's DMs and scheduled prompts ("en", "es"): seeded from their
    #: Discord locale at /join, changed with /language.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BotState(Base):
    """Small values the bot keeps between starts, by key (e.g. the synced commands' hash)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MatchStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class TrainingModule(Base):
    """A piece of mentor training defined by staff."""

    __tablename__ = "training_modules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(CleanString(100))
    content: Mapped[str] = mapped_column(CleanString(1000))
    minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrainingCompletion(Base):
    """A mentor's completion of a module, with a reflection, confirmed by staff."""

    __tablename__ = "training_completions"
    __table_args__ = (UniqueConstraint("module_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reflection: Mapped[str] = mapped_column(CleanString(200))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Match(Base):
    """A mentor paired with a mentee, from creation by staff to closure."""

    __tablename__ = "matches"
    __table_args__ = (
        Index(
            "uq_matches_active_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[MatchStatus] = mapped_column(
        _str_enum(MatchStatus, "match_status"), default=MatchStatus.ACTIVE
    )
    score: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[int] = mapped_column(BigInteger)
    override_reason: Mapped[str | None] = mapped_column(CleanString(300))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    voice_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(BigInteger)
    end_reason: Mapped[str | None] = mapped_column(CleanString(300))
    # A closed match's channel made read-only and its closing notices written; None on a
    # closed match: the bot stopped in between, and finishes it at start.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its mid-point survey DMs were written: the hourly re-plan skips it from then on.
    midpoint_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClosureSurvey(Base):
    """One member's answers to the short survey sent when their match closes."""

    __tablename__ = "closure_surveys"
    __table_args__ = (UniqueConstraint("match_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)  # overall, 1 (badly) to 5 (great)
    answers: Mapped[dict[str, int]] = mapped_column(CleanJSON)  # statement -> 1-5, as asked
    comment: Mapped[str | None] = mapped_column(CleanText)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MidpointSurvey(Base):
    """One member's answers to the survey sent some weeks into their match."""

    __tablename__ = "midpoint_surveys"
    __table_args__ = (UniqueConstraint("match_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, int]] = mapped_column(CleanJSON)  # statement -> 1-5, as asked
    comment: Mapped[str | None] = mapped_column(CleanString(1000))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Place(enum.StrEnum):
    VOICE = "voice"
    VIDEO = "video"
    IN_PERSON = "in-person"


class AttendanceAnswer(enum.StrEnum):
    HAPPENED = "happened"
    RESCHEDULED = "rescheduled"
    NO_SHOW = "no-show"


class MentoringSession(Base):
    """A meeting of a pair. A weekly series shares ``series_id`` (the first session's id)."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_starts_at_status", "starts_at", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str | None] = mapped_column(CleanString(200))
    place: Mapped[Place] = mapped_column(_str_enum(Place, "session_place"))
    place_detail: Mapped[str | None] = mapped_column(CleanString(300))
    status: Mapped[SessionStatus] = mapped_column(_str_enum(SessionStatus, "session_status"))
    proposed_by: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    invitee: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attendance(Base):
    """A member's answer to "Did it happen?" after a session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[AttendanceAnswer] = mapped_column(_str_enum(AttendanceAnswer, "attendance"))
    covered: Mapped[list[str]] = mapped_column(CleanJSON, default=list, server_default=text("'[]'"))
    note: Mapped[str | None] = mapped_column(CleanString(500))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Holiday(Base):
    """A program day off: no session is scheduled on it."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("guild_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(CleanString(100))


class Signal(Base):
    """Something staff may need to know, kept for the escalation rules."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(CleanString(40))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    # Where the words of a concern are (never copied here): a check-in's answers, a
    # mentor's check-in, a goal, or a session (its topic and the member's attendance note).
    # Plain ids: each belongs to ``member_id`` (or its match), whose removal removes this.
    checkin_id: Mapped[int | None] = mapped_column(Integer)
    mentor_checkin_id: Mapped[int | None] = mapped_column(Integer)
    goal_id: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once the escalation rules have applied it; a signal without it is applied at start.
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"  # as a DM, or posted in the channel it was addressed to
    FALLBACK = "fallback"  # DMs closed: posted in the pair's (or the program's) channel
    FAILED = "failed"
    EXPIRED = "expired"  # its deadline passed before it could be sent: never sent
    UNCERTAIN = "uncertain"  # may have been sent before a crash; not sent again


class Delivery(Base):
    """One outbound prompt, written before it is sent: its key is never sent twice.

    The message itself is kept (``payload``) while it is pending, so a restart resumes it;
    ``nonce`` goes with every attempt so Discord drops a repeat of a send that did land.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_priority", "status", "priority"),
        Index("ix_deliveries_guild_id_created_at", "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(CleanString(200), unique=True)
    kind: Mapped[str] = mapped_column(CleanString(40))
    recipient_user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(_str_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(CleanString(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    nonce: Mapped[str | None] = mapped_column(CleanString(25))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)  # a post, not a DM
    fallback_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(CleanJSON)  # cleared once done
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # After this instant the prompt is marked expired instead of sent (None: no deadline).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stamped before a request for it leaves (kept at the earliest one that may have
    # landed): a pending row with a stamp may have been sent before a crash.
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DmChannel(Base):
    """A user's DM channel id, so a prompt needs no create-DM request after the first."""

    __tablename__ = "dm_channels"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Urgency(enum.StrEnum):
    CAN_WAIT = "can_wait"
    TODAY = "today"
    RIGHT_NOW = "right_now"


class EscalationStatus(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


#: An escalation's ``source`` when a person raised it with /help-me.
MANUAL = "manual"


class Escalation(Base):
    """A student staff must hear about: raised by a person, or by a rule from signals.

    At most one open (not resolved) escalation per student per rule; manual ones are never
    merged. Nothing is deleted: every change is an ``EscalationEvent``.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        Index(
            "uq_escalations_open_rule",
            "member_id",
            "source",
            unique=True,
            sqlite_where=text("status != 'resolved' AND source != 'manual'"),
            postgresql_where=text("status != 'resolved' AND source != 'manual'"),
        ),
        Index("ix_escalations_guild_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(CleanString(40))  # MANUAL or a signal kind / concern rule
    #: User id of who asked (/help-me) or reported it (a mentor's words about their mentee);
    #: None: a rule on the student's own data.
    raised_by: Mapped[int | None] = mapped_column(BigInteger)
    category: Mapped[str | None] = mapped_column(CleanString(40))
    urgency: Mapped[Urgency] = mapped_column(_str_enum(Urgency, "urgency"))
    details: Mapped[str | None] = mapped_column(CleanString(2000))  # never logged
    status: Mapped[EscalationStatus] = mapped_column(
        _str_enum(EscalationStatus, "escalation_status"), default=EscalationStatus.OPEN
    )
    assignee: Mapped[int | None] = mapped_column(BigInteger)  # staff user id
    sla_stage: Mapped[int] = mapped_column(Integer, default=0)  # 1 re-pinged, 2 next tier
    channel_id: Mapped[int | None] = mapped_column(BigInteger)  # the staff post, when posted
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EscalationEvent(Base):
    """One step of an escalation's timeline: who did what, when (the audit trail)."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[int | None] = mapped_column(BigInteger)  # user id; None: the bot
    action: Mapped[str] = mapped_column(CleanString(24))
    note: Mapped[str | None] = mapped_column(CleanString(1000))  # never logged
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EscalationRule(Base):
    """A server's own urgency for a signal kind, over the config's default ("off": none)."""

    __tablename__ = "escalation_rules"
    __table_args__ = (UniqueConstraint("guild_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(CleanString(40))
    urgency: Mapped[str] = mapped_column(CleanString(16))  # an Urgency value or "off"
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GoalStatus(enum.StrEnum):
    PROPOSED = "proposed"  # by the mentor, waiting for the mentee
    ACTIVE = "active"
    DONE = "done"
    DROPPED = "dropped"
    DECLINED = "declined"  # a proposal the mentee turned down


class Goal(Base):
    """A mentee's SMART goal: what, why it matters, how we will know, by when."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_member_id_status", "member_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(CleanString(100))
    why: Mapped[str] = mapped_column(CleanString(300))
    measure: Mapped[str] = mapped_column(CleanString(300))
    due_on: Mapped[date] = mapped_column(Date)
    focus_area: Mapped[str] = mapped_column(CleanString(30))
    status: Mapped[GoalStatus] = mapped_column(_str_enum(GoalStatus, "goal_status"))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckinStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    MISSED = "missed"


class Checkin(Base):
    """A mentee's weekly check-in: opened when due, answered once or marked missed.

    ``week`` is the Monday of the mentee's local week, so a week holds one check-in even
    when its day changes. ``went_well``, ``hard`` and ``staff_note`` are the student's own
    words: never logged; ``staff_note`` and ``reach_out`` are never shown to the mentor.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("member_id", "week"),
        Index("ix_checkins_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[CheckinStatus] = mapped_column(_str_enum(CheckinStatus, "checkin_status"))
    mood: Mapped[int | None] = mapped_column(Integer)
    # [[goal id, progress 1-5], ...] for the goals active when it was answered
    progress: Mapped[list[list[int]]] = mapped_column(
        CleanJSON, default=list, server_default=text("'[]'")
    )
    went_well: Mapped[str | None] = mapped_column(CleanString(1000))
    hard: Mapped[str | None] = mapped_column(CleanString(1000))
    staff_note: Mapped[str | None] = mapped_column(CleanString(1000))
    reach_out: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckinPreference(Base):
    """A mentee's own check-in day and time (in their zone), and a pause for a vacation."""

    __tablename__ = "checkin_preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    weekday: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[time | None] = mapped_column(Time)
    paused_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentorCheckin(Base):
    """A mentor's answers to the every-week (or fortnight) mentor check-in."""

    __tablename__ = "mentor_checkins"
    __table_args__ = (UniqueConstraint("member_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    met: Mapped[bool] = mapped_column(Boolean)
    going: Mapped[int] = mapped_column(Integer)
    concern: Mapped[str | None] = mapped_column(CleanString(1000))
    needs_support: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditAction(enum.StrEnum):
    EXPORT = "export"
    FORGET = "forget"


class AuditEvent(Base):
    """A use of a member's data rights by staff: who, when, what, about whom.

    ``subject_user_id`` is pseudonymised like every other stored user id when the member is
    forgotten, so the trail stays without naming them.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[AuditAction] = mapped_column(_str_enum(AuditAction, "audit_action"))
    subject_user_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffContact(Base):
    """A staff member's check-in with a mentoring pair, with a short note."""

    __tablename__ = "staff_contacts"
    __table_args__ = (Index("ix_staff_contacts_match_id_contacted_at", "match_id", "contacted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    staff_user_id: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(CleanString(500))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InvitationKind(enum.StrEnum):
    STAFF = "staff"  # posted by staff with /staff recruit post
    LEADER = "leader"  # a student leader's own, from /invite


class InvitationAudience(enum.StrEnum):
    MENTORS = "mentors"
    MENTEES = "mentees"
    BOTH = "both"


class Invitation(Base):
    """A standing invitation to join: a staff post, or a student leader's own (/invite).

    Sign-ups through it point at it (``Signup.invitation_id``); ``created_by`` is the staff
    member or the leader credited. Closed invitations take no more sign-ups.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_guild_id_created_by", "guild_id", "created_by"),
        Index(  # one open invitation per student leader
            "uq_invitations_open_leader",
            "guild_id",
            "created_by",
            unique=True,
            sqlite_where=text("kind = 'leader' AND closed_at IS NULL"),
            postgresql_where=text("kind = 'leader' AND closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    kind: Mapped[InvitationKind] = mapped_column(_str_enum(InvitationKind, "invitation_kind"))
    audience: Mapped[InvitationAudience] = mapped_column(
        _str_enum(InvitationAudience, "invitation_audience")
    )
    message: Mapped[str | None] = mapped_column(String(2000))  # staff's words on the post
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)


class InvitationPost(Base):
    """One sharing of an invitation: a post in ``channel_id`` (edited to show its count and
    when it closes), or a DM to one classmate (``channel_id`` None). Its message is the
    delivery under ``recruit-post:{id}`` (a post) or ``recruit-dm:{invitation}:{user}``."""

    __tablename__ = "invitation_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    named: Mapped[bool] = mapped_column(Boolean)  # the leader agreed to be named on it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Signup(Base):
    """One joining of the program (consent accepted): when, as what, and through which
    invitation (None: ``/join`` on their own). The report's sign-up figures count these."""

    __tablename__ = "signups"
    __table_args__ = (Index("ix_signups_guild_id_joined_at", "guild_id", "joined_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[ProgramRole] = mapped_column(_str_enum(ProgramRole, "program_role"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuardianConsent(Base):
    """Whether the school holds a parent's or guardian's consent for a student, as staff
    recorded it (``[privacy] require_guardian_consent`` makes matching wait for it)."""

    __tablename__ = "guardian_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    on_file: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(300))  # never logged
    recorded_by: Mapped[int] = mapped_column(BigInteger)  # staff user id
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttendanceReview(Base):
    """Staff's word on a session the pair answered differently (the mentor "happened", the
    mentee "no-show" or "rescheduled"): until there is one, it earns no service hours."""

    __tablename__ = "attendance_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), unique=True
    )
    happened: Mapped[bool] = mapped_column(Boolean)
    reviewed_by: Mapped[int] = mapped_column(BigInteger)  # staff user id
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
