"""Server-side permission checks shared by the cogs."""

from __future__ import annotations

import discord

from bot.services.access import is_staff
from bot.services.programs import ProgramService
from cogs.errors import Refused


async def require_staff(interaction: discord.Interaction, programs: ProgramService) -> None:
    """Refuse anyone who is not staff (the program's staff role, or Manage Server).

    Raises ``Refused``, a check failure, so it works as a cog's ``interaction_check``.
    """
    user = interaction.user
    if interaction.guild_id is None or not isinstance(user, discord.Member):
        raise Refused("Staff commands work only inside your school's server.")
    program = await programs.get(interaction.guild_id)
    role_ids = {role.id for role in user.roles}
    if not is_staff(role_ids, program.staff_role_id, is_admin=interaction.permissions.manage_guild):
        raise Refused("Only staff can use this command.")


async def asked_by_staff(interaction: discord.Interaction, programs: ProgramService) -> bool:
    """For autocomplete, which runs no cog check: staff's suggestions are for staff only."""
    try:
        await require_staff(interaction, programs)
    except Refused:
        return False
    return True
