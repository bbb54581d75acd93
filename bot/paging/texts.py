"""What a page says, in one place (English for now; the i18n round turns these into a
catalog). Placeholders are ``str.format`` fields filled by ``bot.paging.page``."""

from __future__ import annotations

URGENCY = {
    "right_now": "Right now",
    "today": "Today",
    "can_wait": "Can wait",
}
#: Escalation categories (``bot.services.escalations.CATEGORIES``) and concern categories;
#: an unknown one is shown as it is, cleaned.
CATEGORY = {
    "academic": "Academic",
    "attendance": "Attendance",
    "bullying": "Bullying or harassment",
    "wellbeing": "Wellbeing",
    "safety": "Safety",
    "other": "Other",
}
NO_CATEGORY = "Not given"
NO_URGENCY = "Not given"

SUBJECT = "Bridges: escalation #{id} ({urgency}, {category}) for {student}"
SUBJECT_UNCLAIMED = "Bridges: escalation #{id} still unclaimed ({urgency}) for {student}"
HEADLINE = "Escalation #{id} needs a staff member."
HEADLINE_UNCLAIMED = (
    "Escalation #{id} is still unclaimed: nobody has picked it up, so it has gone to the next tier."
)
STUDENT = "Student: {student}"
URGENCY_LINE = "Urgency: {urgency}"
CATEGORY_LINE = "Category: {category}"
LINK = "Staff post: {link}"
LINK_SERVER = "Server (the staff post is not known yet): {link}"
WHO_TO_CALL = "Who to call: {who}"
WHO_TO_CALL_DEFAULT = "Who to call: the staff on call; claim it in Discord from the link."
DETAILS = "What they wrote: {details}"
NO_DETAILS = (
    "This page carries no details of what was written; read them in the staff post and "
    "claim it there."
)
FOOTER = "Sent by Bridges, the school's mentoring bot. Do not reply to this message."
NO_NAME = "(no display name)"
