"""What personal data each column holds, kept apart from the models.

Erasure, export, retention and /privacy are driven by this table and by the foreign keys
in ``Base.metadata``, so a new table is covered once its columns are classified here.
``tests/storage/test_personal.py`` fails for any text, JSON or big-integer column that is
not listed (enumerations hold fixed values and are never personal).
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Enum, String, Text, TypeDecorator
from sqlalchemy.types import TypeEngine


class Kind(enum.StrEnum):
    USER_ID = "user id"  # a Discord user id: replaced by a pseudonym on erasure
    USER_KEY = "key with user id"  # text whose ':'-separated parts may be a user id
    PROFILE = "profile"  # what a member told the program about themselves: cleared
    FREE_TEXT = "free text"  # what a person typed: cleared on erasure and after retention
    NOT_PERSONAL = "not personal"  # server, channel and role ids, program settings, labels


C = Kind
CLASSIFICATION: dict[str, Kind] = {
    # guild_settings: the program's own settings
    "guild_settings.guild_id": C.NOT_PERSONAL,
    "guild_settings.staff_role_id": C.NOT_PERSONAL,
    "guild_settings.escalation_channel_id": C.NOT_PERSONAL,
    "guild_settings.mentoring_category_id": C.NOT_PERSONAL,
    "guild_settings.time_zone": C.NOT_PERSONAL,
    "guild_settings.language": C.NOT_PERSONAL,
    # members
    "members.guild_id": C.NOT_PERSONAL,
    "members.user_id": C.USER_ID,
    "members.time_zone": C.PROFILE,
    "members.grade": C.PROFILE,
    "members.interests": C.PROFILE,
    "members.focus_areas": C.PROFILE,
    "members.subjects": C.PROFILE,
    "members.availability": C.PROFILE,
    "members.capacity": C.PROFILE,
    "members.display_name": C.PROFILE,
    "members.language": C.NOT_PERSONAL,  # "en" or "es", never empty: what its DMs are in
    # the bot's own state
    "bot_state.key": C.NOT_PERSONAL,
    "bot_state.value": C.NOT_PERSONAL,
    # training
    "training_modules.guild_id": C.NOT_PERSONAL,
    "training_modules.title": C.NOT_PERSONAL,
    "training_modules.content": C.NOT_PERSONAL,
    "training_completions.reflection": C.FREE_TEXT,
    "training_completions.confirmed_by": C.USER_ID,
    # matches and their surveys
    "matches.guild_id": C.NOT_PERSONAL,
    "matches.created_by": C.USER_ID,
    "matches.override_reason": C.FREE_TEXT,
    "matches.channel_id": C.NOT_PERSONAL,
    "matches.voice_channel_id": C.NOT_PERSONAL,
    "matches.ended_by": C.USER_ID,
    "matches.end_reason": C.FREE_TEXT,
    "closure_surveys.answers": C.NOT_PERSONAL,  # Likert figures, counted in the report
    "closure_surveys.comment": C.FREE_TEXT,
    "midpoint_surveys.answers": C.NOT_PERSONAL,  # Likert figures, counted in the report
    "midpoint_surveys.comment": C.FREE_TEXT,
    # sessions
    "sessions.guild_id": C.NOT_PERSONAL,
    "sessions.topic": C.FREE_TEXT,
    "sessions.place_detail": C.FREE_TEXT,
    "attendance.covered": C.FREE_TEXT,
    "attendance.note": C.FREE_TEXT,
    "holidays.guild_id": C.NOT_PERSONAL,
    "holidays.label": C.NOT_PERSONAL,
    # signals and deliveries
    "signals.guild_id": C.NOT_PERSONAL,
    "signals.kind": C.NOT_PERSONAL,
    "deliveries.key": C.USER_KEY,
    "deliveries.kind": C.NOT_PERSONAL,
    "deliveries.recipient_user_id": C.USER_ID,
    "deliveries.last_error": C.NOT_PERSONAL,  # an exception's class name
    "deliveries.guild_id": C.NOT_PERSONAL,
    "deliveries.nonce": C.NOT_PERSONAL,  # a hash of the key
    "deliveries.channel_id": C.NOT_PERSONAL,
    "deliveries.fallback_channel_id": C.NOT_PERSONAL,
    "deliveries.payload": C.FREE_TEXT,  # the message while pending (may quote the student)
    "deliveries.message_id": C.NOT_PERSONAL,
    "dm_channels.user_id": C.USER_ID,
    "dm_channels.channel_id": C.NOT_PERSONAL,
    "guild_settings.program_channel_id": C.NOT_PERSONAL,
    "guild_settings.staff_channel_exposed_at": C.NOT_PERSONAL,
    # goals and weekly check-ins
    "goals.guild_id": C.NOT_PERSONAL,
    "goals.what": C.FREE_TEXT,
    "goals.why": C.FREE_TEXT,
    "goals.measure": C.FREE_TEXT,
    "goals.focus_area": C.NOT_PERSONAL,  # one of the program's focus-area tags
    "checkins.guild_id": C.NOT_PERSONAL,
    "checkins.progress": C.NOT_PERSONAL,  # (goal id, 1-5) ratings, kept like moods
    "checkins.went_well": C.FREE_TEXT,
    "checkins.hard": C.FREE_TEXT,
    "checkins.staff_note": C.FREE_TEXT,
    "mentor_checkins.guild_id": C.NOT_PERSONAL,
    "mentor_checkins.concern": C.FREE_TEXT,
    # escalations and their timeline
    "escalations.guild_id": C.NOT_PERSONAL,
    "escalations.source": C.NOT_PERSONAL,  # "manual" or a rule's name
    "escalations.raised_by": C.USER_ID,
    "escalations.category": C.NOT_PERSONAL,
    "escalations.details": C.FREE_TEXT,
    "escalations.assignee": C.USER_ID,
    "escalations.channel_id": C.NOT_PERSONAL,
    "escalations.message_id": C.NOT_PERSONAL,
    "escalation_events.actor": C.USER_ID,
    "escalation_events.action": C.NOT_PERSONAL,
    "escalation_events.note": C.FREE_TEXT,
    "escalation_rules.guild_id": C.NOT_PERSONAL,
    "escalation_rules.kind": C.NOT_PERSONAL,
    "escalation_rules.urgency": C.NOT_PERSONAL,
    "escalation_rules.changed_by": C.USER_ID,
    # staff check-ins with pairs
    "staff_contacts.guild_id": C.NOT_PERSONAL,
    "staff_contacts.staff_user_id": C.USER_ID,
    "staff_contacts.note": C.FREE_TEXT,
    # audit trail of data rights
    "audit_events.guild_id": C.NOT_PERSONAL,
    "audit_events.actor_user_id": C.USER_ID,
    "audit_events.subject_user_id": C.USER_ID,
    # recruiting: invitations, where they were shared, sign-ups
    "invitations.guild_id": C.NOT_PERSONAL,
    "invitations.message": C.NOT_PERSONAL,  # staff's words about the program, posted publicly
    "invitations.created_by": C.USER_ID,  # the staff member, or the student leader credited
    "invitations.closed_by": C.USER_ID,
    "invitation_posts.channel_id": C.NOT_PERSONAL,
    "signups.guild_id": C.NOT_PERSONAL,
    # guardian consent on file, and staff reviews of disputed attendance (service hours)
    "guardian_consents.guild_id": C.NOT_PERSONAL,
    "guardian_consents.note": C.FREE_TEXT,
    "guardian_consents.recorded_by": C.USER_ID,
    "attendance_reviews.guild_id": C.NOT_PERSONAL,
    "attendance_reviews.reviewed_by": C.USER_ID,
}

#: Column types that can hold personal data and so must be classified.
_CHECKED_TYPES: tuple[type[TypeEngine[Any]], ...] = (String, Text, JSON, BigInteger)


def needs_classification(column: Column[object]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # the models' cleaned text and UTC datetimes
        kind = kind.impl_instance
    return isinstance(kind, _CHECKED_TYPES) and not isinstance(kind, Enum)


def kind_of(column: Column[object]) -> Kind:
    """The column's kind; unlisted columns (integers, dates, enumerations) are not personal."""
    return CLASSIFICATION.get(f"{column.table.name}.{column.name}", Kind.NOT_PERSONAL)


def pseudonym(member_id: int) -> int:
    """What replaces a forgotten member's user id: negative, so never a Discord id, and
    distinct per member so anonymised counts still add up."""
    return -member_id
