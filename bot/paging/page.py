"""What a page says: the least that gets an adult to the staff post.

A page carries the student's display name, the urgency, the category, the escalation's
number, a link to the staff post and who to call; what the student wrote goes only with
``include_details`` (``[paging] include_details``). Every value from a person is cleaned to
one line of printable text here, so no name can add a header to an email or break a JSON
consumer's display.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.delivery import Message
from bot.i18n import Joined, Localized
from bot.paging import texts

#: Longest display name, category and who-to-call text kept (Discord names are at most 32).
MAX_NAME = 80
MAX_DETAILS = 1000
DISCORD_URL = "https://discord.com/channels"
#: ``Message.data["kind"]``: a page when the escalation opens, or at tier 2 while unclaimed.
OPENED, UNCLAIMED = "opened", "unclaimed"


@dataclass(frozen=True)
class Page:
    """A composed page: the subject (for email; cut to length where it is sent, once written
    in its language), the text body and the structured fields."""

    subject: str
    body: str
    data: dict[str, Any]

    def message(self) -> Message:
        """As the delivery engine carries it: the body as content, the rest as data."""
        return Message(content=self.body, data={**self.data, "subject": self.subject})


def one_line(text: str, limit: int = MAX_NAME) -> str:
    """``text`` as one line of printable characters, at most ``limit`` long: line breaks,
    tabs and other controls become spaces, invisible format characters (bidi overrides,
    zero-width ones) and lone surrogates are dropped, runs of spaces collapse."""
    kept = []
    for char in text:
        kind = unicodedata.category(char)
        if kind in ("Cf", "Cs"):
            continue
        kept.append(" " if kind in ("Cc", "Zl", "Zp", "Zs") else char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _paragraphs(text: str, limit: int) -> str:
    """Free text kept as lines (for a body), each cleaned like ``one_line``."""
    lines = (one_line(line, limit) for line in text.replace("\r\n", "\n").split("\n"))
    joined = "\n".join(line for line in lines if line)
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip() + "…"


def staff_post_link(guild_id: int, channel_id: int | None, message_id: int | None) -> str:
    """The staff post's Discord URL, or its channel's, or else the server's."""
    parts = [guild_id]
    if channel_id is not None:
        parts.append(channel_id)
        if message_id is not None:
            parts.append(message_id)
    return "/".join([DISCORD_URL, *(str(part) for part in parts)])


def _label(value: str | None, labels: Mapping[str, str], missing: str) -> str:
    """A known value's label, else the value cleaned, else ``missing``; a value that is
    already a message (a concern category's label) as it is."""
    if not value:
        return missing
    if isinstance(value, Localized):
        return value
    return labels.get(value) or one_line(value) or missing


def compose_page(
    *,
    escalation_id: int,
    student_name: str,
    urgency: str,
    category: str | None,
    guild_id: int,
    channel_id: int | None = None,
    message_id: int | None = None,
    who_to_call: str = "",
    details: str | None = None,
    include_details: bool = False,
    unclaimed: bool = False,
) -> Page:
    """The page for escalation ``escalation_id``: as it opens, or (``unclaimed``) the short
    notice that it is still unclaimed at tier 2. ``urgency`` is an ``Urgency`` value and
    ``category`` an escalation or concern category (an unknown one is shown cleaned);
    ``details`` is dropped unless ``include_details``. Never raises for any text. Its words
    are ``Text``s: the outbox writes them in the server's language."""
    student = one_line(student_name) or texts.NO_NAME
    urgency_label = _label(urgency, texts.URGENCY, texts.NO_URGENCY)
    category_label = _label(category, texts.CATEGORY, texts.NO_CATEGORY)
    who = one_line(who_to_call, 200)
    link = staff_post_link(guild_id, channel_id, message_id)
    subject = (
        texts.subject_unclaimed(escalation_id, urgency_label, student)
        if unclaimed
        else texts.subject(escalation_id, urgency_label, category_label, student)
    )
    lines: list[str] = [
        texts.headline_unclaimed(escalation_id) if unclaimed else texts.headline(escalation_id),
        "",
        texts.student_line(student),
        texts.urgency_line(urgency_label),
        texts.category_line(category_label),
        texts.link_line(link) if channel_id is not None else texts.server_link_line(link),
        texts.who_to_call(who) if who else texts.WHO_TO_CALL_DEFAULT,
        "",
    ]
    data: dict[str, Any] = {
        "kind": UNCLAIMED if unclaimed else OPENED,
        "escalation_id": escalation_id,
        "student": student,
        "urgency": one_line(urgency),
        "urgency_label": urgency_label,
        "category": one_line(category) if category else None,
        "category_label": category_label,
        "link": link,
        "who_to_call": who or None,
    }
    written = _paragraphs(details, MAX_DETAILS) if include_details and details else ""
    if written:
        lines.append(texts.details(written))
        data["details"] = written
    else:
        lines.append(texts.NO_DETAILS)
    lines += ["", texts.FOOTER]
    return Page(subject=subject, body=Joined(lines, "\n"), data=data)
