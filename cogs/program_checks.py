"""Can the bot do its job in this server? Checks shared by /setup and `check-config --online`."""

from __future__ import annotations

from collections.abc import Collection

import discord

from bot.i18n import Listing, Text
from bot.services.programs import Program

#: What the bot needs in the escalation channel to post there.
CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links")
#: What the bot needs in the mentoring category to make private channels for pairs.
CATEGORY_NEEDS = ("view_channel", "manage_channels", "manage_roles")

#: Discord's names of those permissions, as its settings show them in each language.
_LABELS = {
    "view_channel": Text("View Channel"),
    "send_messages": Text("Send Messages"),
    "embed_links": Text("Embed Links"),
    "manage_channels": Text("Manage Channels"),
    "manage_roles": Text("Manage Permissions"),
}


def _missing(granted: discord.Permissions, needed: tuple[str, ...]) -> list[Text]:
    return [_LABELS[name] for name in needed if not getattr(granted, name)]


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


async def outside_readers(
    channel: discord.abc.GuildChannel, staff_role_ids: Collection[int], me: discord.Member
) -> list[str]:
    """Mentions of everyone other than staff (and this bot) who can read ``channel``:
    @everyone, any other role, or a member given access by a channel permission who has no
    staff role. Roles with Administrator read every channel whatever its permissions, so
    they count too."""
    guild = channel.guild
    if channel.permissions_for(guild.default_role).view_channel:
        return ["@everyone"]
    staff = set(staff_role_ids)
    readers = []
    for role in guild.roles:
        if role.id in staff or (role.managed and role in me.roles):
            continue
        if channel.permissions_for(role).view_channel:
            readers.append(role.mention)
    for target, overwrite in channel.overwrites.items():
        if isinstance(target, discord.Role) or target.id == me.id or not overwrite.view_channel:
            continue
        member = target if isinstance(target, discord.Member) else await _member(guild, target.id)
        if member is None or not {role.id for role in member.roles} & staff:
            readers.append(f"<@{target.id}>")
    return readers


async def _member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """A member the cache does not hold (there is no members intent); None if they left."""
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


async def privacy_problem(
    channel: discord.abc.GuildChannel, staff_role_ids: Collection[int], me: discord.Member
) -> Text | None:
    """A sentence saying who else can read the staff channel and how to fix it, or None."""
    readers = await outside_readers(channel, staff_role_ids, me)
    if not readers:
        return None
    return Text(
        "{readers} can read {channel}, but requests for help must be seen only by staff. In "
        "{channel}'s settings > Permissions, turn off {view} for @everyone and every role that "
        "is not staff (and remove members added one by one), then allow the staff role; or "
        "pick another channel.",
        readers=Listing(readers),
        channel=channel.mention,
        view=_LABELS["view_channel"],
    )


async def program_problems(
    me: discord.Member,
    staff_role: discord.Role,
    channel: discord.abc.GuildChannel,
    category: discord.CategoryChannel,
    other_staff_role_ids: Collection[int] = (),
) -> list[Text]:
    """Each thing that would stop the program working, as a sentence saying how to fix it.
    ``other_staff_role_ids`` (the tier-2 role) may read the staff channel too."""
    problems: list[Text] = []
    if problem := await privacy_problem(channel, {staff_role.id, *other_staff_role_ids}, me):
        problems.append(problem)
    in_channel = channel.permissions_for(me)
    if missing := _missing(in_channel, CHANNEL_NEEDS):
        problems.append(
            Text(
                "I can't post in {channel}: give me {permissions} in that channel.",
                channel=channel.mention,
                permissions=Listing(missing),
            )
        )
    if not isinstance(channel, discord.TextChannel):
        problems.append(
            Text("{channel} is not a text channel; pick a text channel.", channel=channel.mention)
        )
    if staff_role.is_default():
        problems.append(Text("Pick a staff role other than @everyone, so only staff are pinged."))
    elif staff_role.managed:
        problems.append(
            Text(
                "The role {role} belongs to a bot or integration; pick the role your staff "
                "members have.",
                role=staff_role.mention,
            )
        )
    elif not staff_role.mentionable and not in_channel.mention_everyone:
        problems.append(
            Text(
                "I can't mention {role} in {channel}: turn on \"Allow anyone to @mention this "
                'role" in Server Settings > Roles, or give me the Mention @everyone, @here and '
                "All Roles permission.",
                role=staff_role.mention,
                channel=channel.mention,
            )
        )
    if missing := _missing(category.permissions_for(me), CATEGORY_NEEDS):
        problems.append(
            Text(
                "I need {permissions} in the category **{category}** to create private "
                "channels for mentoring pairs.",
                permissions=Listing(missing),
                category=category.name,
            )
        )
    return problems


async def online_problems(
    client: discord.Client, program: Program, other_staff_role_ids: Collection[int] = ()
) -> list[str]:
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
    problems = await program_problems(me, role, channel, category, other_staff_role_ids)
    return [prefix + problem for problem in problems]
