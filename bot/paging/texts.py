"""What a page says, in one place: ``bot.i18n.Text`` messages (the outbox writes a page in
its server's language). Placeholders are filled by ``bot.paging.page``."""

from __future__ import annotations

from bot.i18n import Text

URGENCY = {
    "right_now": Text("Right now"),
    "today": Text("Today"),
    "can_wait": Text("Can wait"),
}
#: Escalation categories (``bot.services.escalations.CATEGORIES``); a concern category
#: comes named already, and an unknown one is shown as it is, cleaned.
CATEGORY = {
    "academic": Text("Academic"),
    "attendance": Text("Attendance"),
    "bullying": Text("Bullying or harassment"),
    "wellbeing": Text("Wellbeing"),
    "safety": Text("Safety"),
    "other": Text("Other"),
}
NO_CATEGORY = Text("Not given")
NO_URGENCY = Text("Not given")
NO_NAME = Text("(no display name)")
WHO_TO_CALL_DEFAULT = Text("Who to call: the staff on call; claim it in Discord from the link.")
NO_DETAILS = Text(
    "This page carries no details of what was written; read them in the staff post and "
    "claim it there."
)
FOOTER = Text("Sent by Bridges, the school's mentoring bot. Do not reply to this message.")


def subject(escalation_id: int, urgency: str, category: str, student: str) -> Text:
    return Text(
        "Bridges: escalation #{id} ({urgency}, {category}) for {student}",
        id=escalation_id,
        urgency=urgency,
        category=category,
        student=student,
    )


def subject_unclaimed(escalation_id: int, urgency: str, student: str) -> Text:
    return Text(
        "Bridges: escalation #{id} still unclaimed ({urgency}) for {student}",
        id=escalation_id,
        urgency=urgency,
        student=student,
    )


def headline(escalation_id: int) -> Text:
    return Text("Escalation #{id} needs a staff member.", id=escalation_id)


def headline_unclaimed(escalation_id: int) -> Text:
    return Text(
        "Escalation #{id} is still unclaimed: nobody has picked it up, so it has gone to the "
        "next tier.",
        id=escalation_id,
    )


def student_line(student: str) -> Text:
    return Text("Student: {student}", student=student)


def urgency_line(urgency: str) -> Text:
    return Text("Urgency: {urgency}", urgency=urgency)


def category_line(category: str) -> Text:
    return Text("Category: {category}", category=category)


def link_line(link: str) -> Text:
    return Text("Staff post: {link}", link=link)


def server_link_line(link: str) -> Text:
    return Text("Server (the staff post is not known yet): {link}", link=link)


def who_to_call(who: str) -> Text:
    return Text("Who to call: {who}", who=who)


def details(written: str) -> Text:
    return Text("What they wrote: {details}", details=written)
