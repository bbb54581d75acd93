"""The invitation's buttons: **Become a mentor** / **Find a mentor**, after restarts too.

The custom_id holds the invitation id and the role (``recruit:{id}:{mentor|mentee}``), so
a button works from any post or DM of the invitation, whatever happened in between; a
closed invitation's posts carry one disabled button that says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from cogs.errors import ReportingItem
from cogs.recruiting_texts import BUTTONS, CLOSED_BUTTON, roles_of
from cogs.views import persistent_view
from storage.models import ProgramRole

if TYPE_CHECKING:
    from bot.services.recruiting import InvitationView
    from cogs.recruiting import RecruitingCog

STYLES = {
    ProgramRole.MENTOR: discord.ButtonStyle.success,
    ProgramRole.MENTEE: discord.ButtonStyle.primary,
}


class JoinButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"recruit:(?P<id>[0-9]+):(?P<role>mentor|mentee)",
):
    """Opens the /join form for the role, credited to the invitation; anyone may press it."""

    def __init__(self, invitation_id: int, role: ProgramRole, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or BUTTONS[role],
                style=STYLES[role],
                custom_id=f"recruit:{invitation_id}:{role.value}",
            )
        )
        self.invitation_id, self.role = invitation_id, role

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["id"]), ProgramRole(match["role"]))

    async def run(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("RecruitingCog")  # type: ignore[attr-defined]
        if cog is None:
            raise RuntimeError("the recruiting cog is not loaded")
        await cast("RecruitingCog", cog).start_join(interaction, self.invitation_id, self.role)


def invitation_buttons(view: InvitationView, language: str) -> discord.ui.View:
    """The buttons of an open invitation, or one disabled "closed" button."""
    if not view.is_open:
        closed = persistent_view(
            discord.ui.Button(
                label=CLOSED_BUTTON.render(language),
                style=discord.ButtonStyle.secondary,
                custom_id=f"recruit:{view.id}:closed",
                disabled=True,
            )
        )
        return closed
    return persistent_view(
        *(
            JoinButton(view.id, role, BUTTONS[role].render(language))
            for role in roles_of(view.audience)
        )
    )
