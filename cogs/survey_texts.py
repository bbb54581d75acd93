"""What members read about the mid-point survey."""

from __future__ import annotations

LIKERT_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
MODAL_TITLE = "How is your mentoring going?"
COMMENT_LABEL = "Anything else you want to tell us? (optional)"
BUTTON_LABEL = "Answer the survey"
THANKS = "Thank you! Your answers were saved; the other member of your pair does not see them."


def prompt(weeks: int) -> str:
    return (
        f"You have been in your mentoring pair for {weeks} week{'' if weeks == 1 else 's'}. "
        "How is it going? "
        "A few quick questions help the program staff support you; it takes a minute."
    )
