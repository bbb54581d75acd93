"""What students and staff read about escalations. Times use Discord markup.

Everything is a ``bot.i18n.Text`` (or a ``Joined`` of them): what students read (the
/help-me form and replies, the crisis resources, the away-hours text) is rendered by the cog
in the reader's language; staff posts and embeds in the server's language and DMs in their
recipient's, by the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import discord

from bot.i18n import Joined, Localized, Slash, Text, render, render_json
from bot.services import signals
from bot.services.concern import LABELS
from bot.services.escalations import (
    CONCERN_EVENT,
    CONCERNING_LANGUAGE,
    DM_FALLBACK,
    FALLBACK_NO_CHANNEL,
    FALLBACK_POST,
    FALLBACK_RE_PING,
    MENTOR_CONCERN,
    MENTOR_SESSION,
    NEXT_TIER,
    Context,
    EscalationView,
    Event,
)
from bot.services.support_hours import Away
from bot.text import plain_links
from storage.models import EscalationStatus, Urgency

URGENCY = {
    Urgency.CAN_WAIT: Text("Can wait"),
    Urgency.TODAY: Text("Today"),
    Urgency.RIGHT_NOW: Text("Right now"),
}
CATEGORY = {
    "academic": Text("Academic"),
    "attendance": Text("Attendance"),
    "bullying": Text("Bullying or harassment"),
    "wellbeing": Text("Wellbeing"),
    "safety": Text("Safety"),
    "other": Text("Other"),
}
RULE = {
    signals.TWO_NO_SHOWS: Text("Two no-shows in a row"),
    signals.NO_FIRST_SESSION: Text("No session in the first 7 days of the match"),
    signals.NO_SESSION_14_DAYS: Text("No session in 14 days in an active match"),
    signals.LOW_MOOD_TWICE: Text("Mood 2 or lower in two check-ins in a row"),
    signals.TWO_MISSED_CHECKINS: Text("Two check-ins in a row missed"),
    signals.REACH_OUT: Text("Asked in a check-in for an adult to reach out"),
    signals.MENTOR_SUPPORT: Text("A mentor asked for support from staff in their check-in"),
    MENTOR_CONCERN: Text("A mentor raised a concern in their check-in"),
    CONCERNING_LANGUAGE: Text("Concerning language in a check-in, a goal or a session note"),
}
#: Where a member's concerning words were found, as signals record it.
WHERE = {
    "goal": Text("in a goal"),
    "session": Text("in a session's topic or attendance note"),
    "checkin": Text("in a check-in"),
    "mentor check-in": Text("in a mentor check-in"),
    MENTOR_SESSION: Text("in their mentor's session topic or attendance note"),
}
#: Why an escalation went to staff as DMs (``DM_FALLBACK`` notes).
FALLBACK_WHY = {
    FALLBACK_NO_CHANNEL: Text("no staff channel"),
    FALLBACK_POST: Text("the post failed"),
    FALLBACK_RE_PING: Text("a re-ping failed"),
}
#: What each event of the timeline is called (an unknown one is shown as recorded).
ACTION = {
    "opened": Text("opened"),
    "quoted": Text("quoted"),
    CONCERN_EVENT: Text("concern"),
    "claimed": Text("claimed"),
    "note": Text("note"),
    "resolved": Text("resolved"),
    "reassigned": Text("reassigned"),
    "posted": Text("posted"),
    DM_FALLBACK: Text("sent as DMs"),
    "re-pinged": Text("re-pinged"),
    "next-tier": Text("next tier"),
    "follow-up": Text("follow-up"),
    "signal": Text("signal"),
    "text": Text("text"),
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
        student = _mention(view.student_user_id)
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


def concerns(view: EscalationView) -> Text | str:
    """What staff read about the concerning language found: each category's label."""
    return _labels(view.concerns)


def _labels(categories: Iterable[str]) -> Text | str:
    labels = [LABELS.get(category, category) for category in categories]
    return Joined(labels, "; ") if labels else ""


def _fallback(note: str) -> Text | str:
    """A DM fallback's note (see ``DM_FALLBACK``) for the reader; one recorded before notes
    were structured is shown as it was written."""
    try:
        recorded = json.loads(note)
        why, staff = FALLBACK_WHY[recorded["why"]], recorded["to"]
    except (ValueError, KeyError, TypeError):
        return note
    who: Text | str = ", ".join(_mention(u) for u in staff) or Text("nobody (no staff known)")
    return Text("{why}; to {who}", why=why, who=who)


