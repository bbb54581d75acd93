"""What members and staff read about data rights: /privacy, exports and erasure."""

from __future__ import annotations

import discord

from bot.i18n import DEFAULT_LANGUAGE, Joined, LanguageName, Plural, Slash, Text
from bot.services.privacy import StoredAbout
from storage.models import ProgramRole

#: Plain words for the rows of each table that can be about a member (a test checks every
#: such table has them).
RECORDS: dict[str, Text] = {
    "members": Text("program profile (role, grade, interests, subjects, availability)"),
    "matches": Text("mentoring matches you are or were part of"),
    "sessions": Text("mentoring sessions (times, topics, places)"),
    "attendance": Text('answers to "Did it happen?" after sessions, with notes'),
    "midpoint_surveys": Text("answers to the survey part-way through a match"),
    "closure_surveys": Text("answers to the survey at the end of a match"),
    "training_completions": Text("mentor training you completed, with your reflections"),
    "signals": Text("notes for staff about your match (for example no first session yet)"),
    "deliveries": Text("messages Bridges sent you (what kind and when, not the text)"),
    "dm_channels": Text("the id of your direct-message channel with Bridges"),
    "goals": Text("goals you set or were offered"),
    "checkins": Text("weekly check-ins (moods, goal progress, your answers)"),
    "checkin_preferences": Text("when you get your weekly check-in, and pauses"),
    "mentor_checkins": Text("mentors' check-ins about your pair"),
    "escalations": Text("times you, your mentor or Bridges asked staff to reach out"),
    "escalation_events": Text("what staff did about those requests (claimed, notes, resolved)"),
    "escalation_rules": Text("changes you made to the program's escalation rules (staff)"),
    "staff_contacts": Text("times staff checked in with your pair"),
    "audit_events": Text("times staff exported or erased your data"),
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

NOTHING_STORED = Text(
    "Bridges stores nothing about you in this server. If you join the program, {command} "
    "will show what is kept.",
    command=Slash("privacy"),
)
WHO_SEES = Text(
    "Staff running the program can see all of this; your mentor or mentee sees your shared "
    "sessions. Nobody else does. To get a copy, or to have it erased, ask a staff member."
)
FORGET_REASON = "a member's data was erased at their request"
ROLES = {ProgramRole.MENTOR: Text("mentor"), ProgramRole.MENTEE: Text("mentee")}


def records_line(table: str, count: int) -> Text:
    return Text("- {count} {records}", count=count, records=RECORDS[table])


def _profile(about: StoredAbout) -> list[Text]:
    role = ROLES[about.role] if about.role else Text("not chosen")
    profile = [
        Text("Role: {role}", role=role)
        if about.active
        else Text("Role: {role} (not active in the program)", role=role),
        Text("Time zone: {zone}", zone=about.time_zone)
        if about.time_zone
        else Text("Time zone: the program default"),
        Text("Language: {language}", language=LanguageName(about.language or DEFAULT_LANGUAGE)),
        Text("Grade: {grade}", grade=about.grade)
        if about.grade is not None
        else Text("Grade: not given"),
        # "none" agrees with each noun in Spanish: one message per line, not a shared word.
        Text("Interests: {interests}", interests=", ".join(about.interests))
        if about.interests
        else Text("Interests: none"),
        Text("Focus areas: {areas}", areas=", ".join(about.focus_areas))
        if about.focus_areas
        else Text("Focus areas: none"),
        Text("Subjects: {subjects}", subjects=", ".join(about.subjects))
        if about.subjects
        else Text("Subjects: none"),
        Plural(
            "Availability: {count} weekly time window",
            "Availability: {count} weekly time windows",
            about.availability_windows,
        ),
    ]
    if about.consented_at is not None:
        day = f"<t:{int(about.consented_at.timestamp())}:D>"
        profile.append(Text("You accepted the privacy notice {day}", day=day))
    return profile


def stored_embed(about: StoredAbout, language: str) -> discord.Embed:
    records = [records_line(table, count) for table, count in sorted(about.records.items())]
    embed = discord.Embed(
        title=Text("What Bridges stores about you").render(language),
        description=WHO_SEES.render(language),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name=Text("Your profile").render(language),
        value=Joined(_profile(about), "\n").render(language),
        inline=False,
    )
    embed.add_field(
        name=Text("Records about you").render(language),
        value=Joined(records, "\n").render(language) or Text("None yet.").render(language),
        inline=False,
    )
    embed.add_field(
        name=Text("How long").render(language),
        value=Text(
            "Free text (topics, notes, survey answers) is deleted {days} days after a match "
            "ends; counts are kept for the program's statistics.",
            days=about.retention_days,
        ).render(language),
        inline=False,
    )
    return embed


def export_reply(mention: str) -> Text:
    return Text(
        "Everything Bridges stores about {member}, as JSON. This export is recorded. Share it "
        "only with the student or their family.",
        member=mention,
    )


def forget_question(mention: str, counts: dict[str, int]) -> Text:
    lines = [records_line(table, count) for table, count in sorted(counts.items())]
    return Text(
        "Erase {member}'s personal data? Their active match is closed first, their profile and "
        "every free text about them are deleted, and their Discord id is replaced by a "
        "pseudonym. Rows stay only as anonymous counts. This cannot be undone.\n"
        "Rows touched:\n{rows}",
        member=mention,
        rows=Joined(lines, "\n"),
    )


def forgotten_reply(mention: str, ended: int, emptied: int, blanked: int = 0) -> Joined:
    parts: list[Text] = [
        Plural(
            "Erased {member}'s personal data ({count} value emptied).",
            "Erased {member}'s personal data ({count} values emptied).",
            emptied,
            member=mention,
        )
    ]
    if ended:
        parts.append(
            Plural("{count} active match was closed.", "{count} active matches were closed.", ended)
        )
    if blanked:
        parts.append(
            Plural(
                "{count} message about them on Discord now reads {erased}.",
                "{count} messages about them on Discord now read {erased}.",
                blanked,
                erased=ERASED,
            )
        )
    parts.append(Text("Recorded."))
    return Joined(parts)


#: What a staff post or DM about an erased member is edited to read.
ERASED = Text("[erased]")


CANCELLED = Text("Cancelled; nothing was changed.")
ONLY_ASKER = Text("Only the staff member who asked for this erasure can confirm it.")


def channel_exposed(role_id: int | None, problem: str) -> Text:
    """Staff told their escalation channel has become readable by others than staff (a
    post, written in the server's language by the outbox)."""
    return Text(
        "{ping}The daily privacy check found a problem with this channel: {problem}\nUntil it "
        "is fixed, escalation posts here show only their number and urgency; open each with "
        "{command}.",
        ping=_ping(role_id),
        problem=problem,
        command=Slash("staff escalation view"),
    )


def channel_private(role_id: int | None) -> Text:
    """Staff told their escalation channel is readable by staff only again."""
    return Text(
        "{ping}This channel is readable by staff only again: escalation posts show their "
        "details again.",
        ping=_ping(role_id),
    )


def _ping(role_id: int | None) -> str:
    return f"<@&{role_id}> " if role_id else ""
