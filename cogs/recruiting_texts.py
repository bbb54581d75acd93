"""What people read about recruiting: the invitation card, replies, the waiting list.

Functions return ``bot.i18n.Text`` (rendered by the cog in the reader's language) or, for
what is posted (the invitation card, staff's roster pages), Discord objects built in the
language they are given. Invitations are posted in the server's language (``/setup``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import discord

from bot.i18n import Date, Duration, Joined, Plural, Slash, Text
from bot.services.recruiting import (
    InvitationView,
    Place,
    PostView,
    RecruitingRoster,
    Shared,
)
from bot.services.reports import Report
from storage.models import DeliveryStatus, InvitationAudience, InvitationKind, ProgramRole

#: The language invitations are posted in (servers have no stored language yet).
PAGE_SIZE = 10
MAX_EMBEDS = 10  # Discord's limits on one message's embeds
MESSAGE_EMBED_TEXT = 6000
REPORT_LINES = 12  # sources shown in the report's embed; signups_by_source.csv has all

BUTTONS: dict[ProgramRole, Text] = {
    ProgramRole.MENTOR: Text("Become a mentor"),
    ProgramRole.MENTEE: Text("Find a mentor"),
}
CLOSED_BUTTON = Text("This invitation is closed")


def who(user_id: int) -> Text | str:
    """A member's mention; a forgotten member's id is a negative pseudonym."""
    return f"<@{user_id}>" if user_id > 0 else Text("a forgotten member")


def roles_of(audience: InvitationAudience) -> tuple[ProgramRole, ...]:
    """Who an invitation asks to join, in the order of its buttons."""
    if audience is InvitationAudience.MENTORS:
        return (ProgramRole.MENTOR,)
    if audience is InvitationAudience.MENTEES:
        return (ProgramRole.MENTEE,)
    return (ProgramRole.MENTOR, ProgramRole.MENTEE)


def _mentor_commitment(training_minutes: int, session_minutes: int) -> Text:
    if training_minutes:
        return Text(
            "Finish {training} minutes of training first. Then meet your mentee about once a "
            "week (around {minutes} minutes, online or in person) and answer a short check-in "
            "on how it's going.",
            training=training_minutes,
            minutes=session_minutes,
        )
    return Text(
        "Meet your mentee about once a week (around {minutes} minutes, online or in person) "
        "and answer a short check-in on how it's going.",
        minutes=session_minutes,
    )


def invitation_embed(
    view: InvitationView,
    post: PostView,
    *,
    training_minutes: int,
    session_minutes: int,
    language: str,
) -> discord.Embed:
    """The invitation card: the program's purpose, what each side commits to, how to join,
    and on a staff post the number who joined through it (a leader's post shows no count)."""
    purpose = view.message or Text(
        "Older students (mentors) meet younger ones (mentees) about once a week to talk about "
        "school, friends and what comes next. It's free, it's private, and staff are there "
        "if anything gets hard."
    ).render(language)
    if view.kind is InvitationKind.LEADER:
        shared = (
            Text("Shared by {leader}, a student leader.", leader=who(view.created_by))
            if post.named
            else Text("Shared by a student leader.")
        )
        purpose = f"{purpose}\n\n{shared.render(language)}"
    embed = discord.Embed(
        title=Text("Join our mentoring program").render(language),
        description=purpose,
        colour=discord.Colour.teal() if view.is_open else discord.Colour.light_grey(),
    )
    roles = roles_of(view.audience)
    if ProgramRole.MENTOR in roles:
        embed.add_field(
            name=Text("Mentors commit to").render(language),
            value=_mentor_commitment(training_minutes, session_minutes).render(language),
            inline=False,
        )
    if ProgramRole.MENTEE in roles:
        embed.add_field(
            name=Text("Mentees commit to").render(language),
            value=Text(
                "Meet your mentor about once a week (around {minutes} minutes), set a goal or "
                "two that matter to you, and answer a two-minute check-in each week.",
                minutes=session_minutes,
            ).render(language),
            inline=False,
        )
    if view.closed_at is not None:
        embed.add_field(
            name=Text("Closed").render(language),
            value=Text(
                "This invitation closed on {day} and no longer takes sign-ups. If you'd like "
                "to join, ask a staff member.",
                day=Date(view.closed_at.date()),
            ).render(language),
            inline=False,
        )
    else:
        embed.add_field(
            name=Text("How to join").render(language),
            value=Text(
                "Press a button below. You'll fill in a short form and read how your "
                "information is kept private; nothing is saved unless you accept."
            ).render(language),
            inline=False,
        )
    if view.kind is InvitationKind.STAFF:
        embed.add_field(
            name=Text("Joined so far").render(language),
            value=Plural(
                "{count} student has joined through this invitation.",
                "{count} students have joined through this invitation.",
                view.joined,
            ).render(language),
            inline=False,
        )
    embed.set_footer(text=Text("Invitation #{number}", number=view.id).render(language))
    return embed


def dm_intro(leader_name: str | None, school: str) -> Text:
    """The line above a leader's invitation in a classmate's DMs."""
    if leader_name is None:
        return Text(
            "Hi! A student leader at {school} thinks you'd enjoy the mentoring program there "
            "and sent you this invitation.",
            school=school,
        )
    return Text(
        "Hi! {leader}, a student leader at {school}, thinks you'd enjoy the mentoring program "
        "there and sent you this invitation.",
        leader=leader_name,
        school=school,
    )


# ---------------------------------------------------------------------- replies


def staff_posted(shared: Shared, channel: str) -> Text:
    number = shared.invitation.id
    if shared.status is DeliveryStatus.SENT:
        return Text(
            "Posted invitation #{number} in {channel}. Its count rises as students join "
            "through it; close it with {command}.",
            number=number,
            channel=channel,
            command=Slash("staff recruit close"),
        )
    if shared.status is DeliveryStatus.PENDING:
        return Text(
            "Invitation #{number} will be posted in {channel} as soon as I can reach Discord.",
            number=number,
            channel=channel,
        )
    return Text(
        "I couldn't post in {channel}, so invitation #{number} was closed. Check that I can "
        "post there (View Channel, Send Messages, Embed Links) and try again.",
        number=number,
        channel=channel,
    )


def leader_posted(shared: Shared, channel: str) -> Text:
    if shared.status is DeliveryStatus.SENT:
        return Text(
            "Your invitation is posted in {channel}. Thanks for helping classmates find the "
            "program!",
            channel=channel,
        )
    if shared.status is DeliveryStatus.PENDING:
        return Text("Your invitation will be posted in {channel} in a moment.", channel=channel)
    return Text(
        "I couldn't post your invitation in {channel}. Try another channel, or tell a staff "
        "member.",
        channel=channel,
    )


def leader_sent(shared: Shared, classmate: str) -> Text:
    if shared.status is DeliveryStatus.SENT:
        return Text(
            "Sent {classmate} your invitation. If they join through it, staff will know you "
            "helped.",
            classmate=classmate,
        )
    if shared.status is DeliveryStatus.PENDING:
        return Text("Your invitation to {classmate} is on its way.", classmate=classmate)
    return Text(
        "I couldn't send {classmate} a direct message: they don't accept messages from me. "
        "You could post your invitation in a channel instead with {command}.",
        classmate=classmate,
        command=Slash("invite"),
    )


def closed_reply(view: InvitationView) -> Text:
    return Plural(
        "Closed invitation #{number}; {count} student joined through it. Its buttons now say "
        "it is closed.",
        "Closed invitation #{number}; {count} students joined through it. Its buttons now say "
        "it is closed.",
        view.joined,
        number=view.id,
    )


def staff_choice(view: InvitationView) -> Text:
    """An open invitation in /staff recruit close's list."""
    return Plural(
        "#{number}, posted by staff: {count} joined",
        "#{number}, posted by staff: {count} joined",
        view.joined,
        number=view.id,
    )


def leader_choice(view: InvitationView, leader: str) -> Text:
    return Plural(
        "#{number}, student leader {leader}: {count} joined",
        "#{number}, student leader {leader}: {count} joined",
        view.joined,
        number=view.id,
        leader=leader,
    )


def choose_one() -> Text:
    return Text("Choose one: a channel to post your invitation in, or a classmate to send it to.")


def bot_cannot_post(channel: str, missing: Sequence[Text]) -> Text:
    return Text(
        "I can't post in {channel}: I need {permissions} there. Give me those, or pick "
        "another channel. Nothing was posted.",
        channel=channel,
        permissions=Joined(missing, ", "),
    )


def leader_cannot_post(channel: str) -> Text:
    return Text(
        "You can only share your invitation in a channel where you can post yourself, and "
        "{channel} isn't one. Pick another channel.",
        channel=channel,
    )


PERMISSIONS: dict[str, Text] = {
    "view_channel": Text("View Channel"),
    "send_messages": Text("Send Messages"),
    "embed_links": Text("Embed Links"),
}
NOT_A_BOT = Text("Pick a classmate to invite, not a bot.")
NOT_IN_SERVER = Text(
    "You need to be a member of the school's server to join through this invitation."
)


def mentee_welcome(place: Place | None) -> Text:
    """What a mentee reads on joining: what happens next, and their place on the waiting
    list when no trained mentor has room for them."""
    if place is None or not place.on_waiting_list:
        return Text(
            "Welcome to the program! Next: staff will match you with a mentor and you'll get "
            "a private channel."
        )
    ahead = (
        Plural(
            "{count} student is ahead of you.", "{count} students are ahead of you.", place.ahead
        )
        if place.ahead
        else Text("You're first in line.")
    )
    return Text(
        "Welcome to the program! You're on the waiting list: right now every trained mentor "
        "already has as many mentees as they can take. {ahead}\n"
        "What happens next: when a mentor has room (a new one finishes training, or a match "
        "ends), staff will match you and you'll get a private channel with your mentor. You "
        "don't need to do anything until then; {leave} takes you off the list.",
        ahead=ahead,
        leave=Slash("leave"),
    )


# ---------------------------------------------------------------------- staff's roster


def waited(since: datetime, now: datetime) -> Duration:
    """How long someone has waited, in whole hours (minutes under an hour)."""
    wait = max(now - since, timedelta(0))
    if wait >= timedelta(hours=1):
        wait = timedelta(hours=wait // timedelta(hours=1))
    else:
        wait = timedelta(minutes=wait // timedelta(minutes=1))
    return Duration(wait)


def _state(view: InvitationView) -> Text:
    return Text("open") if view.is_open else Text("closed")


def waiting_lines(roster: RecruitingRoster, now: datetime) -> list[Text]:
    lines: list[Text] = [
        Plural(
            "Trained mentors have {count} free place.",
            "Trained mentors have {count} free places.",
            roster.free_places,
        )
    ]
    for number, entry in enumerate(roster.waiting, start=1):
        since = f"<t:{int(entry.since.timestamp())}:D>"
        lines.append(
            Text(
                "{position}. {mentee} has waited {wait} (since {since})",
                position=number,
                mentee=who(entry.user_id),
                wait=waited(entry.since, now),
                since=since,
            )
        )
    if not roster.waiting:
        lines.append(Text("Nobody is waiting for a mentor."))
    return lines


def signup_lines(roster: RecruitingRoster) -> list[Text]:
    """Each invitation with its count; a leader's with who joined through it."""
    joined: dict[int, list[str | Text]] = {}
    for credit in roster.credits:
        joined.setdefault(credit.invitation_id, []).append(who(credit.user_id))
    lines: list[Text] = []
    for view in roster.invitations:
        if view.kind is InvitationKind.STAFF:
            lines.append(
                Plural(
                    "#{number}, posted by {by} ({state}): {count} joined",
                    "#{number}, posted by {by} ({state}): {count} joined",
                    view.joined,
                    number=view.id,
                    by=who(view.created_by),
                    state=_state(view),
                )
            )
        elif view.joined:
            lines.append(
                Plural(
                    "#{number}, student leader {leader} ({state}): {count} joined ({members})",
                    "#{number}, student leader {leader} ({state}): {count} joined ({members})",
                    view.joined,
                    number=view.id,
                    leader=who(view.created_by),
                    state=_state(view),
                    members=Joined(joined.get(view.id, ()), ", ") or Text("none still active"),
                )
            )
        else:
            lines.append(
                Text(
                    "#{number}, student leader {leader} ({state}): nobody yet",
                    number=view.id,
                    leader=who(view.created_by),
                    state=_state(view),
                )
            )
    if not lines:
        lines.append(
            Text(
                "No invitations yet. Staff post one with {command}; student leaders share "
                "their own with {invite}.",
                command=Slash("staff recruit post"),
                invite=Slash("invite"),
            )
        )
    return lines


def roster_pages(roster: RecruitingRoster, now: datetime, language: str) -> list[discord.Embed]:
    """The roster's recruiting pages: the waiting list with how long each has waited, then
    sign-ups per invitation (staff only)."""
    waiting_title = Plural(
        "Waiting list ({count} mentee)", "Waiting list ({count} mentees)", len(roster.waiting)
    )
    credited = len(roster.credits)
    signups_title = Plural(
        "Sign-ups through invitations ({count} active member)",
        "Sign-ups through invitations ({count} active members)",
        credited,
    )
    return [
        *pages(waiting_title, waiting_lines(roster, now), language),
        *pages(signups_title, signup_lines(roster), language),
    ]


def fitting(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """As many embeds as one message carries: 10, and 6,000 characters in all."""
    kept: list[discord.Embed] = []
    for embed in embeds[:MAX_EMBEDS]:
        if sum(len(e) for e in kept) + len(embed) > MESSAGE_EMBED_TEXT:
            break
        kept.append(embed)
    return kept


def more_in_roster(count: int) -> Text:
    return Plural(
        "{count} more part is in {command}.",
        "{count} more parts are in {command}.",
        count,
        command=Slash("staff roster"),
    )


def pages(title: Text, lines: list[Text], language: str) -> list[discord.Embed]:
    """``lines`` under ``title``, ``PAGE_SIZE`` to an embed."""
    chunks = [lines[i : i + PAGE_SIZE] for i in range(0, len(lines), PAGE_SIZE)]
    return [
        discord.Embed(
            title=title.render(language),
            description="\n".join(line.render(language) for line in chunk)[:4000],
            colour=discord.Colour.blurple(),
        ).set_footer(
            text=Text("Part {number} of {count}", number=number, count=len(chunks)).render(language)
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


# ---------------------------------------------------------------------- the report


def report_signups(report: Report) -> Text | Joined:
    """Sign-ups of the period per source and per leader, for the report's embed."""
    lines: list[Text] = []
    for source, invitation, by, mentors, mentees in report.table("signups_by_source").rows:
        if source == "join":
            lines.append(
                Text(
                    "With {command}: {mentors} mentors, {mentees} mentees",
                    command=Slash("join"),
                    mentors=mentors,
                    mentees=mentees,
                )
            )
        elif source == InvitationKind.STAFF.value:
            lines.append(
                Text(
                    "Staff invitation #{number}: {mentors} mentors, {mentees} mentees",
                    number=invitation,
                    mentors=mentors,
                    mentees=mentees,
                )
            )
        else:
            lines.append(
                Text(
                    "Student leader {leader} (#{number}): {mentors} mentors, {mentees} mentees",
                    leader=who(int(str(by))),
                    number=invitation,
                    mentors=mentors,
                    mentees=mentees,
                )
            )
    if not lines:
        return Text("Nobody joined in this period.")
    return Joined(lines[:REPORT_LINES], "\n")