def _mention(user_id: int | None) -> str:
    return f"<@{user_id}>"


def _ping(role_id: int | None) -> str:
    return f"<@&{role_id}> " if role_id else ""


class _Command(Localized):
    """A staff command to copy with the escalation's number, as the reader's Discord names
    it: "`/staff escalation view 3`" / "`/personal alerta ver 3`"."""

    __slots__ = ("action", "escalation_id", "quoted")

    def __init__(self, action: str, escalation_id: int, *, quoted: bool = True) -> None:
        self.action, self.escalation_id, self.quoted = action, escalation_id, quoted

    def render(self, language: str) -> str:
        command = Slash(f"staff escalation {self.action}").render(language)
        shown = f"{command} {self.escalation_id}"
        return f"`{shown}`" if self.quoted else shown


def _command(action: str, view: EscalationView, *, quoted: bool = True) -> _Command:
    return _Command(action, view.id, quoted=quoted)


def reason(view: EscalationView) -> Text | str:
    if view.manual:
        category = CATEGORY.get(view.category or "", CATEGORY["other"])
        text: Text | str = (
            Text(
                "Asked for help with {command} by {by}: {category}",
                command=Slash("help-me"),
                by=_mention(view.raised_by),
                category=category,
            )
            if view.raised_by
            else Text(
                "Asked for help with {command} by someone: {category}",
                command=Slash("help-me"),
                category=category,
            )
        )
    elif view.raised_by not in (None, view.student_user_id):  # a mentor wrote about them
        text = Text(
            "{reason}, reported by {by}",
            reason=RULE.get(view.source, view.source),
            by=_mention(view.raised_by),
        )
    else:
        text = RULE.get(view.source, view.source)
    if view.concerns:
        return Text(
            "{reason}. Concerning language: {concerns}", reason=text, concerns=concerns(view)
        )
    return text


def status(view: EscalationView) -> Text:
    if view.status is EscalationStatus.OPEN:
        return Text("Open, not claimed yet")
    if view.status is EscalationStatus.CLAIMED:
        return Text("Claimed by {staff}", staff=_mention(view.assignee))
    return Text("Resolved (last handled by {staff})", staff=_mention(view.assignee))


def moods(recent: tuple[int | None, ...]) -> Text | Joined:
    if not recent:
        return Text("none yet")
    return Joined(
        [Text("missed") if mood is None else Text("mood {mood}/5", mood=mood) for mood in recent],
        ", ",
    )


def _field(name: Text, value: object, *, inline: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "inline": inline}


def embed(view: EscalationView, context: Context) -> dict[str, Any]:
    """The staff post's embed as Discord's JSON, its texts not yet rendered: the outbox
    writes it in the server's language (``rendered_embed`` for an edit)."""
    colour = (
        discord.Colour.green() if view.status is EscalationStatus.RESOLVED else COLOUR[view.urgency]
    )
    fields = [
        _field(Text("Student"), _mention(view.student_user_id)),
        _field(
            Text("Mentor"),
            _mention(view.mentor_user_id) if view.mentor_user_id else Text("No match"),
        ),
        _field(Text("Urgency"), URGENCY[view.urgency]),
    ]
    if view.details:
        fields.append(
            _field(Text("What is going on"), plain_links(view.details, limit=1000), inline=False)
        )
    fields.append(
        _field(
            Text("Recent context"),
            Text(
                "Sessions: {happened} happened, {no_shows} no-shows (the student's answers).\n"
                "Last check-ins (newest first): {moods}\nOpen goals: {goals}",
                happened=context.sessions_happened,
                no_shows=context.no_shows,
                moods=moods(context.moods),
                goals="; ".join(context.open_goals)[:500],
            )
            if context.open_goals
            else Text(  # its own message: "ninguna" agrees with "metas" in Spanish
                "Sessions: {happened} happened, {no_shows} no-shows (the student's answers).\n"
                "Last check-ins (newest first): {moods}\nOpen goals: none",
                happened=context.sessions_happened,
                no_shows=context.no_shows,
                moods=moods(context.moods),
            ),
            inline=False,
        )
    )
    if view.signal_count > 1:
        fields.append(
            _field(
                Text("Signals"),
                Text("{count} so far", count=view.signal_count),
                inline=False,
            )
        )
    fields += [
        _field(Text("Status"), status(view), inline=False),
        _field(Text("Raised"), when(view.created_at), inline=False),
    ]
    return {
        "type": "rich",
        "title": Text("Escalation #{id}: {urgency}", id=view.id, urgency=URGENCY[view.urgency]),
        "description": reason(view),
        "color": colour.value,
        "fields": fields,
        "footer": {
            "text": Text("Timeline: {command}", command=_command("view", view, quoted=False))
        },
    }


