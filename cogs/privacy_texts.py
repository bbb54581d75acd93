"""What members and staff read about data rights: /privacy, exports and erasure."""

from __future__ import annotations

import discord

from bot.i18n import Text
from bot.services.privacy import StoredAbout

#: Plain words for the rows of each table that can be about a member (a test checks every
#: such table has them).
RECORDS: dict[str, str] = {
    "members": "program profile (role, grade, interests, subjects, availability)",
    "matches": "mentoring matches you are or were part of",
    "sessions": "mentoring sessions (times, topics, places)",
    "attendance": 'answers to "Did it happen?" after sessions, with notes',
    "midpoint_surveys": "answers to the survey part-way through a match",
    "closure_surveys": "answers to the survey at the end of a match",
    "training_completions": "mentor training you completed, with your reflections",
    "signals": "notes for staff about your match (for example no first session yet)",
    "deliveries": "messages Bridges sent you (what kind and when, not the text)",
    "dm_channels": "the id of your direct-message channel with Bridges",
    "goals": "goals you set or were offered",
    "checkins": "weekly check-ins (moods, goal progress, your answers)",
    "checkin_preferences": "when you get your weekly check-in, and pauses",
    "mentor_checkins": "mentors' check-ins about your pair",
    "escalations": "times you, your mentor or Bridges asked staff to reach out",
    "escalation_events": "what staff did about those requests (claimed, notes, resolved)",
    "escalation_rules": "changes you made to the program's escalation rules (staff)",
    "staff_contacts": "times staff checked in with your pair",
    "audit_events": "times staff exported or erased your data",
    "signups": Text("times you joined the program, and the invitation you came through"),
    "invitations": Text("invitations you shared as a student leader, or posted as staff"),
    "invitation_posts": Text("where those invitations were posted or sent"),
    "guardian_consents": Text(
        "the record of your parent's or guardian's consent form (on file or not, with a note)"
    ),
    "attendance_reviews": Text(
        "staff decisions on sessions you and your partner answered differently, for service hours"
    ),
}
#: Tables that hold the program's own settings, never a member's records.
#: Tables that never hold a member's records (``bot_state``: the bot's own, e.g. the
#: synced commands' hash).
PROGRAM_TABLES = frozenset({"guild_settings", "holidays", "training_modules", "bot_state"})

NOTHING_STORED = (
    "Bridges stores nothing about you in this server. If you join the program, `/privacy` "
    "will show what is kept."
)
WHO_SEES = (
    "Staff running the program can see all of this; your mentor or mentee sees your shared "
    "sessions. Nobody else does. To get a copy, or to have it erased, ask a staff member."
)
FORGET_REASON = "a member's data was erased at their request"


def records_line(table: str, count: int) -> str:
    words = RECORDS[table]
    return f"- {count} {words}"


def stored_embed(about: StoredAbout) -> discord.Embed:
    profile = [
        f"Role: {about.role.value if about.role else 'not chosen'}"
        + ("" if about.active else " (not active in the program)"),
        f"Time zone: {about.time_zone or 'the program default'}",
        f"Grade: {about.grade if about.grade is not None else 'not given'}",
        f"Interests: {', '.join(about.interests) or 'none'}",
        f"Focus areas: {', '.join(about.focus_areas) or 'none'}",
        f"Subjects: {', '.join(about.subjects) or 'none'}",
        f"Availability: {about.availability_windows} weekly time windows",
    ]
    if about.consented_at is not None:
        profile.append(
            f"You accepted the privacy notice <t:{int(about.consented_at.timestamp())}:D>"
        )
    records = [records_line(table, count) for table, count in sorted(about.records.items())]
    embed = discord.Embed(
        title="What Bridges stores about you",
        description=WHO_SEES,
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Your profile", value="\n".join(profile), inline=False)
    embed.add_field(name="Records about you", value="\n".join(records) or "None yet.", inline=False)
    embed.add_field(
        name="How long",
        value=f"Free text (topics, notes, survey answers) is deleted {about.retention_days} "
        "days after a match ends; counts are kept for the program's statistics.",
        inline=False,
    )
    return embed


def export_reply(mention: str) -> str:
    return (
        f"Everything Bridges stores about {mention}, as JSON. This export is recorded. "
        "Share it only with the student or their family."
    )


def forget_question(mention: str, counts: dict[str, int]) -> str:
    lines = [records_line(table, count) for table, count in sorted(counts.items())]
    return (
        f"Erase {mention}'s personal data? Their active match is closed first, their profile "
        "and every free text about them are deleted, and their Discord id is replaced by a "
        "pseudonym. Rows stay only as anonymous counts. This cannot be undone.\n"
        "Rows touched:\n" + "\n".join(lines)
    )


def forgotten_reply(mention: str, ended: int, emptied: int, blanked: int = 0) -> str:
    closed = f" {ended} active match was closed." if ended == 1 else ""
    closed = f" {ended} active matches were closed." if ended > 1 else closed
    edited = f" {blanked} message(s) about them on Discord now read {ERASED}." if blanked else ""
    return f"Erased {mention}'s personal data ({emptied} values emptied).{closed}{edited} Recorded."


#: What a staff post or DM about an erased member is edited to read.
ERASED = Text("[erased]")


CANCELLED = "Cancelled; nothing was changed."
ONLY_ASKER = "Only the staff member who asked for this erasure can confirm it."


def channel_exposed(role_id: int | None, problem: str) -> str:
    """Staff told their escalation channel has become readable by others than staff."""
    ping = f"<@&{role_id}> " if role_id else ""
    return (
        f"{ping}The daily privacy check found a problem with this channel: {problem}\n"
        "Until it is fixed, escalation posts here show only their number and urgency; "
        "open each with `/staff escalation view`."
    )


def channel_private(role_id: int | None) -> str:
    """Staff told their escalation channel is readable by staff only again."""
    ping = f"<@&{role_id}> " if role_id else ""
    return (
        f"{ping}This channel is readable by staff only again: escalation posts show their "
        "details again."
    )
