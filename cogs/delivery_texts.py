"""What people read about deliveries: the post for a student with DMs closed, /dms, and
/staff status."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.delivery import Message
from bot.i18n import DEFAULT_LANGUAGE, Joined, Slash, Text
from bot.services.deliveries import DeliveryOverview, Failure
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


#: The outcomes counted for a server, in the order shown.
_OUTCOMES = (
    (DeliveryStatus.SENT, Text("sent")),
    (DeliveryStatus.FALLBACK, Text("to a channel")),
    (DeliveryStatus.PENDING, Text("pending")),
    (DeliveryStatus.FAILED, Text("failed")),
    (DeliveryStatus.EXPIRED, Text("expired (too late to be useful)")),
    (DeliveryStatus.UNCERTAIN, Text("uncertain")),
)


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def _ago(instant: datetime) -> str:
    return f"<t:{int(instant.timestamp())}:R>"


def _now(overview: DeliveryOverview) -> Joined:
    engine = overview.engine
    lines: list[Text] = []
    if engine.paused_since is not None:
        lines.append(
            Text(
                "**Sending paused** since {since}: the database does not take writes, so "
                "nothing is sent until it does.",
                since=_ago(engine.paused_since),
            )
        )
    lines += [
        Text(
            "{queued} queued, {sending} sending; pace {rate} requests/s",
            queued=engine.queued,
            sending=engine.in_flight,
            rate=round(engine.rate_per_second),
        ),
        Text(
            "Since start: {sent} sent, {fallback} to a channel (DMs closed), {failed} failed, "
            "{expired} expired, {uncertain} uncertain, {retries} retries",
            sent=engine.sent,
            fallback=engine.fallback,
            failed=engine.failed,
            expired=engine.expired,
            uncertain=engine.uncertain,
            retries=engine.retries,
        ),
    ]
    return Joined(lines, "\n")


def _last_fan_out(overview: DeliveryOverview) -> Text | None:
    last = overview.engine.last_fan_out
    if last is None:
        return None
    state = (
        Text("done in {seconds} s", seconds=round(last.seconds))
        if last.seconds is not None
        else Text("{done} done so far", done=sum(last.outcomes.values()))
    )
    return Text(
        "{kinds} to {size} people, {when}, {state}: {sent} sent, {fallback} to a channel, "
        "{failed} failed",
        kinds=", ".join(last.kinds),
        size=last.size,
        when=_ago(last.started_at),
        state=state,
        sent=last.outcomes.get(DeliveryStatus.SENT, 0),
        fallback=last.outcomes.get(DeliveryStatus.FALLBACK, 0),
        failed=last.outcomes.get(DeliveryStatus.FAILED, 0),
    )


def _this_server(overview: DeliveryOverview) -> Joined:
    counts = overview.counts
    parts: list[Text | Joined] = [
        Joined(
            [
                Text("{count} {outcome}", count=counts.get(status, 0), outcome=label)
                for status, label in _OUTCOMES
            ],
            ", ",
        )
    ]
    if counts.get(DeliveryStatus.UNCERTAIN):
        parts.append(
            Text(
                "Uncertain: may or may not have arrived before a crash; not sent again so "
                "nobody gets it twice."
            )
        )
    return Joined(parts, "\n")


def _closed(overview: DeliveryOverview) -> Text | Joined:
    closed = overview.dms_closed
    if not closed:
        return Text("Nobody: every member can be reached by DM.")
    shown = " ".join(f"<@{user_id}>" for user_id in closed[:40])
    who: Text | str = (
        Text("{members} and {count} more", members=shown, count=len(closed) - 40)
        if len(closed) > 40
        else shown
    )
    return Joined(
        [
            who,
            Text(
                "Their prompts go to their pair's channel; they can run {command} after "
                "re-opening DMs.",
                command=Slash("dms on"),
            ),
        ],
        "\n",
    )


def _failure(failure: Failure) -> Text:
    if failure.for_nobody:
        channel = f"<#{failure.channel_id}>" if failure.channel_id else "?"
        return Text(
            "{kind} in {channel} {when}: {error}",
            kind=failure.kind,
            channel=channel,
            when=_ago(failure.at),
            error=failure.error or "?",
        )
    return Text(
        "{kind} for {member} {when}: {error}",
        kind=failure.kind,
        member=_mention(failure.user_id),
        when=_ago(failure.at),
        error=failure.error or "?",
    )


def status_embed(overview: DeliveryOverview, language: str = DEFAULT_LANGUAGE) -> discord.Embed:
    """/staff status in ``language``: what is queued, how the last fan-out went, what
    failed, who is unreachable."""
    engine = overview.engine
    embed = discord.Embed(
        title=Text("Deliveries").render(language),
        colour=discord.Colour.red()
        if engine.paused_since is not None
        else discord.Colour.blurple(),
    )
    embed.add_field(
        name=Text("Now").render(language), value=_now(overview).render(language), inline=False
    )
    last = _last_fan_out(overview)
    if last is not None:
        embed.add_field(
            name=Text("Last fan-out").render(language), value=last.render(language), inline=False
        )
    embed.add_field(
        name=Text("This server, last 24 hours").render(language),
        value=_this_server(overview).render(language),
        inline=False,
    )
    if overview.failures:
        failures = [_failure(f) for f in overview.failures]
        embed.add_field(
            name=Text("Recent failures").render(language),
            value=Joined(failures, "\n").render(language)[:1024],
            inline=False,
        )
    embed.add_field(
        name=Text("DMs closed ({count})", count=len(overview.dms_closed)).render(language),
        value=_closed(overview).render(language)[:1024],
        inline=False,
    )
    invalid = engine.invalid_by_status
    footer = Text(
        "Refused requests in the last 10 min: {refused} (401: {e401}, 403: {e403}, 429: "
        "{e429}; Discord bans at 10,000). Event loop lag p50 {p50} ms, p99 {p99} ms.",
        refused=engine.invalid_10min,
        e401=invalid.get(401, 0),
        e403=invalid.get(403, 0),
        e429=invalid.get(429, 0),
        p50=round(overview.loop_lag_p50 * 1000),
        p99=round(overview.loop_lag_p99 * 1000),
    )
    embed.set_footer(text=footer.render(language))
    return embed
