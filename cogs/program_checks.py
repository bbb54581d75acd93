"""Can the bot do its job in this server? Checks shared by /setup and `check-config --online`."""

from __future__ import annotations

import discord

from bot.services.programs import Program

#: What the bot needs in the escalation channel to post there.
CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links")
#: What the bot needs in the mentoring category to make private channels for pairs.
CATEGORY_NEEDS = ("view_channel", "manage_channels", "manage_roles")

_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "manage_channels": "Manage Channels",
    "manage_roles": "Manage Permissions",
}


def _missing(granted: discord.Permissions, needed: tuple[str, ...]) -> list[str]:
    return [_LABELS[name] for name in needed if not getattr(granted, name)]


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def program_problems(
    me: discord.Member,
    staff_role: discord.Role,
    channel: discord.abc.GuildChannel,
    category: discord.CategoryChannel,
) -> list[str]:
    """Each thing that would stop the program working, as a sentence saying how to fix it."""
    problems = []
    in_channel = channel.permissions_for(me)
    if missing := _missing(in_channel, CHANNEL_NEEDS):
        problems.append(
            f"I can't post in {channel.mention}: give me {_and_list(missing)} in that channel."
        )
    if not isinstance(channel, discord.TextChannel):
        problems.append(f"{channel.mention} is not a text channel; pick a text channel.")
    if staff_role.is_default():
        problems.append("Pick a staff role other than @everyone, so only staff are pinged.")
    elif staff_role.managed:
        problems.append(
            f"The role {staff_role.mention} belongs to a bot or integration; "
            "pick the role your staff members have."
        )
    elif not staff_role.mentionable and not in_channel.mention_everyone:
        problems.append(
            f"I can't mention {staff_role.mention} in {channel.mention}: turn on "
            '"Allow anyone to @mention this role" in Server Settings > Roles, or give me '
            "the Mention @everyone, @here and All Roles permission."
        )
    if missing := _missing(category.permissions_for(me), CATEGORY_NEEDS):
        problems.append(
            f"I need {_and_list(missing)} in the category **{category.name}** to create "
            "private channels for mentoring pairs."
        )
    return problems


async def online_problems(client: discord.Client, program: Program) -> list[str]:
    """Fetch the server as Discord sees it now and check the program's set-up there."""
    user = client.user
    if user is None:
        raise RuntimeError("online_problems needs a logged-in client")
    try:
        guild = await client.fetch_guild(program.guild_id)
        me = await guild.fetch_member(user.id)
        channels = {channel.id: channel for channel in await guild.fetch_channels()}
    except discord.NotFound:
        return [f"server {program.guild_id}: the bot is not a member (invite it again)"]
    except discord.Forbidden:
        return [f"server {program.guild_id}: the bot may not read the server"]
    prefix = f"server {guild.name} ({guild.id}): "
    role = guild.get_role(program.staff_role_id or 0)
    channel = channels.get(program.escalation_channel_id or 0)
    category = channels.get(program.mentoring_category_id or 0)
    missing = [
        what
        for what, found in (
            ("the staff role", role),
            ("the escalation channel", channel),
            ("the mentoring category", category),
        )
        if found is None
    ]
    if missing:
        return [prefix + f"{_and_list(missing)} no longer exist; run /setup again"]
    if role is None or channel is None or not isinstance(category, discord.CategoryChannel):
        return [prefix + "the mentoring category is not a category; run /setup again"]
    return [prefix + problem for problem in program_problems(me, role, channel, category)]
