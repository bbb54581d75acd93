"""Escalation numbers offered as staff type them (`/staff escalation view|claim id:`)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.services.escalations import EscalationService
from bot.services.names import NameService
from bot.services.programs import ProgramService
from cogs.escalation_texts import URGENCY
from cogs.names import name_of
from cogs.permissions import asked_by_staff
from storage.models import EscalationStatus

MAX_CHOICES = 25  # Discord's limit
LOOKED_AT = 100  # the escalations the typed text is matched against


async def escalation_choices(
    interaction: discord.Interaction,
    service: EscalationService,
    programs: ProgramService,
    names: NameService,
    current: str,
) -> list[app_commands.Choice[int]]:
    """ "#12 · Right now · Jordan": open and claimed first, most urgent first; nothing for
    anyone but staff."""
    guild = interaction.guild
    if guild is None or not await asked_by_staff(interaction, programs):
        return []
    typed = current.strip().lstrip("#").lower()
    stored = await names.names(guild.id)
    found = []
    for choice in await service.choices(guild.id, LOOKED_AT):
        name = name_of(guild, choice.student_user_id, stored)
        parts = [f"#{choice.id}", URGENCY[choice.urgency], name]
        if choice.status is EscalationStatus.RESOLVED:
            parts.append("resolved")
        label = " · ".join(parts)
        if str(choice.id).startswith(typed) or typed in label.lower():
            found.append(app_commands.Choice(name=label[:100], value=choice.id))
    return found[:MAX_CHOICES]
