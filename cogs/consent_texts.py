"""What people read about guardian consent on file: /join's notices, /staff consent's reply,
and the roster's and cohort proposal's marks."""

from __future__ import annotations

from bot.i18n import Joined, Text

AGE_NOTICE = Text(
    "Discord requires everyone who uses it to be at least 13 years old, so the program is for "
    "students 13 and older."
)
CONSENT_NOTICE = Text(
    "Before staff can match you, your school needs a consent form from your parent or "
    "guardian. Staff record it when it's in; ask them if you're not sure."
)
WAITING_MARK = Text("(waiting on guardian consent)")
MENTORS_LEFT_OUT = Text("Mentors without a guardian's consent on file are left out.")


def join_notices(consent_needed: bool) -> Joined:
    """What /join adds to its privacy notice, in the student's language."""
    return Joined([AGE_NOTICE, *([CONSENT_NOTICE] if consent_needed else [])], "\n")


def consent_reply(member: str, on_file: bool, required: bool) -> Joined:
    recorded = (
        Text("Recorded: the school holds a guardian's consent for {member}.", member=member)
        if on_file
        else Text("Recorded: the school holds no guardian's consent for {member}.", member=member)
    )
    if not required:
        effect = Text(
            "Matching doesn't wait for consent in this server ([privacy] "
            "require_guardian_consent is off); the record is kept."
        )
    elif on_file:
        effect = Text("They can be matched now.")
    else:
        effect = Text("They won't be matched until it's on file.")
    return Joined([recorded, effect], " ")


def cohort_waiting_line(member: str) -> Text:
    return Text("{member}: left out, waiting for a guardian's consent on file", member=member)