def rendered_embed(shown: dict[str, Any], language: str) -> discord.Embed:
    """An embed built here (``embed``, ``timeline``), written in ``language``."""
    return discord.Embed.from_dict(render_json(shown, language))


def post_content(view: EscalationView, role_id: int | None) -> Text:
    if view.concerns:
        return Text(
            "{ping}New escalation #{id} ({urgency}). {concerns}.",
            ping=_ping(role_id),
            id=view.id,
            urgency=URGENCY[view.urgency],
            concerns=concerns(view),
        )
    return Text(
        "{ping}New escalation #{id} ({urgency}).",
        ping=_ping(role_id),
        id=view.id,
        urgency=URGENCY[view.urgency],
    )


def re_ping(view: EscalationView, role_id: int | None, stage: int) -> Text:
    if stage == NEXT_TIER:
        return Text(
            "{ping}Escalation #{id} ({urgency}) is still unclaimed since {when}. Escalating to "
            "you: please claim it.",
            ping=_ping(role_id),
            id=view.id,
            urgency=URGENCY[view.urgency],
            when=when(view.created_at),
        )
    return Text(
        "{ping}Reminder: escalation #{id} ({urgency}) has not been claimed yet (raised {when}). "
        "Please claim it.",
        ping=_ping(role_id),
        id=view.id,
        urgency=URGENCY[view.urgency],
        when=when(view.created_at),
    )


def follow_up_reminder(view: EscalationView, stage: int) -> Text:
    """The claimer's reminder that nothing has been written on their claim yet."""
    fields: dict[str, object] = {
        "id": view.id,
        "urgency": URGENCY[view.urgency],
        "student": _mention(view.student_user_id),
        "command": _command("view", view),
    }
    if stage > 1:
        return Text(
            "Reminder again: you claimed escalation #{id} ({urgency}) about {student}, and no "
            "note or resolution has been written since. Add a note (what you did, or what is "
            "next) or resolve it: {command}.",
            **fields,
        )
    return Text(
        "Reminder: you claimed escalation #{id} ({urgency}) about {student}, and no note or "
        "resolution has been written since. Add a note (what you did, or what is next) or "
        "resolve it: {command}.",
        **fields,
    )


def follow_up_ping(view: EscalationView, role_id: int | None, claimer: int) -> Text:
    """The staff role's ping when the claimer's reminder went unanswered."""
    return Text(
        "{ping}Follow-up overdue: escalation #{id} ({urgency}) was claimed by {claimer} {when} "
        "and still has no note or resolution. Please check with them, or take it over with "
        "Reassign.",
        ping=_ping(role_id),
        id=view.id,
        urgency=URGENCY[view.urgency],
        claimer=_mention(claimer),
        when=when(view.claimed_at or view.created_at),
    )


def follow_up(view: EscalationView) -> Text | str:
    """The follow-up state shown in the list: due, or overdue once a reminder went out."""
    if view.follow_up_due is None:
        return ""
    since = f"<t:{int(view.follow_up_due.timestamp())}:R>"
    if view.follow_up_stage:
        return Text(" · follow-up overdue since {since}", since=since)
    return Text(" · follow-up due {since}", since=since)


#: Why a staff member is DMed an escalation (``staff_dm``).
NO_CHANNEL = Text("The escalation channel is missing or I can't post there, so you get this DM.")
UNCLAIMED = Text("Nobody has claimed this yet.")
UNCLAIMED_NO_CHANNEL = Text(
    "Nobody has claimed this yet, and I can't post in the escalation channel."
)


