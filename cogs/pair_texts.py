"""What mentoring pairs read when a match starts or ends."""

from __future__ import annotations

from bot.services.matching import FocusArea

STARTERS: dict[FocusArea, tuple[str, ...]] = {
    FocusArea.ACADEMICS: (
        "Which class feels hardest right now, and what part of it?",
        "What's one assignment coming up that we could plan together?",
    ),
    FocusArea.SOCIAL_EMOTIONAL: (
        "What's something that made you smile this week?",
        "When things get stressful, what helps you reset?",
    ),
    FocusArea.CAREER: (
        "If you could try any job for a day, what would it be?",
        "What's something you're good at that people might not know?",
    ),
    FocusArea.COLLEGE_PREP: (
        "What do you want to know about life after high school?",
        "Is there a school, program or path you're curious about?",
    ),
    FocusArea.LIFE_SKILLS: (
        "What's one thing you'd like to get better at managing (time, money, sleep)?",
        "What does a good week look like for you?",
    ),
}

#: The pair channel's topic (Bridges adds the match's marker after it).
CHANNEL_TOPIC = "Private channel of a mentoring pair: only the two of you and staff see it"

FIRST_STEPS = (
    "1. Say hi and share one thing about yourselves.\n"
    "2. Pick a time to meet this week (`/session schedule` when it is available).\n"
    "3. Agree on one goal to work on together.\n"
    "This channel is private: only the two of you and staff can see it. If anything "
    "worries you, use `/help-me` or talk to a staff member."
)


def welcome(mentor_mention: str, mentee_mention: str, areas: tuple[FocusArea, ...]) -> str:
    starters = [starter for area in areas for starter in STARTERS[area][:1]] or list(
        STARTERS[FocusArea.SOCIAL_EMOTIONAL][:1]
    )
    lines = "\n".join(f"- {starter}" for starter in starters[:3])
    return (
        f"Welcome {mentee_mention} and {mentor_mention}! You are now a mentoring pair.\n\n"
        f"**First steps**\n{FIRST_STEPS}\n\n**Conversation starters**\n{lines}"
    )


def matched_dm(other_mention: str, channel_mention: str, *, mentor: bool) -> str:
    role = "mentee" if mentor else "mentor"
    return (
        f"You have a new {role}: {other_mention}. Say hello in {channel_mention} "
        "(only the two of you and staff can see it)."
    )


def closed_notice(reason: str) -> str:
    return (
        f"This mentoring match has ended ({reason}). The channel is kept read-only for "
        "staff. Thank you both for the time you gave each other."
    )
