"""What members read about the mid-point and closure surveys."""

from __future__ import annotations

LIKERT_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
RATING_LABELS = {1: "Badly", 2: "Not so well", 3: "OK", 4: "Well", 5: "Great"}
MIDPOINT_TITLE = "How is your mentoring going?"
CLOSURE_TITLE = "How did your mentoring go?"
RATING_QUESTION = "Overall, how did mentoring go?"
COMMENT_LABEL = "Anything else you want to tell us?"
CLOSURE_COMMENT_LABEL = "What helped, and what would you change?"
COMMENT_NOTE = "Optional. Only program staff read it."
BUTTON_LABEL = "Answer the survey"
THANKS = "Thank you! Your answers were saved; the other member of your pair does not see them."
CLOSURE_DM = (
    "Your mentoring match has ended. Would you answer a few short questions about how it "
    "went? It takes a minute, and only staff see your answers."
)


def prompt(weeks: int) -> str:
    return (
        f"You have been in your mentoring pair for {weeks} week{'' if weeks == 1 else 's'}. "
        "How is it going? "
        "A few quick questions help the program staff support you; it takes a minute."
    )
