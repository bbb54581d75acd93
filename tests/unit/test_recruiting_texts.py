"""The invitation card, the waiting-list messages and the time-to-match rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Text
from bot.services.recruiting import (
    MAX_MESSAGE,
    InvitationView,
    Place,
    PostView,
    RecruitingRoster,
)
from bot.services.reports import Scope, waits_to_match
from cogs.recruiting_texts import (
    fitting,
    invitation_embed,
    mentee_welcome,
    more_in_roster,
    pages,
    signup_lines,
    waited,
)
from cogs.recruiting_views import invitation_buttons
from storage.models import InvitationAudience, InvitationKind

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
EMBED_LIMIT = 6000  # Discord's limit on all of one embed's text
DESCRIPTION_LIMIT = 4096


def view(**changes: object) -> InvitationView:
    values: dict[str, object] = {
        "id": 7,
        "guild_id": 1,
        "kind": InvitationKind.STAFF,
        "audience": InvitationAudience.BOTH,
        "message": None,
        "created_by": 42,
        "created_at": NOW,
        "closed_at": None,
        "joined": 3,
    }
    values.update(changes)
    return InvitationView(**values)  # type: ignore[arg-type]


POST = PostView(id=1, invitation_id=7, channel_id=99, named=False)


def card(shown: InvitationView, language: str = "en", post: PostView = POST) -> discord.Embed:
    return invitation_embed(
        shown, post, training_minutes=120, session_minutes=45, language=language
    )


def text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    return "\n".join(parts + [f"{f.name}: {f.value}" for f in embed.fields])


def test_the_longest_message_fits_one_embed_in_every_language() -> None:
    for language in ("en", "es"):
        embed = card(view(message="x" * MAX_MESSAGE), language)
        assert len(embed) <= EMBED_LIMIT and len(embed.description or "") <= DESCRIPTION_LIMIT
        assert all(len(field.value or "") <= 1024 for field in embed.fields)


def test_a_staff_card_shows_purpose_commitments_and_count() -> None:
    shown = text(card(view(message="Weekly chats at Eastside.")))
    assert "Weekly chats at Eastside." in shown
    assert "Finish 120 minutes of training first" in shown and "around 45 minutes" in shown
    assert "3 students have joined through this invitation." in shown
    assert "Invitation #7" in shown
    mentors_only = text(card(view(audience=InvitationAudience.MENTORS)))
    assert "Mentors commit to" in mentors_only and "Mentees commit to" not in mentors_only


def test_a_leaders_card_has_no_count_and_a_name_only_when_agreed() -> None:
    leader = view(kind=InvitationKind.LEADER)
    anonymous = text(card(leader))
    assert "Shared by a student leader." in anonymous
    assert "joined" not in anonymous and "<@42>" not in anonymous
    named = text(card(leader, post=PostView(id=2, invitation_id=7, channel_id=99, named=True)))
    assert "Shared by <@42>, a student leader." in named


def test_a_closed_card_says_so_and_its_one_button_is_disabled() -> None:
    closed = view(closed_at=NOW)
    shown = text(card(closed, "es"))
    assert "Esta invitación se cerró el" in shown and "Cómo unirte" not in shown
    (button,) = buttons(closed, "es")
    assert button["disabled"] and button["label"] == "Esta invitación está cerrada"


def buttons(shown: InvitationView, language: str) -> list[dict[str, object]]:
    """The buttons as Discord receives them."""
    rows = invitation_buttons(shown, language).to_components()
    return [button for row in rows for button in row["components"]]


def test_buttons_follow_the_audience_and_the_language() -> None:
    assert [(b["label"], b["custom_id"]) for b in buttons(view(), "es")] == [
        ("Quiero ser mentor/a", "recruit:7:mentor"),
        ("Quiero un mentor/a", "recruit:7:mentee"),
    ]
    (only,) = buttons(view(audience=InvitationAudience.MENTEES), "en")
    assert (only["label"], only["custom_id"]) == ("Find a mentor", "recruit:7:mentee")


def test_a_mentee_with_a_free_place_is_not_told_they_wait() -> None:
    assert "waiting list" not in mentee_welcome(Place(position=2, free_places=3))
    assert "waiting list" not in mentee_welcome(None)
    first = mentee_welcome(Place(position=1, free_places=0))
    assert "You're on the waiting list" in first and "You're first in line." in first
    third = mentee_welcome(Place(position=3, free_places=1)).render("es")
    assert "Estás en la lista de espera" in third and "Hay 2 estudiantes antes que tú." in third
    assert "/salir" in third


def test_waits_are_shown_in_whole_hours_then_minutes() -> None:
    assert waited(NOW - timedelta(days=2, hours=3, minutes=59), NOW).render("en") == (
        "2 days 3 hours"
    )
    assert waited(NOW - timedelta(minutes=12, seconds=30), NOW).render("en") == "12 minutes"
    assert waited(NOW - timedelta(hours=5), NOW).render("es") == "5 horas"


SCOPE = Scope(1, NOW - timedelta(days=30), NOW)
instants = st.integers(min_value=-60 * 24, max_value=-1).map(lambda m: NOW + timedelta(hours=m))


@given(
    joins=st.lists(st.tuples(st.integers(1, 4), instants), max_size=12),
    starts=st.lists(st.tuples(st.integers(1, 4), instants), max_size=12),
)
def test_a_wait_runs_from_a_joining_to_the_first_match_after_it(
    joins: list[tuple[int, datetime]], starts: list[tuple[int, datetime]]
) -> None:
    found = waits_to_match(joins, starts, SCOPE)
    assert len(found) <= len(joins)
    for at, wait in found:
        joined = at - wait
        assert SCOPE.since <= at < SCOPE.until and wait >= timedelta(0)
        assert any(
            (member, joined) in joins
            # no later joining of the member owns the match, no earlier match ends the wait
            and not any(m == member and joined < j <= at for m, j in joins)
            and not any(m == member and joined <= s < at for m, s in starts)
            for member, start in starts
            if start == at
        )


def test_a_rejoining_starts_a_new_wait() -> None:
    day = timedelta(days=1)
    joins = [(1, NOW - 9 * day), (1, NOW - 5 * day), (2, NOW - 40 * day)]
    starts = [(1, NOW - 2 * day), (2, NOW - 35 * day)]  # 2 was matched before the period
    assert waits_to_match(joins, starts, SCOPE) == [(NOW - 2 * day, 3 * day)]


def test_a_long_invitation_list_fits_one_message() -> None:
    many = [view(id=n, joined=n) for n in range(1, 400)]
    roster = RecruitingRoster(waiting=(), free_places=0, credits=(), invitations=tuple(many))
    parts = pages(Text("Invitations"), signup_lines(roster), "en")
    shown = fitting(parts)
    assert 0 < len(shown) < len(parts) and len(shown) <= 10
    assert sum(len(embed) for embed in shown) <= EMBED_LIMIT
    assert more_in_roster(len(parts) - len(shown)).endswith("more parts are in /staff roster.")
