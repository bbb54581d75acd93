"""What a page says: the least that gets an adult to the staff post, and nothing a name can
smuggle into an email's headers."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes, policy

from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FixedClock
from bot.paging import texts
from bot.paging.page import OPENED, UNCLAIMED, compose_page, one_line, staff_post_link
from bot.paging.smtp import EmailOutlet
from bot.paging.webhook import page_body

DETAILS = "i wish i could sleep and never wake up"
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted"} | {
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
}


def outlet() -> EmailOutlet:
    return EmailOutlet(
        host="smtp.school.org",
        port=587,
        security="starttls",
        from_address="Bridges <bridges@school.org>",
        clock=FixedClock(datetime(2026, 3, 9, 23, 0, tzinfo=UTC)),
    )


def test_an_urgent_page() -> None:
    page = compose_page(
        escalation_id=7,
        student_name="Sam",
        urgency="right_now",
        category="safety",
        guild_id=1,
        channel_id=2,
        message_id=3,
        who_to_call="Mr Okafor, 555-0199",
        details=DETAILS,
    )
    assert page.subject == "Bridges: escalation #7 (Right now, Safety) for Sam"
    assert page.body.splitlines()[:7] == [
        "Escalation #7 needs a staff member.",
        "",
        "Student: Sam",
        "Urgency: Right now",
        "Category: Safety",
        "Staff post: https://discord.com/channels/1/2/3",
        "Who to call: Mr Okafor, 555-0199",
    ]
    assert texts.NO_DETAILS in page.body and DETAILS not in page.body
    assert page.data == {
        "kind": OPENED,
        "escalation_id": 7,
        "student": "Sam",
        "urgency": "right_now",
        "urgency_label": "Right now",
        "category": "safety",
        "category_label": "Safety",
        "link": "https://discord.com/channels/1/2/3",
        "who_to_call": "Mr Okafor, 555-0199",
    }
    message = page.message()
    assert message.content == page.body and message.data is not None
    assert message.data["subject"] == page.subject
    assert DETAILS not in json.dumps(message.data)


def test_details_only_when_included() -> None:
    page = compose_page(
        escalation_id=7,
        student_name="Sam",
        urgency="today",
        category="wellbeing",
        guild_id=1,
        details=f"{DETAILS}\r\n\r\nplease\x00 help",
        include_details=True,
    )
    assert f"What they wrote: {DETAILS}\nplease help" in page.body
    assert page.data["details"] == f"{DETAILS}\nplease help"
    assert DETAILS not in page.subject


def test_the_unclaimed_notice_and_unknown_values() -> None:
    page = compose_page(
        escalation_id=9,
        student_name="  ",
        urgency="someday",
        category="self_harm",
        guild_id=1,
        channel_id=2,
        unclaimed=True,
    )
    assert page.subject == "Bridges: escalation #9 still unclaimed (someday) for (no display name)"
    assert page.body.startswith("Escalation #9 is still unclaimed")
    assert "Category: self_harm" in page.body
    assert "Staff post: https://discord.com/channels/1/2\n" in page.body
    assert texts.WHO_TO_CALL_DEFAULT in page.body
    assert page.data["kind"] == UNCLAIMED and page.data["who_to_call"] is None


def test_without_a_staff_post_the_link_is_the_server() -> None:
    assert staff_post_link(1, None, None) == "https://discord.com/channels/1"
    assert staff_post_link(1, 2, None) == "https://discord.com/channels/1/2"
    assert staff_post_link(1, 2, 3) == "https://discord.com/channels/1/2/3"
    page = compose_page(
        escalation_id=1, student_name="Sam", urgency="today", category=None, guild_id=1
    )
    assert "Server (the staff post is not known yet): https://discord.com/channels/1" in page.body
    assert "Category: Not given" in page.body


def test_one_line() -> None:
    assert one_line("Al\r\nBcc: x@evil.org") == "Al Bcc: x@evil.org"
    assert one_line("a\u2028b\u2029c\u0085d\te") == "a b c d e"
    assert one_line("ev\u202eil\u200b\ud800") == "evil"
    assert one_line("x" * 100, 10) == "x" * 9 + "…"


def test_a_name_cannot_add_a_header() -> None:
    name = "Alex\r\nBcc: everyone@evil.org\r\nX-Injected: yes"
    page = compose_page(
        escalation_id=1, student_name=name, urgency="right_now", category="x", guild_id=1
    )
    raw = outlet().compose("a@school.org", page.message(), "k")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert set(parsed.keys()) == HEADERS
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None


@given(
    name=st.text(max_size=300),
    category=st.one_of(st.none(), st.text(max_size=100)),
    urgency=st.text(max_size=40),
    who=st.text(max_size=300),
    details=st.one_of(st.none(), st.text(max_size=1500)),
    include=st.booleans(),
    unclaimed=st.booleans(),
)
def test_any_text_yields_a_page_and_never_a_header(
    name: str,
    category: str | None,
    urgency: str,
    who: str,
    details: str | None,
    include: bool,
    unclaimed: bool,
) -> None:
    page = compose_page(
        escalation_id=42,
        student_name=name,
        urgency=urgency,
        category=category,
        guild_id=1,
        channel_id=2,
        message_id=3,
        who_to_call=who,
        details=details,
        include_details=include,
        unclaimed=unclaimed,
    )
    breaks = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, invisible format marks, separators
    assert not any(unicodedata.category(char) in breaks for char in page.subject)
    assert "#42" in page.subject and "https://discord.com/channels/1/2/3" in page.body
    if not include:
        assert "details" not in page.data
    message = page.message()
    page_body(message, "page-webhook:42").decode("utf-8")  # valid UTF-8 JSON, no surrogates
    raw = outlet().compose("a@school.org", message, "page-email:42:a@school.org")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert set(parsed.keys()) == HEADERS  # nothing added, nothing lost
    assert len(parsed.get_all("To") or []) == 1 and parsed["To"] == "a@school.org"
    assert str(parsed["Subject"]) == one_line(page.subject, 200)  # cut once written


def test_a_page_in_the_servers_language() -> None:
    """The outbox writes a page in its server's language: subject, body and labels."""
    page = compose_page(
        escalation_id=7,
        student_name="Sam",
        urgency="right_now",
        category="safety",
        guild_id=1,
        channel_id=2,
        message_id=3,
    )
    spanish = page.message().rendered("es")
    assert spanish.language == "es"
    assert spanish.data is not None
    assert spanish.data["subject"] == "Bridges: alerta #7 (Ahora mismo, Seguridad) por Sam"
    assert spanish.data["urgency_label"] == "Ahora mismo"
    assert spanish.content.splitlines()[:5] == [
        "La alerta #7 necesita a una persona del personal.",
        "",
        "Estudiante: Sam",
        "Urgencia: Ahora mismo",
        "Categoría: Seguridad",
    ]
    assert page.message().rendered("en").data == page.message().data
