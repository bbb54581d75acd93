"""What members read about sessions. Times use Discord markup: each reader sees their zone."""

from __future__ import annotations

from datetime import date, datetime

from bot.services.sessions import SessionView
from storage.models import Place


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def where(view: SessionView) -> str:
    if view.place is Place.VOICE:
        return f"voice channel <#{view.voice_channel_id}>" if view.voice_channel_id else "voice"
    if view.place is Place.VIDEO:
        return f"video call: {view.place_detail}"
    return f"in person: {view.place_detail}"


def summary(view: SessionView) -> str:
    topic = f" about **{view.topic}**" if view.topic else ""
    minutes = int((view.ends_at - view.starts_at).total_seconds() // 60)
    return f"{when(view.starts_at)}, {minutes} min{topic}, {where(view)}"


def skipped_note(skipped: tuple[date, ...]) -> str:
    if not skipped:
        return ""
    days = ", ".join(day.strftime("%a %b %d") for day in skipped)
    return f"\nSkipped for program holidays: {days}."


def invitation(view: SessionView, count: int, skipped: tuple[date, ...]) -> str:
    repeat = f" (weekly, {count} sessions)" if count > 1 else ""
    return (
        f"<@{view.proposer_user_id}> would like to meet{repeat}: {summary(view)}."
        f"{skipped_note(skipped)}\nDoes that work for you?"
    )


def proposed_reply(view: SessionView, count: int, skipped: tuple[date, ...]) -> str:
    repeat = f" ({count} weekly sessions)" if count > 1 else ""
    return (
        f"Invitation sent to <@{view.invitee_user_id}>{repeat}: {summary(view)}. "
        f"It's confirmed when they accept.{skipped_note(skipped)}"
    )


def accepted(view: SessionView, count: int) -> str:
    more = f" and the {count - 1} after it" if count > 1 else ""
    return f"<@{view.invitee_user_id}> accepted: {summary(view)}{more}. See you there!"


def declined(view: SessionView) -> str:
    return (
        f"<@{view.invitee_user_id}> can't make {when(view.starts_at)}. "
        "Try another time with /session schedule."
    )


def cancelled(view: SessionView, by: int) -> str:
    return f"<@{by}> cancelled the session on {when(view.starts_at)}."


def reminder(view: SessionView, for_user: int) -> str:
    other = view.mentee_user_id if for_user == view.mentor_user_id else view.mentor_user_id
    topic = f" ({view.topic})" if view.topic else ""
    return (
        f"Reminder: your session with <@{other}>{topic} starts {when(view.starts_at)}. "
        f"Where: {where(view)}."
    )


def attendance_question(view: SessionView) -> str:
    return f"Your session on {when(view.starts_at)} has ended. Did it happen?"


FIRST_SESSION_NUDGE = (
    "You were matched two days ago and haven't planned a session yet. Pick a time together "
    'with /session schedule (for example "thursday 4pm").'
)
