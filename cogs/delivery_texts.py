"""What people read about deliveries: the post for a student with DMs closed, /dms, and
/staff status."""

from __future__ import annotations

import discord

from bot.delivery import Message
from bot.i18n import Slash, Text
from bot.services.deliveries import DeliveryOverview
from storage.models import DeliveryStatus

MAX_CONTENT = 2000
REOPEN_HOW = Text(
    "To get these privately again: open this server's menu (its name at the top), choose "
    "**Privacy Settings**, turn on **Direct Messages**, then run `{command}`.",
    command=Slash("dms on"),
)


def fallback(user_id: int, message: Message) -> Message:
    """The prompt, posted where the student (and their mentor, or staff) can see it, in the
    language the prompt was written in."""
    language = message.language
    mention = f"<@{user_id}>"
    head = Text(
        "{member} I couldn't send you this as a direct message (your DMs are closed):",
        member=mention,
    ).render(language)
    head += "\n\n"
    tail = f"\n\n-# {REOPEN_HOW.render(language)}"
    room = MAX_CONTENT - len(head) - len(tail)
    body = message.content if len(message.content) <= room else message.content[: room - 1] + "…"
    return Message(
        content=head + body + tail,
        embeds=message.embeds,
        components=message.components,
        mention_user_ids=(user_id, *message.mention_user_ids),
        mention_role_ids=message.mention_role_ids,
        language=language,
    )


DMS_CHECK = Text("Your DMs are open: Bridges will send your reminders and check-ins here again.")
DMS_OPEN = Text("Done: I could message you, so your prompts come as DMs again.")
DMS_STILL_CLOSED = Text("Discord still won't let me message you. {how}", how=REOPEN_HOW)
DMS_NO_CHANGE = Text("I couldn't check your DMs just now; please try again in a minute.")


def status_embed(overview: DeliveryOverview) -> discord.Embed:
    """/staff status: what is queued, how the last fan-out went, what failed, who is unreachable."""
    engine = overview.engine
    paused = engine.paused_since
    embed = discord.Embed(
        title="Deliveries",
        colour=discord.Colour.red() if paused is not None else discord.Colour.blurple(),
    )
    embed.add_field(
        name="Now",
        value=(
            f"**Sending paused** since <t:{int(paused.timestamp())}:R>: the database does not "
            "take writes, so nothing is sent until it does.\n"
            if paused is not None
            else ""
        )
        + f"{engine.queued} queued, {engine.in_flight} sending; "
        f"pace {engine.rate_per_second:.0f} requests/s\n"
        f"Since start: {engine.sent} sent, {engine.fallback} to a channel (DMs closed), "
        f"{engine.failed} failed, {engine.expired} expired, {engine.uncertain} uncertain, "
        f"{engine.retries} retries",
        inline=False,
    )
    last = engine.last_fan_out
    if last is not None:
        done = sum(last.outcomes.values())
        state = (
            f"done in {last.seconds:.0f} s" if last.seconds is not None else f"{done} done so far"
        )
        embed.add_field(
            name="Last fan-out",
            value=f"{', '.join(last.kinds)} to {last.size} people, "
            f"<t:{int(last.started_at.timestamp())}:R>, {state}: "
            f"{last.outcomes.get(DeliveryStatus.SENT, 0)} sent, "
            f"{last.outcomes.get(DeliveryStatus.FALLBACK, 0)} to a channel, "
            f"{last.outcomes.get(DeliveryStatus.FAILED, 0)} failed",
            inline=False,
        )
    counts = overview.counts
    embed.add_field(
        name="This server, last 24 hours",
        value=", ".join(
            f"{counts.get(status, 0)} {label}"
            for status, label in (
                (DeliveryStatus.SENT, "sent"),
                (DeliveryStatus.FALLBACK, "to a channel"),
                (DeliveryStatus.PENDING, "pending"),
                (DeliveryStatus.FAILED, "failed"),
                (DeliveryStatus.EXPIRED, "expired (too late to be useful)"),
                (DeliveryStatus.UNCERTAIN, "uncertain"),
            )
        )
        + (
            "\nUncertain: may or may not have arrived before a crash; not sent again so "
            "nobody gets it twice."
            if counts.get(DeliveryStatus.UNCERTAIN)
            else ""
        ),
        inline=False,
    )
    if overview.failures:
        embed.add_field(
            name="Recent failures",
            value="\n".join(
                f"{f.kind} for <@{f.user_id}> <t:{int(f.at.timestamp())}:R>: {f.error or '?'}"
                for f in overview.failures
            )[:1024],
            inline=False,
        )
    closed = overview.dms_closed
    embed.add_field(
        name=f"DMs closed ({len(closed)})",
        value=(
            " ".join(f"<@{user_id}>" for user_id in closed[:40])
            + (f" and {len(closed) - 40} more" if len(closed) > 40 else "")
            + "\nTheir prompts go to their pair's channel; they can run `/dms on` after "
            "re-opening DMs."
            if closed
            else "Nobody: every member can be reached by DM."
        )[:1024],
        inline=False,
    )
    invalid = engine.invalid_by_status
    embed.set_footer(
        text=f"Refused requests in the last 10 min: {engine.invalid_10min} "
        f"(401: {invalid.get(401, 0)}, 403: {invalid.get(403, 0)}, 429: {invalid.get(429, 0)}; "
        f"Discord bans at 10,000). Event loop lag p50 {overview.loop_lag_p50 * 1000:.0f} ms, "
        f"p99 {overview.loop_lag_p99 * 1000:.0f} ms."
    )
    return embed