def staff_dm(view: EscalationView, why: Text) -> Text:
    return Text(
        "{why} Escalation #{id} ({urgency}) about {student}: {reason}. Claim it in the server "
        "with {claim} and see it with {view}.",
        why=why,
        id=view.id,
        urgency=URGENCY[view.urgency],
        student=_mention(view.student_user_id),
        reason=reason(view),
        claim=_command("claim", view),
        view=_command("view", view),
    )


def assigned(view: EscalationView, by_user_id: int) -> Text:
    return Text(
        "{by} gave you escalation #{id} ({urgency}) about {student}: {reason}. See it with "
        "{command}.",
        by=_mention(by_user_id),
        id=view.id,
        urgency=URGENCY[view.urgency],
        student=_mention(view.student_user_id),
        reason=reason(view),
        command=_command("view", view),
    )


def claimed(view: EscalationView, staff_user_id: int, show_name: bool, reader: int) -> Text:
    """What the student (or the mentor who raised it) reads when staff pick it up."""
    staff, student = _mention(staff_user_id), _mention(view.student_user_id)
    if reader != view.student_user_id:
        if show_name:
            return Text(
                "{staff}, a staff member, has picked up your concern about {student} (#{id}). "
                "Thank you for speaking up.",
                staff=staff,
                student=student,
                id=view.id,
            )
        return Text(
            "A staff member has picked up your concern about {student} (#{id}). Thank you for "
            "speaking up.",
            student=student,
            id=view.id,
        )
    if view.raised_by == reader:
        if show_name:
            return Text(
                "{staff}, a staff member, has picked up your request (#{id}) and will be in "
                "touch with you soon.",
                staff=staff,
                id=view.id,
            )
        return Text(
            "A staff member has picked up your request (#{id}) and will be in touch with you soon.",
            id=view.id,
        )
    if show_name:
        return Text(
            "{staff}, a staff member, would like to check in with you and will be in touch soon.",
            staff=staff,
        )
    return Text("A staff member would like to check in with you and will be in touch soon.")


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


def timeline(view: EscalationView, events: list[Event], language: str) -> discord.Embed:
    """The escalation's timeline for a staff member reading in ``language``."""
    lines = []
    for event in events:
        at = f"<t:{int(event.at.timestamp())}:f>"
        who = _mention(event.actor) if event.actor else "Bridges"
        shown_note: Text | str | None = event.note
        if event.action == CONCERN_EVENT and event.note:  # category ids, named for staff
            shown_note = _labels(event.note.split(", "))
        elif event.action == DM_FALLBACK and event.note:
            shown_note = _fallback(event.note)
        elif event.note in WHERE:
            shown_note = WHERE[event.note]
        note = f": {render(shown_note, language)}" if shown_note else ""
        action = render(ACTION.get(event.action, event.action), language)
        lines.append(f"{at} {who} {action}{note}")
    shown = rendered_embed(
        {
            "type": "rich",
            "title": Text("Escalation #{id}: {status}", id=view.id, status=status(view)),
            "description": Text(
                "{reason}\nStudent {student}, urgency {urgency}.",
                reason=reason(view),
                student=_mention(view.student_user_id),
                urgency=URGENCY[view.urgency],
            ),
            "color": COLOUR[view.urgency].value,
        },
        language,
    )
    if view.details:
        shown.add_field(
            name=Text("What is going on").render(language),
            value=plain_links(view.details, limit=1000),
            inline=False,
        )
    text = "\n".join(lines)
    shown.add_field(
        name=Text("Timeline").render(language),
        value=text[-1024:] or Text("Nothing yet.").render(language),
        inline=False,
    )
    return shown


def listing_line(view: EscalationView) -> Text:
    raised = f"<t:{int(view.created_at.timestamp())}:R>"
    return Text(
        "`#{id}` {urgency} · {student} · {reason} · {status}{follow_up} · {raised}",
        id=view.id,
        urgency=URGENCY[view.urgency],
        student=_mention(view.student_user_id),
        reason=reason(view),
        status=status(view),
        follow_up=follow_up(view),
        raised=raised,
    )


def redacted_post(view: EscalationView, role_id: int | None) -> Text:
    """The post while the staff channel is readable by others: no name, words or category."""
    return Text(
        "{ping}Escalation #{id} ({urgency}): see {command}",
        ping=_ping(role_id),
        id=view.id,
        urgency=URGENCY[view.urgency],
        command=_command("view", view, quoted=False),
    )
