"""/staff recruit post|close|list: staff's standing invitations, a group under /staff.

``StaffCog`` declares it (``recruit = RecruitGroup(parent=staff)``); its commands are
bound to this group, so the staff check is the group's own ``interaction_check``, and the
work is done by ``RecruitingCog``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

import discord
from discord import app_commands

from cogs.permissions import require_staff
from storage.models import InvitationAudience

if TYPE_CHECKING:
    from cogs.recruiting import RecruitingCog


def _cog(interaction: discord.Interaction) -> RecruitingCog:
    """The loaded cog (found by name: an extension's module is loaded afresh, so a class
    imported here may not be the one running)."""
    cog = interaction.client.get_cog("RecruitingCog")  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError("the recruiting cog is not loaded")
    return cast("RecruitingCog", cog)


class RecruitGroup(
    app_commands.Group,
    name="recruit",
    description="Invitations to join the program: post one, close one, see sign-ups",
):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await require_staff(interaction, _cog(interaction).programs)
        return True

    @app_commands.command(name="post")
    @app_commands.describe(
        channel="The channel to post the invitation in",
        role="Who it invites: mentors, mentees or both (default both)",
        message="The program's purpose in your words (default: a short description)",
    )
    async def post(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        role: Literal["both", "mentors", "mentees"] = "both",
        message: str | None = None,
    ) -> None:
        """Post a standing invitation with Become a mentor / Find a mentor buttons."""
        await _cog(interaction).post_invitation(
            interaction, channel, InvitationAudience(role), message
        )

    @app_commands.command(name="close")
    @app_commands.describe(invitation="The open invitation to close (staff's or a leader's)")
    async def close(self, interaction: discord.Interaction, invitation: int) -> None:
        """Close an invitation: its buttons then say it is closed and take no sign-ups."""
        await _cog(interaction).close_invitation(interaction, invitation)

    @close.autocomplete("invitation")
    async def open_invitations(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await _cog(interaction).open_invitation_choices(interaction, current)

    @app_commands.command(name="list")
    async def listing(self, interaction: discord.Interaction) -> None:
        """Every invitation, open or closed, with how many joined through it."""
        await _cog(interaction).list_invitations(interaction)
