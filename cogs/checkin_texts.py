"""What people read about goals and check-ins. Times use Discord markup (each reader's zone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.services.checkins import CheckinPrompt, Digest, Entry, History, MentorHistory
from bot.services.goals import GoalView, Proposal
from storage.models import CheckinStatus

MOODS = {1: "really hard", 2: "not great", 3: "okay", 4: "good", 5: "great"}
PROGRESS = {1: "not started", 2: "a little", 3: "halfway", 4: "nearly there", 5: "done"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NO_GOALS = "You have no goals yet: add one any time with `/goal add` (your mentor can help)."


def when(instant: datetime) -> str:
    unix = int(instant.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def goal_line(goal: GoalView) -> str:
    return (
        f"`#{goal.id}` **{goal.what}** ({goal.focus_area}, by {goal.due_on:%b %d, %Y}): "
        f"{goal.status.value}\n  why: {goal.why}\n  we'll know: {goal.measure}"
    )


def goal_list(goals: Sequence[GoalView], own: bool) -> str:
    if not goals:
        return NO_GOALS if own else "No goals yet."
    return "\n".join(goal_line(goal) for goal in goals)


def prompt(item: CheckinPrompt, *, reminder: bool = False) -> str:
    head = (
        "Reminder: your weekly check-in is still waiting."
        if reminder
        else "Time for your weekly check-in! It takes about two minutes."
    )
    goals = (
        "Your goals this week:\n" + "\n".join(f"- {goal.what}" for goal in item.goals)
        if item.goals
        else NO_GOALS
    )
    return f"{head}\n{goals}\nPress **Start** to answer; it's open until {when(item.closes_at)}."


PROGRESS_STEP = (
    "How far did you get on each goal this week (1-5)? Skip any you'd rather not rate, "
    "then press **Next**."
)


def thanks(streak: int) -> str:
    weeks = f" That's {streak} week{'s' if streak != 1 else ''} in a row." if streak > 1 else ""
    return f"Thanks for checking in!{weeks} Your mentor sees a summary (never your note for staff)."


def milestone(weeks: int) -> str:
    return (
        f"🎉 {weeks} weeks of check-ins in a row! Showing up every week is how goals happen. "
        "Keep it going!"
    )


def digest(item: Digest) -> str:
    lines = [
        f"Check-in from <@{item.mentee_user_id}> (week of {item.week:%b %d}):",
        f"- Mood: {item.mood}/5 ({MOODS[item.mood]})",
    ]
    lines += [f"- {what}: {value}/5 ({PROGRESS[value]})" for what, value in item.progress]
    if item.went_well:
        lines.append(f"- Went well: {item.went_well}")
    if item.hard:
        lines.append(f"- Hard: {item.hard}")
    lines.append("Maybe bring one of these up at your next session.")
    return "\n".join(lines)[:1990]


def history(item: History) -> str:
    if not item.entries:
        return f"No check-ins yet for <@{item.user_id}>."
    lines = [f"Check-ins of <@{item.user_id}> (streak: {item.streak} week(s)):"]
    for entry in reversed(item.entries):
        lines.append(_entry(entry))
    return "\n".join(lines)[:1990]


def mentor_history(item: MentorHistory) -> str:
    if not item.entries:
        return f"No mentor check-ins yet for <@{item.user_id}>."
    lines = [f"Mentor check-ins of <@{item.user_id}>:"]
    for entry in reversed(item.entries):
        met = "met their mentee" if entry.met else "did not meet their mentee"
        text = f"**{entry.week:%b %d}**: {met}, going {entry.going}/5"
        if entry.needs_support:
            text += ", asked for support from staff"
        if entry.concern:
            text += f"\n  concern: {entry.concern}"
        lines.append(text)
    return "\n".join(lines)[:1990]


def _entry(entry: Entry) -> str:
    if entry.status is not CheckinStatus.DONE:
        return f"**{entry.week:%b %d}**: {entry.status.value}"
    parts = [f"**{entry.week:%b %d}**: mood {entry.mood}/5"]
    parts += [f"{what} {value}/5" for what, value in entry.progress]
    text = ", ".join(parts)
    if entry.went_well:
        text += f"\n  went well: {entry.went_well}"
    if entry.hard:
        text += f"\n  hard: {entry.hard}"
    if entry.staff_note:
        text += f"\n  note for staff: {entry.staff_note}"
    if entry.reach_out:
        text += "\n  asked for an adult from staff to reach out"
    return text


def rhythm_set(weekday: int, at: str, next_at: datetime | None) -> str:
    after = f" The next one comes {when(next_at)}." if next_at else ""
    return f"Your check-in now comes on {WEEKDAYS[weekday]}s at {at} your time.{after}"


def paused(until: str) -> str:
    return f"Check-ins paused until {until} (included). Enjoy the break!"


def proposal(item: Proposal) -> str:
    goal = item.goal
    return (
        f"<@{item.mentor_user_id}> proposes a goal for you: **{goal.what}** "
        f"({goal.focus_area}, by {goal.due_on:%b %d, %Y})\nWhy: {goal.why}\n"
        f"We'll know when: {goal.measure}\nDo you want to take it on?"
    )


def proposal_answered(item: Proposal, accepted: bool) -> str:
    verb = "accepted" if accepted else "declined"
    return f"<@{item.mentee_user_id}> {verb} your proposed goal **{item.goal.what}**."


def mentor_thanks(support: bool, concern: bool) -> str:
    """After the mentor's form: what happens to what they wrote, truthfully."""
    if support and concern:
        return "Thanks! Staff have your concern and your request for support; one will reach out."
    if support:
        return "Thanks! Staff have your request for support; one will reach out."
    if concern:
        return "Thanks! Your concern has gone to staff, who will follow it up."
    return "Thanks! Staff read mentors' check-ins to support you."


MENTOR_PROMPT = (
    "Mentor check-in: how is mentoring going? Four quick questions; your answers go to staff "
    "only. Press **Answer**."
)
