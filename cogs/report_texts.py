"""What staff read from /staff contact and /staff report."""

from __future__ import annotations

from bot.services.contacts import ContactState


def contact_recorded(state: ContactState) -> str:
    return (
        f"Recorded your contact with <@{state.mentor_user_id}> and <@{state.mentee_user_id}>. "
        f"The next one is due <t:{int(state.due.timestamp())}:D>."
    )


def overdue_line(state: ContactState) -> str:
    last = f"last <t:{int(state.last.timestamp())}:d>" if state.last else "never contacted"
    return (
        f"<@{state.mentor_user_id}> with <@{state.mentee_user_id}>: due "
        f"<t:{int(state.due.timestamp())}:R> ({last})"
    )
