"""What members read about the mid-point and closure surveys (``Text``s, rendered in the
reader's language; the DMs in the recipient's)."""

from __future__ import annotations

from bot.i18n import Plural, Text

LIKERT_LABELS = {
    1: Text("Strongly disagree"),
    2: Text("Disagree"),
    3: Text("Neither agree nor disagree"),
    4: Text("Agree"),
    5: Text("Strongly agree"),
}
RATING_LABELS = {
    1: Text("Badly"),
    2: Text("Not so well"),
    3: Text("OK"),
    4: Text("Well"),
    5: Text("Great"),
}
MIDPOINT_TITLE = Text("How is your mentoring going?")
CLOSURE_TITLE = Text("How did your mentoring go?")
RATING_QUESTION = Text("Overall, how did mentoring go?")
COMMENT_LABEL = Text("Anything else you want to tell us?")
CLOSURE_COMMENT_LABEL = Text("What helped, and what would you change?")
COMMENT_NOTE = Text("Optional. Only program staff read it.")
BUTTON_LABEL = Text("Answer the survey")
THANKS = Text(
    "Thank you! Your answers were saved; the other member of your pair does not see them."
)
CLOSURE_DM = Text(
    "Your mentoring match has ended. Would you answer a few short questions about how it "
    "went? It takes a minute, and only staff see your answers."
)


def scale_option(value: int, label: Text) -> Text:
    """One choice of a 1-5 scale: "4 - Agree" (with an en dash)."""
    return Text("{value} – {label}", value=value, label=label)


def prompt(weeks: int) -> Text:
    return Plural(
        "You have been in your mentoring pair for {count} week. How is it going? A few quick "
        "questions help the program staff support you; it takes a minute.",
        "You have been in your mentoring pair for {count} weeks. How is it going? A few quick "
        "questions help the program staff support you; it takes a minute.",
        weeks,
    )
