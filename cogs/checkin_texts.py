"""What people read about goals and check-ins. Times use Discord markup (each reader's zone).

Every function returns a ``bot.i18n.Text`` (or a ``Joined`` of them): a ``str`` holding the
English, which the cog renders in the reader's language; a DM is rendered in its
recipient's stored language when it is written to the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from bot.i18n import Date, Joined, Plural, Slash, Text, Weekday
from bot.services.checkins import CheckinPrompt, Digest, Entry, History, MentorHistory
from bot.services.goals import GoalView, Proposal
from bot.text import plain_links
from storage.models import CheckinStatus, GoalStatus

MOODS = {
    1: Text("really hard"),
    2: Text("not great"),
    3: Text("okay"),
    4: Text("good"),
    5: Text("great"),
}
PROGRESS = {
    1: Text("not started"),
    2: Text("a little"),
    3: Text("halfway"),
    4: Text("nearly there"),
    5: Text("done"),
}
GOAL_STATUS = {
    GoalStatus.PROPOSED: Text("proposed"),
    GoalStatus.ACTIVE: Text("active"),
    GoalStatus.DONE: Text("reached"),
    GoalStatus.DROPPED: Text("dropped"),
    GoalStatus.DECLINED: Text("declined"),
}
CHECKIN_STATUS = {
    CheckinStatus.OPEN: Text("open, not answered yet"),
    CheckinStatus.DONE: Text("answered"),
    CheckinStatus.MISSED: Text("missed"),
}
NO_GOALS = Text(
    "You have no goals yet: add one any time with {command} (your mentor can help).",
    command=Slash("goal add"),
)
PROGRESS_STEP = Text(
    "How far did you get on each goal this week (1-5)? Skip any you'd rather not rate, "
    "then press **Next**."
)
DIGEST_ANSWER = 700
MENTOR_PROMPT = Text(
    "Mentor check-in: how is mentoring going? Four quick questions; your answers go to staff "
    "only. Press **Answer**."
)


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def _day(day: date) -> Date:
    return Date(day, "yMMMd")


def _week(day: date) -> Date:
    return Date(day, "MMMd")


def rating(value: int, labels: dict[int, Text]) -> Text:
    """One choice of a 1-5 scale: "4 - good" (with an en dash)."""
    return Text("{value} – {label}", value=value, label=labels[value])


def goal_line(goal: GoalView) -> Text:
    return Text(
        "`#{id}` **{what}** ({area}, by {day}): {status}\n  why: {why}\n  we'll know: {measure}",
        id=goal.id,
        what=goal.what,
        area=goal.focus_area,
        day=_day(goal.due_on),
        status=GOAL_STATUS.get(goal.status, goal.status.value),
        why=goal.why,
        measure=goal.measure,
    )


def goal_list(goals: Sequence[GoalView], own: bool) -> Text | Joined:
    if not goals:
        return NO_GOALS if own else Text("No goals yet.")
    return Joined([goal_line(goal) for goal in goals], "\n")


REMINDER_HEAD = Text("Reminder: your weekly check-in is still waiting.")
PROMPT_HEAD = Text("Time for your weekly check-in! It takes about two minutes.")


def prompt(item: CheckinPrompt, *, reminder: bool = False) -> Joined:
    return _prompt(tuple(goal.what for goal in item.goals), item.closes_at, reminder)


@lru_cache(maxsize=1024)
def _prompt(goals_what: tuple[str, ...], closes_at: datetime, reminder: bool) -> Joined:
    """A prompt's text, built once per distinct goals and closing in a fan-out: one object
    for all who share them (the outbox renders it once per language, not once each)."""
    goals: Text = (
        Text("Your goals this week:\n{goals}", goals=Joined(goals_what, "\n", "- "))
        if goals_what
        else NO_GOALS
    )
    head = REMINDER_HEAD if reminder else PROMPT_HEAD
    return Joined([head, goals, _open_until(closes_at)], "\n")


@lru_cache(maxsize=64)
def _open_until(closes_at: datetime) -> Text:
    """The prompt's last line: the same for every check-in of a fan-out (built once)."""
    return Text("Press **Start** to answer; it's open until {when}.", when=when(closes_at))


def thanks(streak: int) -> Text:
    if streak > 1:
        return Plural(
            "Thanks for checking in! That's {count} week in a row. Your mentor sees a summary "
            "(never your note for staff).",
            "Thanks for checking in! That's {count} weeks in a row. Your mentor sees a summary "
            "(never your note for staff).",
            streak,
        )
    return Text("Thanks for checking in! Your mentor sees a summary (never your note for staff).")


def milestone(weeks: int) -> Text:
    return Plural(
        "🎉 {count} week of check-ins in a row! Showing up every week is how goals happen. "
        "Keep it going!",
        "🎉 {count} weeks of check-ins in a row! Showing up every week is how goals happen. "
        "Keep it going!",
        weeks,
    )


def _clipped(lines: Sequence[Text | Joined]) -> Joined:
    return Joined(lines, "\n")


