"""What members read about sessions. Times use Discord markup: each reader sees their zone.

Every function returns a ``bot.i18n.Text`` (or a ``Joined`` of them): a ``str`` holding the
English, which the cog renders in the reader's language (``text.render(language)``); a
DM with no known language goes out in English as it is.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.i18n import Date, Joined, Listing, Plural, Slash, Text
from bot.services.sessions import SessionView
from storage.models import Place, SessionStatus

STATUS: dict[SessionStatus, Text] = {
    SessionStatus.PROPOSED: Text("proposed"),
    SessionStatus.CONFIRMED: Text("confirmed"),
    SessionStatus.DECLINED: Text("declined"),
    SessionStatus.CANCELLED: Text("cancelled"),
}


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def where(view: SessionView) -> Text:
    if view.place is Place.VOICE:
        if view.voice_channel_id:
            channel = f"<#{view.voice_channel_id}>"
            return Text("voice channel {channel}", channel=channel)
        return Text("voice")
    if view.place is Place.VIDEO:
        return Text("video call: {link}", link=view.place_detail)
    return Text("in person: {place}", place=view.place_detail)


def summary(view: SessionView) -> Text:
    minutes = int((view.ends_at - view.starts_at).total_seconds() // 60)
    if view.topic:
        return Text(
            "{when}, {minutes} min about **{topic}**, {where}",
            when=when(view.starts_at),
            minutes=minutes,
            topic=view.topic,
            where=where(view),
        )
    return Text(
        "{when}, {minutes} min, {where}",
        when=when(view.starts_at),
        minutes=minutes,
        where=where(view),
    )


def skipped_line(skipped: tuple[date, ...]) -> Text | None:
    """The program holidays a weekly series skips, or None."""
    if not skipped:
        return None
    days = Listing([Date(day, "MMMd") for day in skipped])
    return Text("Skipped for program holidays: {days}.", days=days)


def _lines(*lines: Text | None) -> Joined:
    return Joined([line for line in lines if line is not None], "\n")


def invitation(view: SessionView, count: int, skipped: tuple[date, ...]) -> Joined:
    proposer, about = f"<@{view.proposer_user_id}>", summary(view)
    asked: Text
    if count > 1:
        asked = Plural(
            "{proposer} would like to meet (weekly, {count} session): {summary}.",
            "{proposer} would like to meet (weekly, {count} sessions): {summary}.",
            count,
            proposer=proposer,
            summary=about,
        )
    else:
        asked = Text("{proposer} would like to meet: {summary}.", proposer=proposer, summary=about)
    return _lines(asked, skipped_line(skipped), Text("Does that work for you?"))


def proposed_reply(view: SessionView, count: int, skipped: tuple[date, ...]) -> Joined:
    invitee, about = f"<@{view.invitee_user_id}>", summary(view)
    sent: Text
    if count > 1:
        sent = Plural(
            "Invitation sent to {invitee} ({count} weekly session): {summary}. It's "
            "confirmed when they accept.",
            "Invitation sent to {invitee} ({count} weekly sessions): {summary}. It's "
            "confirmed when they accept.",
            count,
            invitee=invitee,
            summary=about,
        )
    else:
        sent = Text(
            "Invitation sent to {invitee}: {summary}. It's confirmed when they accept.",
            invitee=invitee,
            summary=about,
        )
    return _lines(sent, skipped_line(skipped))


def accepted(view: SessionView, count: int) -> Text:
    invitee, about = f"<@{view.invitee_user_id}>", summary(view)
    if count > 1:
        return Plural(
            "{invitee} accepted: {summary} and the {count} after it. See you there!",
            "{invitee} accepted: {summary} and the {count} after it. See you there!",
            count - 1,
            invitee=invitee,
            summary=about,
        )
    return Text("{invitee} accepted: {summary}. See you there!", invitee=invitee, summary=about)


def declined(view: SessionView) -> Text:
    invitee = f"<@{view.invitee_user_id}>"
    return Text(
        "{invitee} can't make {when}. Try another time with {command}.",
        invitee=invitee,
        when=when(view.starts_at),
        command=Slash("session schedule"),
    )


def cancelled(view: SessionView, by: int) -> Text:
    member = f"<@{by}>"
    return Text(
        "{member} cancelled the session on {when}.", member=member, when=when(view.starts_at)
    )


def cancelled_reply(view: SessionView) -> Text:
    return Text("Cancelled the session on {when}.", when=when(view.starts_at))


def reminder(view: SessionView, for_user: int) -> Text:
    other_id = view.mentee_user_id if for_user == view.mentor_user_id else view.mentor_user_id
    other = f"<@{other_id}>"
    if view.topic:
        return Text(
            "Reminder: your session with {other} ({topic}) starts {when}. Where: {where}.",
            other=other,
            topic=view.topic,
            when=when(view.starts_at),
            where=where(view),
        )
    return Text(
        "Reminder: your session with {other} starts {when}. Where: {where}.",
        other=other,
        when=when(view.starts_at),
        where=where(view),
    )


def attendance_question(view: SessionView) -> Text:
    return Text("Your session on {when} has ended. Did it happen?", when=when(view.starts_at))


def listing_line(view: SessionView) -> Text:
    """One line of /session list: "`#12` confirmed: <summary>"."""
    number = f"`#{view.id}`"
    return Text(
        "{number} {status}: {summary}",
        number=number,
        status=STATUS[view.status],
        summary=summary(view),
    )


NO_SESSIONS = Text("No sessions yet. Plan one with {command}.", command=Slash("session schedule"))


def upcoming_count(count: int) -> Plural:
    return Plural("{count} upcoming session.", "{count} upcoming sessions.", count)


def calendar_summary(topic: str | None) -> Text:
    if topic:
        return Text("Mentoring session: {topic}", topic=topic)
    return Text("Mentoring session")


CALENDAR_DESCRIPTION = Text("Planned with Bridges.")

FIRST_SESSION_NUDGE = Text(
    "You were matched two days ago and haven't planned a session yet. Pick a time together "
    'with {command} (for example "thursday 4pm").',
    command=Slash("session schedule"),
)
