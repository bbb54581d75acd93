"""What students and staff read about escalations. Times use Discord markup.

What students read (the /help-me form and replies, the crisis resources, the away-hours
text) is a ``bot.i18n.Text`` (or a ``Joined`` of them), rendered by the cog in the reader's
language; what only staff read is plain English.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.i18n import Joined, Text
from bot.services import signals
from bot.services.concern import LABELS
from bot.services.escalations import (
    CONCERN_EVENT,
    CONCERNING_LANGUAGE,
    MENTOR_CONCERN,
    NEXT_TIER,
    Context,
    EscalationView,
    Event,
)
from bot.services.support_hours import Away
from bot.text import plain_links
from storage.models import EscalationStatus, Urgency

URGENCY = {
    Urgency.CAN_WAIT: "Can wait",
    Urgency.TODAY: "Today",
    Urgency.RIGHT_NOW: "Right now",
}
CATEGORY = {
    "academic": "Academic",
    "attendance": "Attendance",
    "bullying": "Bullying or harassment",
    "wellbeing": "Wellbeing",
    "safety": "Safety",
    "other": "Other",
}
RULE = {
    signals.TWO_NO_SHOWS: "Two no-shows in a row",
    signals.NO_FIRST_SESSION: "No session in the first 7 days of the match",
    signals.NO_SESSION_14_DAYS: "No session in 14 days in an active match",
    signals.LOW_MOOD_TWICE: "Mood 2 or lower in two check-ins in a row",
    signals.TWO_MISSED_CHECKINS: "Two check-ins in a row missed",
    signals.REACH_OUT: "Asked in a check-in for an adult to reach out",
    signals.MENTOR_SUPPORT: "A mentor asked for support from staff in their check-in",
    MENTOR_CONCERN: "A mentor raised a concern in their check-in",
    CONCERNING_LANGUAGE: "Concerning language in a check-in, a goal or a session note",
}
COLOUR = {
    Urgency.CAN_WAIT: discord.Colour.blue(),
    Urgency.TODAY: discord.Colour.orange(),
    Urgency.RIGHT_NOW: discord.Colour.red(),
}
NOT_A_COUNSELLOR = Text(
    "Bridges is a bot, not a counsellor: it cannot talk this through with you, but it has "
    "told the staff."
)
#: What the student reads in the /help-me form (their interaction's language).
FORM_TITLE = Text("Ask staff for help")
FORM_DETAILS = Text("What is going on?")
FORM_URGENCY = Text("How urgent is it?")
FORM_CATEGORY = Text("What is it about?")
URGENCY_CHOICE = {
    Urgency.CAN_WAIT: Text("Can wait"),
    Urgency.TODAY: Text("Today"),
    Urgency.RIGHT_NOW: Text("Right now"),
}
CATEGORY_CHOICE = {
    "academic": Text("Academic"),
    "attendance": Text("Attendance"),
    "bullying": Text("Bullying or harassment"),
    "wellbeing": Text("Wellbeing"),
    "safety": Text("Safety"),
    "other": Text("Other"),
}
_STEPS = {
    Urgency.RIGHT_NOW: Text("A staff member is being alerted now and should reach you soon."),
    Urgency.TODAY: Text("A staff member will get back to you today."),
    Urgency.CAN_WAIT: Text("A staff member will get back to you within a school day or so."),
}


def quoted(text: str, limit: int) -> str:
    """A message quoted in the /help-me form (Discord quote markup), cut to ``limit``."""
    shown = "\n".join(f"> {line}" for line in text.strip().splitlines())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def crisis(crisis_text: str) -> Text:
    """The crisis resources (``crisis_text`` is already in the reader's language)."""
    return Text(
        "**If you might be in danger or thinking of hurting yourself:** {resources}",
        resources=crisis_text,
    )


def away_text(away: Away, *, urgent: bool) -> Text:
    """Staff are outside their support hours: when they are back, and what to do now."""
    if away.back_at is None:
        if urgent:
            return Text(
                "Staff are away right now (outside the program's support hours). Because "
                "this is urgent, the staff on call are being alerted too. Until someone "
                "reaches you, use the resources below if you might be in danger."
            )
        return Text(
            "Staff are away right now (outside the program's support hours); they will see "
            "this when they are back. If you might be in danger, don't wait: use the "
            "resources below now."
        )
    if urgent:
        return Text(
            "Staff are away right now (outside the program's support hours) and are back "
            "{back}. Because this is urgent, the staff on call are being alerted too. Until "
            "someone reaches you, use the resources below if you might be in danger.",
            back=when(away.back_at),
        )
    return Text(
        "Staff are away right now (outside the program's support hours) and are back "
        "{back}; they will see this then. If you might be in danger, don't wait: use the "
        "resources below now.",
        back=when(away.back_at),
    )


def confirmation(view: EscalationView, crisis_text: str, away: Away | None) -> Joined:
    """/help-me's reply: what staff received and when they answer; the crisis resources
    when it is urgent or staff are away."""
    if view.raised_by not in (None, view.student_user_id):
        student = f"<@{view.student_user_id}>"
        received = Text(
            "Thank you for telling us. Staff have received your concern about {student} (#{id}).",
            student=student,
            id=view.id,
        )
    else:
        received = Text(
            "Thank you for telling us. Staff have received your request (#{id}).", id=view.id
        )
    told = Text("You'll get a DM here when someone picks it up. Only staff can see what you wrote.")
    urgent = view.urgency is Urgency.RIGHT_NOW
    if away is not None:
        body = Joined([received, told, away_text(away, urgent=urgent)])
    else:
        body = Joined([received, _STEPS[view.urgency], told])
    if not urgent and away is None:
        return body
    return Joined([crisis(crisis_text), NOT_A_COUNSELLOR, "", body], "\n")


def concern_shown(crisis_text: str, away: Away | None) -> Joined:
    """What a student (or mentor) reads when their own words were concerning."""
    lines: list[object] = [
        Text(
            "Some of what you wrote sounds hard, so we've let a staff member know; they'll "
            "check in with you."
        )
    ]
    if away is not None:
        lines.append(away_text(away, urgent=True))
    lines += [crisis(crisis_text), NOT_A_COUNSELLOR]
    return Joined(lines, "\n")


def concerns(view: EscalationView) -> str:
    """What staff read about the concerning language found: each category's label."""
    return "; ".join(LABELS.get(category, category) for category in view.concerns)


def reason(view: EscalationView) -> str:
    if view.manual:
        by = f"<@{view.raised_by}>" if view.raised_by else "someone"
        category = CATEGORY.get(view.category or "", "Other")
        text = f"Asked for help with /help-me by {by}: {category}"
    else:
        text = RULE.get(view.source, view.source)
    if view.concerns:
        text += f". Concerning language: {concerns(view)}"
    return text


def status(view: EscalationView) -> str:
    if view.status is EscalationStatus.OPEN:
        return "Open, not claimed yet"
    if view.status is EscalationStatus.CLAIMED:
        return f"Claimed by <@{view.assignee}>"
    return f"Resolved (last handled by <@{view.assignee}>)"


def moods(recent: tuple[int | None, ...]) -> str:
    if not recent:
        return "none yet"
    return ", ".join("missed" if mood is None else f"mood {mood}/5" for mood in recent)


def embed(view: EscalationView, context: Context) -> discord.Embed:
    shown = discord.Embed(
        title=f"Escalation #{view.id}: {URGENCY[view.urgency]}",
        colour=discord.Colour.green()
        if view.status is EscalationStatus.RESOLVED
        else COLOUR[view.urgency],
        description=reason(view),
    )
    shown.add_field(name="Student", value=f"<@{view.student_user_id}>")
    shown.add_field(
        name="Mentor", value=f"<@{view.mentor_user_id}>" if view.mentor_user_id else "No match"
    )
    shown.add_field(name="Urgency", value=URGENCY[view.urgency])
    if view.details:
        shown.add_field(
            name="What is going on", value=plain_links(view.details, limit=1000), inline=False
        )
    shown.add_field(
        name="Recent context",
        value=f"Sessions: {context.sessions_happened} happened, {context.no_shows} no-shows "
        "(the student's answers).\n"
        f"Last check-ins (newest first): {moods(context.moods)}\n"
        f"Open goals: {'; '.join(context.open_goals)[:500] if context.open_goals else 'none'}",
        inline=False,
    )
    if view.signal_count > 1:
        shown.add_field(name="Signals", value=f"{view.signal_count} so far", inline=False)
    shown.add_field(name="Status", value=status(view), inline=False)
    shown.add_field(name="Raised", value=when(view.created_at), inline=False)
    shown.set_footer(text=f"Timeline: /staff escalation view {view.id}")
    return shown


def post_content(view: EscalationView, role_id: int | None) -> str:
    ping = f"<@&{role_id}> " if role_id else ""
    found = f" {concerns(view)}." if view.concerns else ""
    return f"{ping}New escalation #{view.id} ({URGENCY[view.urgency]}).{found}"


def re_ping(view: EscalationView, role_id: int | None, stage: int) -> str:
    ping = f"<@&{role_id}> " if role_id else ""
    if stage == NEXT_TIER:
        return (
            f"{ping}Escalation #{view.id} ({URGENCY[view.urgency]}) is still unclaimed since "
            f"{when(view.created_at)}. Escalating to you: please claim it."
        )
    return (
        f"{ping}Reminder: escalation #{view.id} ({URGENCY[view.urgency]}) has not been claimed "
        f"yet (raised {when(view.created_at)}). Please claim it."
    )


def follow_up_reminder(view: EscalationView, stage: int) -> str:
    """The claimer's reminder that nothing has been written on their claim yet."""
    again = " again" if stage > 1 else ""
    return (
        f"Reminder{again}: you claimed escalation #{view.id} ({URGENCY[view.urgency]}) about "
        f"<@{view.student_user_id}>, and no note or resolution has been written since. Add a "
        f"note (what you did, or what is next) or resolve it: `/staff escalation view {view.id}`."
    )


def follow_up_ping(view: EscalationView, role_id: int | None, claimer: int) -> str:
    """The staff role's ping when the claimer's reminder went unanswered."""
    ping = f"<@&{role_id}> " if role_id else ""
    return (
        f"{ping}Follow-up overdue: escalation #{view.id} ({URGENCY[view.urgency]}) was claimed "
        f"by <@{claimer}> {when(view.claimed_at or view.created_at)} and still has no note or "
        "resolution. Please check with them, or take it over with Reassign."
    )


def follow_up(view: EscalationView) -> str:
    """The follow-up state shown in the list: due, or overdue once a reminder went out."""
    if view.follow_up_due is None:
        return ""
    unix = int(view.follow_up_due.timestamp())
    if view.follow_up_stage:
        return f" · follow-up overdue since <t:{unix}:R>"
    return f" · follow-up due <t:{unix}:R>"


def staff_dm(view: EscalationView, why: str) -> str:
    return (
        f"{why} Escalation #{view.id} ({URGENCY[view.urgency]}) about <@{view.student_user_id}>:"
        f" {reason(view)}. Claim it in the server with `/staff escalation claim {view.id}` and "
        f"see it with `/staff escalation view {view.id}`."
    )


def assigned(view: EscalationView, by_user_id: int) -> str:
    return (
        f"<@{by_user_id}> gave you escalation #{view.id} ({URGENCY[view.urgency]}) about "
        f"<@{view.student_user_id}>: {reason(view)}. See it with "
        f"`/staff escalation view {view.id}`."
    )


def claimed(view: EscalationView, staff_user_id: int, show_name: bool, reader: int) -> str:
    """What the student (or the mentor who raised it) reads when staff pick it up."""
    who = f"<@{staff_user_id}>, a staff member," if show_name else "A staff member"
    if reader != view.student_user_id:
        return (
            f"{who} has picked up your concern about <@{view.student_user_id}> (#{view.id}). "
            "Thank you for speaking up."
        )
    if view.raised_by == reader:
        return f"{who} has picked up your request (#{view.id}) and will be in touch with you soon."
    return f"{who} would like to check in with you and will be in touch soon."


def unreached(crisis_text: str) -> Joined:
    """The request is saved, but no staff member could be reached through Bridges."""
    return Joined(
        [
            Text(
                "I could not reach a staff member through Bridges just now. Your request is "
                "saved and staff will see it, but please also tell an adult at school you "
                "trust today."
            ),
            crisis(crisis_text),
        ],
        "\n",
    )


def timeline(view: EscalationView, events: list[Event]) -> discord.Embed:
    lines = []
    for event in events:
        who = f"<@{event.actor}>" if event.actor else "Bridges"
        shown_note = event.note
        if event.action == CONCERN_EVENT and event.note:  # category ids, named for staff
            shown_note = "; ".join(LABELS.get(c, c) for c in event.note.split(", "))
        note = f": {shown_note}" if shown_note else ""
        lines.append(f"<t:{int(event.at.timestamp())}:f> {who} {event.action}{note}")
    shown = discord.Embed(
        title=f"Escalation #{view.id}: {status(view)}",
        description=f"{reason(view)}\nStudent <@{view.student_user_id}>, urgency "
        f"{URGENCY[view.urgency]}.",
        colour=COLOUR[view.urgency],
    )
    if view.details:
        shown.add_field(
            name="What is going on", value=plain_links(view.details, limit=1000), inline=False
        )
    text = "\n".join(lines)
    shown.add_field(name="Timeline", value=text[-1024:] or "Nothing yet.", inline=False)
    return shown


def listing_line(view: EscalationView) -> str:
    return (
        f"`#{view.id}` {URGENCY[view.urgency]} · <@{view.student_user_id}> · {reason(view)} · "
        f"{status(view)}{follow_up(view)} · <t:{int(view.created_at.timestamp())}:R>"
    )


def redacted_post(view: EscalationView, role_id: int | None) -> str:
    """The post while the staff channel is readable by others: no name, words or category."""
    ping = f"<@&{role_id}> " if role_id else ""
    return (
        f"{ping}Escalation #{view.id} ({URGENCY[view.urgency]}): "
        f"see /staff escalation view {view.id}"
    )