def digest(item: Digest) -> Joined:
    mentee = f"<@{item.mentee_user_id}>"
    lines = [
        Text("Check-in from {mentee} (week of {week}):", mentee=mentee, week=_week(item.week)),
        Text("- Mood: {mood}/5 ({label})", mood=item.mood, label=MOODS[item.mood]),
    ]
    lines += [
        Text("- {goal}: {value}/5 ({label})", goal=what, value=value, label=PROGRESS[value])
        for what, value in item.progress
    ]
    # Each answer is at most 1000 characters; two of them and the rest fit one message.
    if item.went_well:
        lines.append(Text("- Went well: {text}", text=item.went_well[:DIGEST_ANSWER]))
    if item.hard:
        lines.append(Text("- Hard: {text}", text=item.hard[:DIGEST_ANSWER]))
    lines.append(Text("Maybe bring one of these up at your next session."))
    return _clipped(lines)


def history(item: History) -> Text | Joined:
    member = f"<@{item.user_id}>"
    if not item.entries:
        return Text("No check-ins yet for {member}.", member=member)
    head = Plural(
        "Check-ins of {member} (streak: {count} week):",
        "Check-ins of {member} (streak: {count} weeks):",
        item.streak,
        member=member,
    )
    return _clipped([head, *(_entry(entry) for entry in reversed(item.entries))])


def mentor_history(item: MentorHistory) -> Text | Joined:
    member = f"<@{item.user_id}>"
    if not item.entries:
        return Text("No mentor check-ins yet for {member}.", member=member)
    lines: list[Text | Joined] = [Text("Mentor check-ins of {member}:", member=member)]
    for entry in reversed(item.entries):
        week = _week(entry.week)
        parts: list[Text] = [
            Text("**{week}**: met their mentee, going {going}/5", week=week, going=entry.going)
            if entry.met
            else Text(
                "**{week}**: did not meet their mentee, going {going}/5",
                week=week,
                going=entry.going,
            )
        ]
        if entry.needs_support:
            parts.append(Text(", asked for support from staff"))
        if entry.concern:
            parts.append(Text("\n  concern: {text}", text=plain_links(entry.concern)))
        lines.append(Joined(parts, ""))
    return _clipped(lines)


def _entry(entry: Entry) -> Text | Joined:
    week = _week(entry.week)
    if entry.status is not CheckinStatus.DONE:
        return Text("**{week}**: {status}", week=week, status=CHECKIN_STATUS[entry.status])
    parts: list[Text | str] = [
        Text("**{week}**: mood {mood}/5", week=week, mood=entry.mood),
        *(f"{what} {value}/5" for what, value in entry.progress),
    ]
    details: list[Text] = []
    if entry.went_well:
        details.append(Text("\n  went well: {text}", text=plain_links(entry.went_well)))
    if entry.hard:
        details.append(Text("\n  hard: {text}", text=plain_links(entry.hard)))
    if entry.staff_note:
        details.append(Text("\n  note for staff: {text}", text=plain_links(entry.staff_note)))
    if entry.reach_out:
        details.append(Text("\n  asked for an adult from staff to reach out"))
    return Joined([Joined(parts, ", "), *details], "")


def rhythm_set(weekday: int, at: str, next_at: datetime | None) -> Text:
    if next_at is None:
        return Text(
            "Your check-in now comes every {day} at {at} your time.", day=Weekday(weekday), at=at
        )
    return Text(
        "Your check-in now comes every {day} at {at} your time. The next one comes {when}.",
        day=Weekday(weekday),
        at=at,
        when=when(next_at),
    )


def paused(until: date) -> Text:
    return Text("Check-ins paused until {day} (included). Enjoy the break!", day=_day(until))


def proposal(item: Proposal) -> Text:
    goal, mentor = item.goal, f"<@{item.mentor_user_id}>"
    return Text(
        "{mentor} proposes a goal for you: **{what}** ({area}, by {day})\nWhy: {why}\n"
        "We'll know when: {measure}\nDo you want to take it on?",
        mentor=mentor,
        what=goal.what,
        area=goal.focus_area,
        day=_day(goal.due_on),
        why=goal.why,
        measure=goal.measure,
    )


def proposal_answered(item: Proposal, accepted: bool) -> Text:
    mentee = f"<@{item.mentee_user_id}>"
    if accepted:
        return Text(
            "{mentee} accepted your proposed goal **{what}**.", mentee=mentee, what=item.goal.what
        )
    return Text(
        "{mentee} declined your proposed goal **{what}**.", mentee=mentee, what=item.goal.what
    )


def mentor_thanks(support: bool, concern: bool) -> Text:
    """After the mentor's form: what happens to what they wrote, truthfully."""
    if support and concern:
        return Text(
            "Thanks! Staff have your concern and your request for support; one will reach out."
        )
    if support:
        return Text("Thanks! Staff have your request for support; one will reach out.")
    if concern:
        return Text("Thanks! Your concern has gone to staff, who will follow it up.")
    return Text("Thanks! Staff read mentors' check-ins to support you.")
