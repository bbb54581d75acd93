"""What students and staff read about escalations. Times use Discord markup."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.services import signals
from bot.services.escalations import (
    CONCERNING_LANGUAGE,
    MENTOR_CONCERN,
    NEXT_TIER,
    Context,
    EscalationView,
    Event,
)
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
    CONCERNING_LANGUAGE: "Concerning language in a check-in",
}
COLOUR = {
    Urgency.CAN_WAIT: discord.Colour.blue(),
    Urgency.TODAY: discord.Colour.orange(),
    Urgency.RIGHT_NOW: discord.Colour.red(),
}
NOT_A_COUNSELLOR = (
    "Bridges is a bot, not a counsellor: it cannot talk this through with you, but it has "
    "told the staff."
)


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def crisis(crisis_text: str) -> str:
    return f"**If you might be in danger or thinking of hurting yourself:** {crisis_text}"


def confirmation(view: EscalationView, crisis_text: str) -> str:
    about = (
        f"your concern about <@{view.student_user_id}>"
        if view.raised_by not in (None, view.student_user_id)
        else "your request"
    )
    steps = {
        Urgency.RIGHT_NOW: "A staff member is being alerted now and should reach you soon.",
        Urgency.TODAY: "A staff member will get back to you today.",
        Urgency.CAN_WAIT: "A staff member will get back to you within a school day or so.",
    }[view.urgency]
    text = (
        f"Thank you for telling us. Staff have received {about} (#{view.id}). "
        f"{steps} You'll get a DM here when someone picks it up. Only staff can see what "
        "you wrote."
    )
    if view.urgency is Urgency.RIGHT_NOW:
        text = f"{crisis(crisis_text)}\n{NOT_A_COUNSELLOR}\n\n{text}"
    return text


def concern_shown(crisis_text: str) -> str:
    """What a student reads when their own words were concerning."""
    return (
        "Some of what you wrote sounds hard, so we've let a staff member know; they'll check "
        f"in with you.\n{crisis(crisis_text)}\n{NOT_A_COUNSELLOR}"
    )


def reason(view: EscalationView) -> str:
    if view.manual:
        by = f"<@{view.raised_by}>" if view.raised_by else "someone"
        category = CATEGORY.get(view.category or "", "Other")
        return f"Asked for help with /help-me by {by}: {category}"
    text = RULE.get(view.source, view.source)
    if view.source == CONCERNING_LANGUAGE and view.category:
        text += f" ({view.category})"
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
    return f"{ping}New escalation #{view.id} ({URGENCY[view.urgency]})."


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


def unreached(crisis_text: str) -> str:
    """The request is saved, but no staff member could be reached through Bridges."""
    return (
        "I could not reach a staff member through Bridges just now. Your request is saved and "
        "staff will see it, but please also tell an adult at school you trust today.\n"
        f"{crisis(crisis_text)}"
    )


def timeline(view: EscalationView, events: list[Event]) -> discord.Embed:
    lines = []
    for event in events:
        who = f"<@{event.actor}>" if event.actor else "Bridges"
        note = f": {event.note}" if event.note else ""
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
        f"{status(view)} · <t:{int(view.created_at.timestamp())}:R>"
    )


def redacted_post(view: EscalationView, role_id: int | None) -> str:
    """The post while the staff channel is readable by others: no name, words or category."""
    ping = f"<@&{role_id}> " if role_id else ""
    return (
        f"{ping}Escalation #{view.id} ({URGENCY[view.urgency]}): "
        f"see /staff escalation view {view.id}"
    )
