"""What mentoring pairs read when a match starts or ends."""

from __future__ import annotations

from bot.i18n import Joined, Slash, Text
from bot.services.matching import FocusArea

STARTERS: dict[FocusArea, tuple[Text, ...]] = {
    FocusArea.ACADEMICS: (
        Text("Which class feels hardest right now, and what part of it?"),
        Text("What's one assignment coming up that we could plan together?"),
    ),
    FocusArea.SOCIAL_EMOTIONAL: (
        Text("What's something that made you smile this week?"),
        Text("When things get stressful, what helps you reset?"),
    ),
    FocusArea.CAREER: (
        Text("If you could try any job for a day, what would it be?"),
        Text("What's something you're good at that people might not know?"),
    ),
    FocusArea.COLLEGE_PREP: (
        Text("What do you want to know about life after high school?"),
        Text("Is there a school, program or path you're curious about?"),
    ),
    FocusArea.LIFE_SKILLS: (
        Text("What's one thing you'd like to get better at managing (time, money, sleep)?"),
        Text("What does a good week look like for you?"),
    ),
}

#: The pair channel's topic (Bridges adds the match's marker after it).
CHANNEL_TOPIC = "Private channel of a mentoring pair: only the two of you and staff see it"

FIRST_STEPS = Text(
    "1. Say hi and share one thing about yourselves.\n"
    "2. Pick a time to meet this week (`{schedule}` when it is available).\n"
    "3. Agree on one goal to work on together.\n"
    "This channel is private: only the two of you and staff can see it. If anything "
    "worries you, use `{help}` or talk to a staff member.",
    schedule=Slash("session schedule"),
    help=Slash("help-me"),
)


def welcome(mentor_mention: str, mentee_mention: str, areas: tuple[FocusArea, ...]) -> Text:
    starters = [starter for area in areas for starter in STARTERS[area][:1]] or list(
        STARTERS[FocusArea.SOCIAL_EMOTIONAL][:1]
    )
    return Text(
        "Welcome {mentee} and {mentor}! You are now a mentoring pair.\n\n"
        "**First steps**\n{steps}\n\n**Conversation starters**\n{starters}",
        mentee=mentee_mention,
        mentor=mentor_mention,
        steps=FIRST_STEPS,
        starters=Joined(starters[:3], "\n", "- "),
    )


def matched_dm(other_mention: str, channel_mention: str, *, mentor: bool) -> Text:
    if mentor:
        return Text(
            "You have a new mentee: {other}. Say hello in {channel} (only the two of you and "
            "staff can see it).",
            other=other_mention,
            channel=channel_mention,
        )
    return Text(
        "You have a new mentor: {other}. Say hello in {channel} (only the two of you and "
        "staff can see it).",
        other=other_mention,
        channel=channel_mention,
    )


def closed_notice(reason: str) -> Text:
    return Text(
        "This mentoring match has ended ({reason}). The channel is kept read-only for "
        "staff. Thank you both for the time you gave each other.",
        reason=reason,
    )
