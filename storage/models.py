"""The database schema: SQLAlchemy 2 declarative models.

Every datetime column is timezone-aware and stored as UTC (``UTCDateTime``); SQLite, which
has no time zones, hands back naive values that are re-tagged as UTC on the way out.
Enumerations are stored as short strings with a CHECK constraint, so both SQLite and
PostgreSQL hold the same schema and a new value is a plain migration.
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
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
    time_zone: Mapped[str] = mapped_column(String(64))
    checkin_weekday: Mapped[int] = mapped_column(Integer)
    checkin_time: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

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
    user_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[ProgramRole | None] = mapped_column(_str_enum(ProgramRole, "program_role"))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    dm_status: Mapped[DmStatus] = mapped_column(
        _str_enum(DmStatus, "dm_status"), default=DmStatus.UNKNOWN
    )
    # The profile, stored only once the member has accepted the privacy notice.
    grade: Mapped[int | None] = mapped_column(Integer)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    focus_areas: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    availability: Mapped[list[list[str | int]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    capacity: Mapped[int | None] = mapped_column(Integer)  # mentors: most mentees at once
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
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
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(String(1000))
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
    reflection: Mapped[str] = mapped_column(String(200))
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
    override_reason: Mapped[str | None] = mapped_column(String(300))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    voice_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(BigInteger)
    end_reason: Mapped[str | None] = mapped_column(String(300))


class ClosureSurvey(Base):
    """One member's answers to the short survey sent when their match closes."""

    __tablename__ = "closure_surveys"
    __table_args__ = (UniqueConstraint("match_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    helped: Mapped[str] = mapped_column(String(1000))
    change: Mapped[str] = mapped_column(String(1000))
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
    topic: Mapped[str | None] = mapped_column(String(200))
    place: Mapped[Place] = mapped_column(_str_enum(Place, "session_place"))
    place_detail: Mapped[str | None] = mapped_column(String(300))
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
    covered: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    note: Mapped[str | None] = mapped_column(String(500))
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
    label: Mapped[str] = mapped_column(String(100))


class Signal(Base):
    """Something staff may need to know, kept for the escalation rules."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guild_settings.guild_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"  # as a DM, or posted in the channel it was addressed to
    FALLBACK = "fallback"  # DMs closed: posted in the pair's (or the program's) channel
    FAILED = "failed"


class Delivery(Base):
    """One outbound prompt, written before it is sent: its key is never sent twice.

    The message itself is kept (``payload``) while it is pending, so a restart resumes it;
    ``nonce`` goes with every attempt so Discord drops a repeat of a send that did land.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_priority", "status", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(_str_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    nonce: Mapped[str | None] = mapped_column(String(25))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)  # a post, not a DM
    fallback_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # cleared once done
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class DmChannel(Base):
    """A user's DM channel id, so a prompt needs no create-DM request after the first."""

    __tablename__ = "dm_channels"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
