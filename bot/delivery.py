"""The one outbound path: every DM and staff post, paced, idempotent and resumable.

How a caller sends something::

    engine = bot.delivery                      # one DeliveryEngine per bot
    outcome = await engine.deliver([
        Prompt(
            key=f"checkin:{checkin_id}:{user_id}",   # (kind, subject, occurrence): unique
            kind="checkin",
            user_id=user_id,                          # who it is for
            message=Message(content=text, components=view_components(view)),
            priority=Priority.BULK,                   # URGENT for escalation posts
            fallback_channel_id=pair_channel_id,      # where it goes if DMs are closed
            guild_id=guild_id,                        # else the program channel of this server
        ),
    ])                                         # -> {key: DeliveryStatus}

A prompt is plain data (no callables), so it is written to the ``deliveries`` table with
its message before anything is sent, and a restart resumes every pending row. A staff post
sets ``channel_id`` (and ``user_id`` to the student it is about); a DM leaves it unset.

What the engine guarantees:

- **Once.** A key is claimed in the database before sending; a key seen before is never
  sent again. Each attempt carries a nonce derived from the key with ``enforce_nonce``, so
  if the process dies after Discord accepted a message but before the row says "sent", the
  resumed send is recognised by Discord as the same message and not posted twice.
- **Paced.** Every request (create-DM and post) takes a token from one global bucket
  (``[delivery] rate_per_second``, default 46 of Discord's 50), and at most
  ``channel_burst`` posts go to one channel per ``channel_window_seconds``. DM channel ids
  are kept in ``dm_channels``: after the first prompt, a DM costs one request.
- **Urgent first.** Queued prompts are taken by priority, then age: an escalation does not
  wait behind a 5,000-student check-in.
- **Bounded in memory.** At most ``WINDOW`` BULK jobs are held with their messages; the
  rest of the queue is the ``deliveries`` table, read a page at a time as it empties (a
  restart's backlog by priority and id, a fan-out dispatched meanwhile by its keys).
- **Retried, boundedly.** Server errors, timeouts and dropped connections are retried with
  exponential backoff up to ``max_attempts``; anything else fails at once. Every delivery
  ends ``sent``, ``fallback``, ``failed`` (with its attempts and last error), ``expired``
  (past ``Prompt.expires_at``: never sent) or ``uncertain`` (see below).
- **DMs closed (50007).** The prompt is posted in ``fallback_channel_id`` (the pair's
  channel) or else the server's program channel, mentioning the student, with a note on how
  to re-open DMs; the member is marked DMs-closed and is not DMed again until ``reopen``.
- **Healthy.** 401/403/429 answers are counted over a sliding 10 minutes (``Health``); the
  rate drops as the count nears Discord's ban threshold.
- **Recorded before sent.** Before a batch of requests leaves, one UPDATE stamps their rows'
  ``last_attempt_at``: a restart knows which rows may have been sent. While outcomes (or
  those stamps) cannot be written, as in a database outage, the engine takes no new job
  (``EngineStatus.paused_since``); requests already out finish, and sending resumes when a
  write succeeds.
- **Resolved by kind after a crash.** A pending row whose send may have happened is sent
  again with the same nonce while that is within ``nonce_window_seconds`` (Discord drops the
  repeat). Past the window Discord has forgotten the nonce: a BULK prompt is then not sent
  again and is recorded ``uncertain`` (counted in /staff status); URGENT and NORMAL prompts
  and off-Discord pages are sent again (see ``resend_when_unsure``).
- **Off Discord.** A prompt whose ``via`` names an ``Outlet`` (``add_outlet``) goes there,
  unpaced but with the same rows, retries, deadlines and restart rules; an unknown ``via``
  fails the delivery (it is never DMed instead).
- **Edits.** A prompt with ``edit_message_id`` replaces the content of a message sent
  before (in ``channel_id``, or the recipient's DM channel) instead of posting: the same
  rows, pacing, retries and restart rules; a repeat is harmless, and a message already
  deleted counts as done. Erasure uses it to blank what was sent about a member.
- **Drained on stop.** ``stop()`` takes no new job, lets requests already out finish (up to
  ``drain_seconds``), writes every outcome, leaves the rest pending for the next start,
  tells anyone waiting that theirs is ``pending``, and logs one summary line.

The Discord side (discord.py's HTTP client) is a ``Transport``: the rules here run and are
tested without Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import heapq
import itertools
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import DEFAULT_LANGUAGE, Localized, render, render_json
from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus, DmStatus
from storage.repositories import deliveries as repo
from storage.repositories import guilds as guild_repo
from storage.repositories import members as member_repo

log = logging.getLogger(__name__)

#: Discord bans a bot that gets 10,000 401/403/429 answers in 10 minutes.
BAN_THRESHOLD = 10_000
BAN_WINDOW_SECONDS = 600.0
#: Nonces are at most 25 characters.
NONCE_LENGTH = 25
#: ``Prompt.via`` for a DM or a post on Discord.
DISCORD = "discord"
#: A stamp of "about to be sent" (``last_attempt_at``) is written again when the request has
#: not left this long after it (a pause, a full channel): the stamp stays close to the send.
ARM_VALID_SECONDS = 10.0
#: Rows stamped per UPDATE: what the pacer lets out in this long (fewer are left stamped but
#: unsent by a crash), at least ``concurrency``, at most STAMP_MAX.
STAMP_AHEAD_SECONDS = 0.25
STAMP_MAX = 1000
#: While the database refuses writes, it is tried again after this, doubling up to the max.
PROBE_FIRST_SECONDS = 0.25
PROBE_MAX_SECONDS = 5.0
#: Jobs kept in memory: the queue holds at most WINDOW BULK jobs (with their messages); the
#: rest stay rows in ``deliveries`` (a key each, for those dispatched in this run) and are
#: read PAGE at a time as the window empties. URGENT and NORMAL prompts always go straight
#: in (they answer what a person did, a few at a time). At 46 sends/s a window lasts ~10 s.
WINDOW = 500
PAGE = 250
#: An outbox given this many prompts at once (a fan-out's part) gives the loop back between
#: building their rows and serializing and writing them: each is a stretch of the loop's
#: time that every other handler waits behind.
_YIELD_ROWS = 100
#: Rows left pending by the last run whose deadline has passed are ended in SQL before the
#: rest is read (never loaded as jobs), this many ids of the table per transaction.
SWEEP_SPAN = 2000

T = TypeVar("T")


class Priority(enum.IntEnum):
    URGENT = 0  # escalation posts to staff
    NORMAL = 1  # answers to something a person just did (invitations, cancellations)
    BULK = 2  # scheduled fan-outs (check-ins, reminders)


@dataclass(frozen=True)
class Message:
    """What is posted: text, embeds and components as Discord's JSON, and who may be pinged."""

    content: str = ""
    embeds: tuple[dict[str, Any], ...] = ()
    components: tuple[dict[str, Any], ...] = ()
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()
    #: Structured content for an outlet outside Discord (a page: urgency, category, link).
    data: dict[str, Any] | None = None
    #: The language it is written in (``rendered``): a fallback post around it says so too.
    language: str = DEFAULT_LANGUAGE
    #: Built with no ``Text`` in it (``cogs.outbox.dm`` of a fan-out's rendered texts and
    #: buttons): ``rendered`` returns it as it is without looking through it again.
    plain: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "embeds": list(self.embeds),
            "components": list(self.components),
            "mention_user_ids": list(self.mention_user_ids),
            "mention_role_ids": list(self.mention_role_ids),
            "data": self.data,
            "language": self.language,
        }

    def rendered(self, language: str, texts: dict[tuple[int, str], Any] | None = None) -> Message:
        """This message for a reader of ``language``: every ``Text`` in its content, embeds,
        components (labels, placeholders, titles) and data (a page's subject) rendered; the
        rest as it is. A message
        with no ``Text`` in it was written in its own language and stays as it is. With
        ``texts`` (a memo kept by the caller for a batch), a content object shared by many
        messages is rendered once per language."""
        if self.plain or not _localized((self.content, self.embeds, self.components, self.data)):
            return self
        if texts is None or not isinstance(self.content, Localized):
            content = render(self.content, language)
        else:  # the object is kept with its rendering: its id is not reused meanwhile
            memo = (id(self.content), language)
            if memo not in texts:
                texts[memo] = (self.content, render(self.content, language))
            content = texts[memo][1]
        return Message(
            content=content,
            embeds=tuple(render_json(embed, language) for embed in self.embeds),
            components=tuple(render_json(row, language) for row in self.components),
            mention_user_ids=self.mention_user_ids,
            mention_role_ids=self.mention_role_ids,
            data=render_json(self.data, language),
            language=language,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(
            content=str(data.get("content", "")),
            embeds=tuple(data.get("embeds", ())),
            components=tuple(data.get("components", ())),
            mention_user_ids=tuple(int(i) for i in data.get("mention_user_ids", ())),
            mention_role_ids=tuple(int(i) for i in data.get("mention_role_ids", ())),
            data=data.get("data"),
            language=str(data.get("language", DEFAULT_LANGUAGE)),
        )


def _localized(value: Any) -> bool:
    """Whether a JSON value holds anything written differently in each language."""
    if isinstance(value, Localized):
        return True
    if isinstance(value, dict):
        return any(_localized(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_localized(item) for item in value)
    return False


@dataclass(frozen=True)
class Prompt:
    """One message for one person (a DM, or a post in ``channel_id``), sent once under ``key``."""

    key: str
    kind: str
    user_id: int
    message: Message
    priority: Priority = Priority.NORMAL
    channel_id: int | None = None
    fallback_channel_id: int | None = None
    guild_id: int | None = None
    #: After this instant the prompt is no longer worth sending (a reminder once its session
    #: has started): it is marked ``expired`` instead. None: it is always sent.
    expires_at: datetime | None = None
    #: Where it goes: ``"discord"`` (a DM or ``channel_id``), or the name of an ``Outlet``
    #: outside Discord (``"email"``, ``"webhook"``) with ``address`` (an email address, a URL).
    via: str = DISCORD
    address: str | None = None
    #: The id of a message sent before whose content this prompt replaces (an edit).
    edit_message_id: int | None = None
    #: A DM's reader's language, when the caller read it with them (a fan-out reads who is
    #: due with their language): the outbox does not read it again.
    language: str | None = None


class SendError(Exception):
    """A request the transport could not complete; ``status``/``code`` as Discord gave them."""

    def __init__(self, detail: str, status: int = 0, code: int = 0) -> None:
        super().__init__(detail)
        self.detail, self.status, self.code = detail, status, code


class DmsClosed(SendError):
    """403 / 50007: the user accepts no DMs from the bot."""


class Retryable(SendError):
    """5xx, a timeout, a dropped connection, or a 429 discord.py gave up on: try again."""

    def __init__(self, detail: str, status: int = 0, retry_after: float = 0.0) -> None:
        super().__init__(detail, status)
        self.retry_after = retry_after


class Outlet(Protocol):
    """A destination outside Discord (email, a school's pager webhook), under the engine's
    guarantees: a row under a unique key before sending, bounded retries, never twice."""

    async def send(self, address: str, message: Message, key: str) -> str | None:
        """Send ``message`` to ``address`` once; ``key`` is the delivery's unique key, passed
        on so the receiver can drop a repeat (an idempotency header, a Message-ID). Returns
        the receiver's id for it, if any. Raises ``Retryable`` for a transient failure and
        ``SendError`` for a permanent one."""
        ...


@runtime_checkable
class Edits(Protocol):
    """A transport that can also edit a message it sent."""

    async def edit(self, channel_id: int, message_id: int, message: Message) -> None:
        """Replace the content, embeds and components of message ``message_id``."""
        ...


#: Runs in the transaction that records a batch of outcomes (see ``on_recorded``).
OutcomeHook = Callable[[AsyncSession, Sequence[repo.Outcome]], Awaitable[None]]


class Transport(Protocol):
    """The Discord side: two requests. Raises ``SendError`` subclasses only."""

    async def open_dm(self, user_id: int) -> int:
        """The id of the DM channel with this user (creating it if needed)."""
        ...

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        """Post ``message``; the same nonce twice yields one message. Returns its id."""
        ...


@dataclass(frozen=True)
class DeliverySettings:
    rate_per_second: float = 46.0
    burst: int = 1  # requests at once after a quiet spell; more risks 429s from jitter
    channel_burst: int = 5
    channel_window_seconds: float = 5.0
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    concurrency: int = 8
    #: How long Discord is trusted to remember a nonce (it keeps them "a few minutes"):
    #: a send that may have happened longer ago than this is resolved by kind, not repeated.
    nonce_window_seconds: float = 120.0
    #: On stop, how long requests already sent may take to finish and their outcomes to be written.
    drain_seconds: float = 5.0
    #: An outlet's send taking longer than this is retried (its outcome is unknown).
    outlet_timeout_seconds: float = 30.0


def nonce_for(key: str, *, fallback: bool = False) -> str:
    """A stable nonce per delivery (and another for its fallback post)."""
    digest = hashlib.sha256(f"{key}|{'fallback' if fallback else 'dm'}".encode()).hexdigest()
    return digest[:NONCE_LENGTH]


def _now() -> float:
    return asyncio.get_running_loop().time()


class Health:
    """401/403/429 answers over a sliding window, and how much to slow down because of them."""

    def __init__(
        self,
        *,
        threshold: int = BAN_THRESHOLD,
        window: float = BAN_WINDOW_SECONDS,
        now: Callable[[], float] = _now,
    ) -> None:
        self.threshold, self.window, self._now = threshold, window, now
        self._events: deque[tuple[float, int]] = deque()
        self.total = 0

    def record(self, status: int) -> None:
        if status in (401, 403, 429):
            self._events.append((self._now(), status))
            self.total += 1

    def invalid(self) -> int:
        """Invalid answers in the last window."""
        edge = self._now() - self.window
        while self._events and self._events[0][0] < edge:
            self._events.popleft()
        return len(self._events)

    def by_status(self) -> dict[int, int]:
        self.invalid()
        counts: dict[int, int] = {}
        for _, status in self._events:
            counts[status] = counts.get(status, 0) + 1
        return counts

    def factor(self) -> float:
        """1 while far from a ban; halves at a quarter of the threshold, and so on."""
        share = self.invalid() / self.threshold
        if share < 0.25:
            return 1.0
        if share < 0.5:
            return 0.5
        if share < 0.75:
            return 0.2
        return 0.05


class Pacer:
    """Spaces every request the engine makes at 1/rate seconds (``burst`` may go at once
    after a quiet spell), and never lets more than ``rate`` leave in any one second: a task
    woken late (a busy loop) waits for room instead of bunching up with the next ones.

    A global 429, or a slowdown from ``Health``, pushes the following slots back."""

    def __init__(self, rate: float, health: Health, *, burst: int) -> None:
        self.rate, self.health, self.burst = rate, health, burst
        self._next = float("-inf")
        self._issued: deque[float] = deque()

    def effective_rate(self) -> float:
        return self.rate * self.health.factor()

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (after a global 429)."""
        interval = 1.0 / self.effective_rate()
        self._next = max(self._next, _now() + seconds + (self.burst - 1) * interval)

    async def take(self) -> None:
        # GCRA: ``_next`` is when the bucket would be empty again at the steady rate.
        rate = self.effective_rate()
        now = _now()
        interval = 1.0 / rate
        theoretical = max(self._next, now)
        slot = max(now, theoretical - (self.burst - 1) * interval)
        self._next = theoretical + interval
        if slot > now:
            await asyncio.sleep(slot - now)
        cap = max(1, int(rate)) + self.burst - 1
        while True:
            now = _now()
            while self._issued and self._issued[0] <= now - 1.0:
                self._issued.popleft()
            if len(self._issued) < cap:
                self._issued.append(now)
                return
            await asyncio.sleep(self._issued[0] + 1.0 - now)


class ChannelGate:
    """At most ``burst`` posts per channel in any ``window`` seconds."""

    def __init__(self, burst: int, window: float) -> None:
        self.burst, self.window = burst, window
        self._sent: dict[int, deque[float]] = {}

    async def wait(self, channel_id: int) -> None:
        times = self._sent.setdefault(channel_id, deque())
        while True:
            now = _now()
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.burst:
                times.append(now)
                return
            await asyncio.sleep(times[0] + self.window - now)


@dataclass
class FanOut:
    """One call with many prompts, as staff see it in /staff status."""

    kinds: tuple[str, ...]
    size: int
    started_at: datetime
    started: float
    finished_at: datetime | None = None
    seconds: float | None = None
    outcomes: dict[DeliveryStatus, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineStatus:
    queued: int
    in_flight: int
    sent: int
    fallback: int
    failed: int
    retries: int
    invalid_10min: int
    invalid_by_status: dict[int, int]
    rate_per_second: float
    last_fan_out: FanOut | None
    expired: int = 0
    uncertain: int = 0
    #: Since when nothing new is sent because outcomes cannot be written (None: sending).
    paused_since: datetime | None = None


def resend_when_unsure(prompt: Prompt) -> bool:
    """Whether a prompt that may already have been sent, longer ago than Discord remembers
    its nonce, is sent again (a possible duplicate) rather than recorded ``uncertain``.

    - Off-Discord pages and URGENT staff posts: again; a duplicate alert is better than a
      missed one.
    - NORMAL prompts (an invitation, a cancellation, "staff picked up your request"):
      again. Each answers one thing a person did and few are in flight at once, so a crash
      repeats a handful at most, and their buttons tolerate a second press; one lost
      silently leaves a student waiting for a session that was cancelled, or never hearing
      that staff are on it.
    - BULK fan-outs (check-ins, reminders): not again. A crash mid fan-out would repeat
      hundreds; the uncertain rows are counted in /staff status instead.
    """
    return (
        prompt.via != DISCORD
        or prompt.edit_message_id is not None
        or prompt.priority is not Priority.BULK
    )


@dataclass(eq=False)
class _Job:
    prompt: Prompt
    attempts: int = 0
    dms_closed: bool = False
    fan_out: FanOut | None = None
    #: When the earliest request that may have created this message left, in this run or a
    #: previous one (the row's ``last_attempt_at``); None while none has, as far as we know.
    unsure_since: datetime | None = None
    #: Loop time at which this run stamped the row "about to be sent" (None: not stamped).
    armed_at: float | None = None
    #: The database may hold a stamp from this run (to forget at stop if never sent).
    stamped: bool = False
    #: A request for it is out right now (stop lets it finish).
    requesting: bool = False


class _Stopped(Exception):
    """The engine is stopping: the request is not made; the delivery stays pending."""


class Outbox:
    """Prompts written in the caller's transaction: the transactional outbox.

    A service that changes state writes the prompts the change implies through an outbox
    bound to the same session, so the change and its prompts commit together or not at all::

        async with sessions.begin() as session:
            ...                                   # the state change
            outbox = engine.outbox(session)
            await outbox.add(prompts)             # rows written, nothing sent yet
        await engine.dispatch(outbox)             # committed: now they are queued

    Nothing is sent that was not committed; if the process dies between the commit and
    ``dispatch``, the engine's ``start()`` resumes the committed rows. A key written
    before (by an earlier run, or twice in one outbox) is not written or sent again.
    """

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session, self.now = session, now
        self._new: dict[str, Prompt] = {}

    @property
    def new(self) -> list[Prompt]:
        """The prompts whose keys this outbox wrote for the first time."""
        return list(self._new.values())

    async def add(self, prompts: Sequence[Prompt]) -> set[str]:
        """Write each prompt as a pending delivery; returns the keys that were new."""
        unique = [p for p in {p.key: p for p in prompts}.values() if p.key not in self._new]
        if not unique:
            return set()
        unique = await _for_readers(self.session, unique)
        rows = [_row(p, self.now) for p in unique]
        if len(rows) >= _YIELD_ROWS:  # a fan-out's part: the loop given back in between
            await asyncio.sleep(0)
        new = await repo.claim(self.session, rows)
        for prompt in unique:
            if prompt.key in new:
                self._new[prompt.key] = prompt
            else:
                log.info("delivery %s already made; not sent again", prompt.key)
        return new


async def _for_readers(session: AsyncSession, prompts: Sequence[Prompt]) -> list[Prompt]:
    """Each prompt in its reader's language (``reader_language``; a DM's read only when its
    prompt does not carry it)."""
    dm_user_ids = {p.user_id for p in prompts if p.language is None and _is_dm(p)}
    guild_ids = {p.guild_id for p in prompts if not _is_dm(p) and p.guild_id is not None}
    members = await member_repo.languages(session, dm_user_ids)
    guilds = await guild_repo.languages(session, guild_ids)
    theirs: dict[int, str] = {}
    for (_, user_id), language in members.items():
        theirs.setdefault(user_id, language)
    texts: dict[tuple[int, str], Any] = {}
    found = []
    for prompt in prompts:
        message = prompt.message.rendered(reader_language(prompt, members, guilds, theirs), texts)
        found.append(prompt if message is prompt.message else replace(prompt, message=message))
    return found


def _is_dm(prompt: Prompt) -> bool:
    return prompt.channel_id is None and prompt.via == DISCORD


def reader_language(
    prompt: Prompt,
    members: Mapping[tuple[int, int], str],
    guilds: Mapping[int, str],
    theirs: Mapping[int, str],
) -> str:
    """The language a prompt is written in: a DM in its recipient's stored language (the
    prompt's own ``language`` when the caller read it, else their row in the prompt's
    server in ``members``, else any of theirs: ``theirs`` by user id);
    a post in a channel, and a message to an outlet, in its server's language; when neither
    is known, the language the message says it is in (English unless its builder chose
    one)."""
    written_in = prompt.message.language
    if _is_dm(prompt):
        if prompt.language is not None:
            return prompt.language
        if prompt.guild_id is not None and (prompt.guild_id, prompt.user_id) in members:
            return members[prompt.guild_id, prompt.user_id]
        return theirs.get(prompt.user_id, written_in)
    if prompt.guild_id is not None:
        return guilds.get(prompt.guild_id, written_in)
    return written_in


def _row(prompt: Prompt, now: datetime) -> dict[str, Any]:
    return {
        "key": prompt.key,
        "kind": prompt.kind,
        "recipient_user_id": prompt.user_id,
        "created_at": now,
        "guild_id": prompt.guild_id,
        "priority": int(prompt.priority),
        "nonce": nonce_for(prompt.key),
        "channel_id": prompt.channel_id,
        "fallback_channel_id": prompt.fallback_channel_id,
        "payload": {
            **prompt.message.to_json(),
            "via": prompt.via,
            "address": prompt.address,
            "edit": prompt.edit_message_id,
        },
        "expires_at": prompt.expires_at,
    }


class DeliveryEngine:
    """Queues prompts, sends them under the pacer, records every outcome (see module doc)."""

    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        transport: Transport,
        settings: DeliverySettings,
        fallback: Callable[[int, Message], Message],
        *,
        health: Health | None = None,
    ) -> None:
        self._sessions, self._clock, self._transport = sessions, clock, transport
        self.settings = settings
        self._fallback = fallback
        self.health = health or Health()
        self.pacer = Pacer(settings.rate_per_second, self.health, burst=settings.burst)
        self._gate = ChannelGate(settings.channel_burst, settings.channel_window_seconds)
        self._window = timedelta(seconds=settings.nonce_window_seconds)
        self._arm_valid = min(ARM_VALID_SECONDS, settings.nonce_window_seconds / 4)
        self._outlets: dict[str, Outlet] = {}
        self._heap: list[tuple[int, int, _Job]] = []
        # Keys of every job in memory (queued, in flight, waiting to retry, or with its
        # outcome not yet written): a row read from the table under one is not queued again.
        self._held: set[str] = set()
        # Rows left pending by the last run, read page by page: the next (priority, id) to
        # read from, up to the highest id pending at start (None: all read).
        self._resume_from: tuple[int, int] | None = None
        self._resume_until = 0
        self._resume_left = 0
        # Before those are read, the ids (after, up to) still to sweep for rows past their
        # deadline (None: swept), and how many the sweep ended.
        self._sweep: tuple[int, int] | None = None
        self._swept: dict[DeliveryStatus, int] = {}
        # BULK prompts dispatched while the window was full: their keys (and fan-out), in order.
        self._deferred: deque[tuple[str, FanOut | None]] = deque()
        self._seq = itertools.count()
        self._waiting: dict[str, asyncio.Future[DeliveryStatus]] = {}
        self._dm_channels: dict[int, int] = {}
        self._closed: set[int] = set()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._in_flight: dict[asyncio.Task[None], _Job] = {}
        self._timers: dict[asyncio.TimerHandle, _Job] = {}
        self._abandoned: list[_Job] = []
        # outcomes and facts to write, in batches, by the writer
        self._outcomes: list[tuple[repo.Outcome, asyncio.Future[DeliveryStatus] | None]] = []
        self._new_channels: dict[int, int] = {}
        self._dm_status: dict[int, DmStatus] = {}
        self._written = 0
        # Both run only while there is work: no task idles between fan-outs.
        self._dispatcher: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        # Cleared while the writer cannot record outcomes: no new job is taken meanwhile.
        self._writable = asyncio.Event()
        self._writable.set()
        self._paused_since: datetime | None = None
        # One write at a time: on SQLite, concurrent writers sleep in its busy handler.
        self._writing = asyncio.Lock()
        self._counts = dict.fromkeys(DeliveryStatus, 0)
        self._retries = 0
        self.last_fan_out: FanOut | None = None
        self._hooks: list[OutcomeHook] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> int:
        """Start sending, and queue every delivery left pending by the last run; returns
        how many.

        A row stamped as attempted (``last_attempt_at``) may have been sent before the
        restart: it is sent again with its nonce while within the nonce window, and past
        it resolved by kind when its turn comes (``resend_when_unsure``).

        Only the count is read here. Those past their deadline are then ended in SQL, a
        range of ids per transaction (``SWEEP_SPAN``), and the rest read a page at a time
        as the queue empties (see ``WINDOW``), most urgent first, then oldest."""
        async with self._sessions() as session:
            backlog = await repo.backlog(session)
        self._stopping = False
        resumable = max(0, backlog.count - len(self._held))  # those queued by this run stay
        if resumable:
            self._resume_from, self._resume_until = (0, 0), backlog.last_id
            self._sweep, self._swept = (backlog.first_id - 1, backlog.last_id), {}
            self._resume_left = resumable
            self._wake()
            log.info(
                "delivery: resuming %d pending deliveries (%d may have been sent before the "
                "restart)",
                resumable,
                backlog.stamped,
            )
        return resumable

    async def stop(self) -> None:
        """Drain and stop: take no new job, let requests already sent finish (up to
        ``drain_seconds``), write every outcome, and leave the rest pending for the next
        start. Whoever waits on an unfinished delivery gets ``PENDING``. One summary line."""
        if self._stopping:
            return
        self._stopping = True
        loop = asyncio.get_running_loop()
        began = loop.time()
        deadline = began + self.settings.drain_seconds
        left = [job for _, _, job in self._heap] + list(self._timers.values())
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self._heap.clear()
        await _cancel(self._dispatcher)
        unread = self._resume_left
        self._resume_from, self._resume_left, self._sweep = None, 0, None
        self._deferred.clear()
        # Requests already out may finish; anything else (waiting for the pacer, a channel's
        # window, a database read) stops where it is, unsent.
        out = [task for task, job in self._in_flight.items() if job.requesting]
        idle = [task for task, job in self._in_flight.items() if not job.requesting]
        left += [self._in_flight[task] for task in idle]
        for task in idle:
            task.cancel()
        finished, cut = await _wait(out, deadline - loop.time())
        for task in cut:
            task.cancel()
        await asyncio.gather(*idle, *cut, return_exceptions=True)
        # Then every outcome is written (the writer first, then once more with the stamps
        # of what was never sent taken off, so the next start sends those as new).
        if self._writer is not None and not self._writer.done():
            await _wait([self._writer], deadline - loop.time())
            await _cancel(self._writer)
        unsent = [
            job.prompt.key
            for job in (*left, *self._abandoned)
            if job.stamped and job.unsure_since is None
        ]
        written_before = self._written
        unwritten = 0
        if self._outcomes or self._new_channels or self._dm_status or unsent:
            try:
                await asyncio.wait_for(self._flush(unsent), max(deadline - loop.time(), 1.0))
            except Exception as error:  # the database is gone: say so, once, below
                unwritten = len(self._outcomes)
                log.debug("delivery: last write failed: %s", type(error).__name__)
        for _, future in self._outcomes:
            if future is not None and not future.done():
                future.set_result(DeliveryStatus.PENDING)
        pending = [future for future in self._waiting.values() if not future.done()]
        for future in pending:
            future.set_result(DeliveryStatus.PENDING)
        self._waiting.clear()
        self._abandoned.clear()
        self._held.clear()
        log.info(
            "delivery stopped in %.1f s: %d requests finished, %d cut off after %.0f s, "
            "%d outcomes written, %d not written (database unavailable), "
            "%d left pending for the next start",
            loop.time() - began,
            len(finished),
            len(cut),
            self.settings.drain_seconds,
            self._written - written_before,
            unwritten,
            len(pending) + unread,
        )

    # ------------------------------------------------------------------ API

    async def deliver(self, prompts: Sequence[Prompt]) -> dict[str, DeliveryStatus]:
        """Send each prompt not sent before and wait for every outcome.

        A key claimed before keeps its recorded state and is not sent again. ``PENDING``
        means not sent yet: the engine stopped first, and the next start sends it."""
        waits = await self._claim(prompts)
        results = dict(await self._known(prompts, waits))
        for key, future in waits.items():
            results[key] = await future
        return results

    async def message_id(self, key: str) -> int | None:
        """The id of the message a delivered prompt became (to edit a staff post later)."""
        async with self._sessions() as session:
            return await repo.message_id(session, key)

    def on_recorded(self, hook: OutcomeHook) -> None:
        """Run ``hook(session, outcomes)`` in the transaction that records outcomes, so what
        follows from an outcome (an escalation linked to its post, staff DMed when the post
        failed) commits with it. A hook that raises makes the whole batch be written again
        (and sending pauses until it is)."""
        self._hooks.append(hook)

    def add_outlet(self, name: str, outlet: Outlet) -> None:
        """Send prompts whose ``via`` is ``name`` through ``outlet`` (email, a webhook)."""
        if name == DISCORD or not name:
            raise ValueError(f"an outlet needs a name other than {DISCORD!r}")
        self._outlets[name] = outlet

    def reopen(self, user_id: int) -> None:
        """The user says their DMs are open again: the next prompt tries a DM."""
        self._closed.discard(user_id)

    def status(self) -> EngineStatus:
        return EngineStatus(
            queued=len(self._heap) + len(self._timers) + self._resume_left + len(self._deferred),
            in_flight=len(self._in_flight),
            sent=self._counts[DeliveryStatus.SENT],
            fallback=self._counts[DeliveryStatus.FALLBACK],
            failed=self._counts[DeliveryStatus.FAILED],
            retries=self._retries,
            invalid_10min=self.health.invalid(),
            invalid_by_status=self.health.by_status(),
            rate_per_second=self.pacer.effective_rate(),
            last_fan_out=self.last_fan_out,
            expired=self._counts[DeliveryStatus.EXPIRED],
            uncertain=self._counts[DeliveryStatus.UNCERTAIN],
            paused_since=self._paused_since,
        )

    async def idle(self) -> None:
        """Wait until every queued delivery (resumed ones too) has its outcome written."""
        while True:
            if self._waiting:
                await asyncio.gather(*self._waiting.values(), return_exceptions=True)
            elif self._unread() and self._dispatcher is not None and not self._dispatcher.done():
                await asyncio.wait([self._dispatcher])  # it reads the rest as it goes
            else:
                return

    # ------------------------------------------------------------------ claiming

    def outbox(self, session: AsyncSession) -> Outbox:
        """An outbox bound to the caller's transaction (see ``Outbox``)."""
        return Outbox(session, self._clock.now())

    async def dispatch(self, outbox: Outbox) -> dict[str, asyncio.Future[DeliveryStatus]]:
        """Queue the prompts an outbox wrote, once its transaction has committed; returns a
        future per new key that resolves to its outcome (``PENDING`` when the engine is
        stopping: the next start sends it)."""
        new = outbox.new
        if not new:
            return {}
        loop = asyncio.get_running_loop()
        waits: dict[str, asyncio.Future[DeliveryStatus]] = {}
        if self._stopping:
            for prompt in new:
                waits[prompt.key] = loop.create_future()
                waits[prompt.key].set_result(DeliveryStatus.PENDING)
            return waits
        fan_out = None
        if len(new) > 1:
            fan_out = FanOut(
                kinds=tuple(sorted({p.kind for p in new})),
                size=len(new),
                started_at=outbox.now,
                started=_now(),
            )
            self.last_fan_out = fan_out
        jobs: list[_Job] = []
        for prompt in new:
            if prompt.key in self._waiting:  # already queued (dispatched twice)
                waits[prompt.key] = self._waiting[prompt.key]
                continue
            if prompt.key in self._held:
                continue
            waits[prompt.key] = self._waiting[prompt.key] = loop.create_future()
            if prompt.priority is Priority.BULK and (self._unread() or self._full(len(jobs))):
                # read back from its row, its recipient learnt then
                self._deferred.append((prompt.key, fan_out))
                continue
            self._held.add(prompt.key)
            jobs.append(_Job(prompt, fan_out=fan_out))
        await self._learn_recipients([job.prompt for job in jobs])
        for job in jobs:
            self._enqueue(job)
        self._wake()
        return waits

    async def _learn_recipients(self, prompts: Sequence[Prompt]) -> None:
        """DMs closed and DM channels known for these recipients. The rows are committed
        whatever happens here: a failed read only costs a request or two later."""
        dm_users = [p.user_id for p in prompts if p.via == DISCORD and p.channel_id is None]
        missing = [u for u in dm_users if u not in self._dm_channels]
        if not dm_users:
            return
        try:
            async with self._sessions() as session:
                self._closed |= await repo.dms_closed(session, dm_users)
                self._dm_channels.update(await repo.dm_channels(session, missing))
        except Exception as error:
            log.warning(
                "delivery: could not read the recipients' DM state (%s); sending anyway",
                type(error).__name__,
            )

    async def _claim(self, prompts: Sequence[Prompt]) -> dict[str, asyncio.Future[DeliveryStatus]]:
        async with self._writing, self._sessions.begin() as session:
            outbox = self.outbox(session)
            await outbox.add(prompts)
        return await self.dispatch(outbox)

    async def _known(
        self, prompts: Sequence[Prompt], new: dict[str, asyncio.Future[DeliveryStatus]]
    ) -> dict[str, DeliveryStatus]:
        old = [p.key for p in prompts if p.key not in new]
        if not old:
            return {}
        async with self._sessions() as session:
            return await repo.statuses(session, old)

    def _enqueue(self, job: _Job) -> None:
        if self._stopping:
            return  # its row stays pending: the next start sends it
        heapq.heappush(self._heap, (int(job.prompt.priority), next(self._seq), job))
        self._wake()

    def _wake(self) -> None:
        """Run the dispatcher if there is anything to take (it stops when there is not)."""
        if self._stopping or not (self._heap or self._unread()):
            return
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="delivery-dispatch")

    def _unread(self) -> bool:
        """Whether pending rows wait in the table, not yet in memory."""
        return self._sweep is not None or self._resume_from is not None or bool(self._deferred)

    def _full(self, coming: int = 0) -> bool:
        """Whether the queue holds a window of jobs (with ``coming`` about to join it)."""
        return len(self._heap) + coming >= WINDOW

    async def _refill(self) -> None:
        """Read the next page of rows into the queue: those left by the last run first
        (most urgent, then oldest), then the BULK prompts dispatched while it was full.
        The read happens under the write lock, and a row whose key is held is skipped: an
        outcome being written for a key cannot make its row be read as pending again."""
        if self._sweep is not None:
            await self._sweep_past_deadline(*self._sweep)
            return
        room = max(PAGE, WINDOW - len(self._heap))
        after = self._resume_from
        async with self._writing, self._sessions() as session:
            if after is not None:
                jobs = await self._read_resumed(session, after, room)
            else:
                jobs = await self._read_deferred(session, room)
        await self._learn_recipients([job.prompt for job in jobs])
        for job in jobs:
            self._enqueue(job)

    async def _sweep_past_deadline(self, after: int, last: int) -> None:
        """End, in one short transaction, the rows left by the last run with ids in
        (``after``, ``after + SWEEP_SPAN``] that are past their deadline, as a job would
        (``_expired``), with the outcome hooks; a key held in memory is left to its job."""
        upto = min(after + SWEEP_SPAN, last)
        async with self._writing, self._sessions.begin() as session:
            ended = await repo.expire_past(session, after, upto, self._clock.now())
            ended = [outcome for outcome in ended if outcome.key not in self._held]
            for hook in self._hooks if ended else ():
                await hook(session, ended)
        self._sweep = None if upto >= last else (upto, last)
        self._resume_left = max(0, self._resume_left - len(ended))
        for outcome in ended:
            self._counts[outcome.status] += 1
            self._swept[outcome.status] = self._swept.get(outcome.status, 0) + 1
            future = self._waiting.pop(outcome.key, None)
            if future is not None and not future.done():
                future.set_result(outcome.status)
        if self._sweep is None and self._swept:
            log.info(
                "delivery: %d deliveries left pending were past their deadline: %d expired, "
                "%d uncertain (may have been sent before the restart)",
                sum(self._swept.values()),
                self._swept.get(DeliveryStatus.EXPIRED, 0),
                self._swept.get(DeliveryStatus.UNCERTAIN, 0),
            )

    async def _read_resumed(
        self, session: AsyncSession, after: tuple[int, int], room: int
    ) -> list[_Job]:
        rows = await repo.pending_page(session, after, self._resume_until, room)
        if len(rows) < room:
            self._resume_from = None
        else:
            self._resume_from = (rows[-1].priority, rows[-1].id)
        jobs = self._load(rows, {})
        self._resume_left = 0 if self._resume_from is None else self._resume_left - len(jobs)
        return jobs

    async def _read_deferred(self, session: AsyncSession, room: int) -> list[_Job]:
        wanted = [self._deferred.popleft() for _ in range(min(room, len(self._deferred)))]
        try:
            found = await repo.pending_of(session, [key for key, _ in wanted])
            gone = [key for key, _ in wanted if key not in found and key not in self._held]
            # finished by someone else meanwhile (erased, or another run): its outcome
            done = await repo.statuses(session, gone) if gone else {}
        except BaseException:
            self._deferred.extendleft(reversed(wanted))
            raise
        for key in gone:
            future = self._waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(done.get(key, DeliveryStatus.FAILED))
        return self._load([found[key] for key, _ in wanted if key in found], dict(wanted))

    def _load(self, rows: Sequence[Delivery], fan_outs: Mapping[str, FanOut | None]) -> list[_Job]:
        """Jobs for rows read from the table, but none for a key already held."""
        loop = asyncio.get_running_loop()
        jobs = []
        for row in rows:
            if row.key in self._held or row.payload is None:
                continue
            self._held.add(row.key)
            if row.key not in self._waiting:
                self._waiting[row.key] = loop.create_future()
            prompt = _prompt_of(row)
            jobs.append(
                _Job(
                    prompt,
                    attempts=row.attempts,
                    unsure_since=row.last_attempt_at,
                    fan_out=fan_outs.get(row.key),
                )
            )
        return jobs

    # ------------------------------------------------------------------ taking jobs

    async def _dispatch(self) -> None:
        """Take jobs by priority, each only once its row is stamped "about to be sent", and
        none while outcomes cannot be written. The queue is refilled from the table as it
        empties."""
        while self._heap or self._unread():
            await self._writable.wait()
            if self._unread() and len(self._heap) < WINDOW - PAGE:
                try:
                    await self._refill()
                except Exception as error:
                    self._pause(error)
                    await asyncio.sleep(PROBE_FIRST_SECONDS * 4)
                    continue
                if self._writable.is_set():
                    self._resume()
            if not self._heap:
                continue
            if self._needs_stamp(self._heap[0][2]):
                await self._stamp()
                continue
            await self._slots.acquire()
            if not self._heap or not self._writable.is_set() or self._needs_stamp(self._heap[0][2]):
                self._slots.release()  # something changed while waiting for a slot
                continue
            _, _, job = heapq.heappop(self._heap)
            task = asyncio.create_task(self._run(job))
            self._in_flight[task] = job
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._slots.release()

    def _needs_stamp(self, job: _Job) -> bool:
        if job.unsure_since is not None:
            return False  # the row already holds an earlier stamp: it stays, as the bound
        if self._past_deadline(job):
            return False  # no request will leave for it
        return job.armed_at is None or _now() - job.armed_at > self._arm_valid

    def _past_deadline(self, job: _Job) -> bool:
        deadline = job.prompt.expires_at
        return deadline is not None and self._clock.now() >= deadline

    async def _stamp(self) -> None:
        """Stamp the rows of the next jobs in line (about STAMP_AHEAD_SECONDS of sending, at
        least as many as can be in flight) in one UPDATE. If the database refuses, sending
        is paused and the stamp is tried again a little later."""
        size = max(
            self.settings.concurrency,
            min(STAMP_MAX, int(self.pacer.effective_rate() * STAMP_AHEAD_SECONDS)),
        )
        taken = [heapq.heappop(self._heap) for _ in range(min(size, len(self._heap)))]
        for entry in taken:  # back in place: only their rows are written
            heapq.heappush(self._heap, entry)
        jobs = [entry[2] for entry in taken if self._needs_stamp(entry[2])]
        for job in jobs:
            job.stamped = True
        try:
            async with self._writing, self._sessions.begin() as session:
                await repo.mark_attempting(
                    session, [job.prompt.key for job in jobs], self._clock.now()
                )
        except Exception as error:
            self._pause(error)
            await asyncio.sleep(PROBE_FIRST_SECONDS * 4)
            return
        armed = _now()
        for job in jobs:
            job.armed_at = armed
        if self._writable.is_set():  # else the writer is still failing: it resumes
            self._resume()

    def _pause(self, error: BaseException) -> None:
        if self._paused_since is None:
            self._paused_since = self._clock.now()
            log.warning(
                "delivery paused: the database does not take writes (%s); nothing more is "
                "sent until it does",
                type(error).__name__,
            )

    def _resume(self) -> None:
        self._writable.set()
        if self._paused_since is not None:
            down = (self._clock.now() - self._paused_since).total_seconds()
            self._paused_since = None
            log.warning("delivery resumed: the database takes writes again after %.0f s", down)

    # ------------------------------------------------------------------ sending

    async def _run(self, job: _Job) -> None:
        prompt = job.prompt
        if self._expired(job):
            return
        try:
            if prompt.via != DISCORD:
                await self._send_outside(job)
                return
            if prompt.edit_message_id is not None:
                await self._edit(job, prompt.edit_message_id)
                return
            if self._given_up(job):
                return
            if job.dms_closed or (prompt.channel_id is None and prompt.user_id in self._closed):
                await self._send_fallback(job)
                return
            job.attempts += 1
            channel_id = prompt.channel_id or await self._dm_channel(job)
            await self._gate.wait(channel_id)
            await self.pacer.take()
            if self._expired(job) or self._given_up(job):
                return
            message_id = await self._request(
                job, self._transport.post(channel_id, prompt.message, nonce_for(prompt.key))
            )
            if prompt.channel_id is None:
                self._dm_status[prompt.user_id] = DmStatus.OPEN
            self._done(job, DeliveryStatus.SENT, message_id=message_id)
        except _Stopped:
            self._abandoned.append(job)
        except DmsClosed as error:
            if prompt.channel_id is not None:  # a post, not a DM: nothing to fall back on
                self._done(job, DeliveryStatus.FAILED, error=error.detail)
                return
            log.info("delivery %s: user %s has DMs closed", prompt.key, prompt.user_id)
            self._closed.add(prompt.user_id)
            self._dm_status[prompt.user_id] = DmStatus.CLOSED
            job.dms_closed = True
            try:
                await self._send_fallback(job)
            except _Stopped:
                self._abandoned.append(job)
        except Retryable as error:
            self._retry(job, error)
        except SendError as error:
            log.warning("delivery %s refused: %s", prompt.key, error.detail)
            self._done(job, DeliveryStatus.FAILED, error=error.detail)
        except Exception as error:
            log.exception("delivery %s: unexpected error", prompt.key)
            self._done(job, DeliveryStatus.FAILED, error=type(error).__name__)

    async def _request(self, job: _Job, call: Coroutine[Any, Any, T], *, creates: bool = True) -> T:
        """Make one request for ``job``. One that ``creates`` a message marks it possibly sent
        from now, until the answer says it certainly was not (a 429, a refusal)."""
        if self._stopping:
            call.close()
            raise _Stopped
        before = job.unsure_since
        if creates and before is None:
            job.unsure_since = self._clock.now()
        job.requesting = True
        try:
            return await call
        except Retryable as error:
            if error.status == 429:
                job.unsure_since = before
            raise
        except SendError:
            job.unsure_since = before
            raise
        finally:
            job.requesting = False

    def _expired(self, job: _Job) -> bool:
        """Past its deadline (a reminder once its session has started): not sent, recorded
        ``expired`` (or ``uncertain`` if an earlier attempt may have landed). True then."""
        if not self._past_deadline(job):
            return False
        if job.unsure_since is not None:
            log.info(
                "delivery %s past its deadline; an earlier try may have landed", job.prompt.key
            )
            self._done(job, DeliveryStatus.UNCERTAIN)
            return True
        log.info("delivery %s expired before it could be sent", job.prompt.key)
        self._done(job, DeliveryStatus.EXPIRED)
        return True

    def _given_up(self, job: _Job) -> bool:
        """A send of this message may have happened longer ago than Discord remembers its
        nonce, so a repeat would show twice: resolved by kind (``resend_when_unsure``).
        True when it is recorded ``uncertain`` instead of being sent."""
        since = job.unsure_since
        if since is None or self._clock.now() - since < self._window:
            return False
        age = (self._clock.now() - since).total_seconds()
        if resend_when_unsure(job.prompt):
            log.info(
                "delivery %s may have been sent %.0f s ago; sent again (%s)",
                job.prompt.key,
                age,
                job.prompt.priority.name.lower(),
            )
            job.unsure_since = None  # a new attempt, with a new window
            return False
        log.info(
            "delivery %s may have been sent %.0f s ago; not sent again (uncertain)",
            job.prompt.key,
            age,
        )
        self._done(job, DeliveryStatus.UNCERTAIN)
        return True

    async def _send_fallback(self, job: _Job) -> None:
        """DMs closed: post in the pair's channel, or the program's, mentioning the student."""
        prompt = job.prompt
        channel_id = prompt.fallback_channel_id
        if channel_id is None and prompt.guild_id is not None:
            try:
                async with self._sessions() as session:
                    channel_id = await repo.program_channel(session, prompt.guild_id)
            except Exception as error:
                log.warning(
                    "delivery %s: could not read the program channel (%s); trying again",
                    prompt.key,
                    type(error).__name__,
                )
                self._later(job, self.settings.retry_base_seconds)
                return
        if channel_id is None:
            self._done(job, DeliveryStatus.FAILED, error="DMs closed and no fallback channel")
            return
        job.attempts += 1
        try:
            await self._gate.wait(channel_id)
            await self.pacer.take()
            if self._expired(job) or self._given_up(job):
                return
            message_id = await self._request(
                job,
                self._transport.post(
                    channel_id,
                    self._fallback(prompt.user_id, prompt.message),
                    nonce_for(prompt.key, fallback=True),
                ),
            )
        except Retryable as error:
            self._retry(job, error)
            return
        except SendError as error:
            log.warning("delivery %s: fallback refused: %s", prompt.key, error.detail)
            self._done(job, DeliveryStatus.FAILED, error=f"fallback: {error.detail}")
            return
        self._done(job, DeliveryStatus.FALLBACK, message_id=message_id)

    async def _send_outside(self, job: _Job) -> None:
        """A prompt for an outlet outside Discord: no pacing, the same rows and retries."""
        prompt = job.prompt
        outlet = self._outlets.get(prompt.via)
        if outlet is None:
            log.warning("delivery %s: no outlet named %r", prompt.key, prompt.via)
            self._done(job, DeliveryStatus.FAILED, error=f"no outlet named {prompt.via!r}")
            return
        if not prompt.address:
            self._done(job, DeliveryStatus.FAILED, error=f"no address for {prompt.via}")
            return
        job.attempts += 1
        try:
            receipt = await self._request(job, self._call(outlet, prompt.address, job))
        except Retryable as error:
            self._retry(job, error)
            return
        except SendError as error:
            log.warning("delivery %s refused by %s: %s", prompt.key, prompt.via, error.detail)
            self._done(job, DeliveryStatus.FAILED, error=error.detail)
            return
        log.info("delivery %s sent via %s (receipt %s)", prompt.key, prompt.via, receipt or "-")
        self._done(job, DeliveryStatus.SENT)

    async def _edit(self, job: _Job, message_id: int) -> None:
        """An edit of a message sent before: paced like a post; a message already deleted
        (404) is done, as nothing of it is left to show."""
        prompt, transport = job.prompt, self._transport
        if not isinstance(transport, Edits):
            self._done(job, DeliveryStatus.FAILED, error="this transport cannot edit")
            return
        job.attempts += 1
        try:
            channel_id = prompt.channel_id or await self._dm_channel(job)
            await self._gate.wait(channel_id)
            await self.pacer.take()
            await self._request(
                job, transport.edit(channel_id, message_id, prompt.message), creates=False
            )
        except Retryable as error:
            self._retry(job, error)
            return
        except SendError as error:
            if error.status != 404:
                log.warning("delivery %s: edit refused: %s", prompt.key, error.detail)
                self._done(job, DeliveryStatus.FAILED, error=error.detail)
                return
            log.info("delivery %s: the message to edit is gone already", prompt.key)
        self._done(job, DeliveryStatus.SENT, message_id=message_id)

    async def _call(self, outlet: Outlet, address: str, job: _Job) -> str | None:
        try:
            async with asyncio.timeout(self.settings.outlet_timeout_seconds):
                return await outlet.send(address, job.prompt.message, job.prompt.key)
        except TimeoutError:
            raise Retryable(f"{job.prompt.via}: no answer in time") from None

    async def _dm_channel(self, job: _Job) -> int:
        user_id = job.prompt.user_id
        known = self._dm_channels.get(user_id)
        if known is not None:
            return known
        await self.pacer.take()
        channel_id = await self._request(job, self._transport.open_dm(user_id), creates=False)
        self._dm_channels[user_id] = self._new_channels[user_id] = channel_id
        return channel_id

    def _retry(self, job: _Job, error: Retryable) -> None:
        prompt = job.prompt
        if prompt.via == DISCORD and error.status == 429 and error.retry_after:
            self.pacer.pause(error.retry_after)
        if job.attempts >= self.settings.max_attempts:
            log.warning(
                "delivery %s failed after %d attempts: %s", prompt.key, job.attempts, error.detail
            )
            self._done(job, DeliveryStatus.FAILED, error=error.detail)
            return
        self._retries += 1
        delay = max(
            error.retry_after,
            self.settings.retry_base_seconds * 2 ** max(job.attempts - 1, 0),
        ) * random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not secrecy
        log.info("delivery %s: %s; retry in %.1f s", prompt.key, error.detail, delay)
        self._record(job, DeliveryStatus.PENDING, error=error.detail)
        self._later(job, delay)

    def _later(self, job: _Job, delay: float) -> None:
        """Queue ``job`` again after ``delay`` seconds (unless the engine stops first)."""
        if self._stopping:
            self._abandoned.append(job)
            return
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def requeue() -> None:
            if handle is not None:
                self._timers.pop(handle, None)
            self._enqueue(job)

        handle = loop.call_later(delay, requeue)
        self._timers[handle] = job

    def _done(
        self,
        job: _Job,
        status: DeliveryStatus,
        *,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        self._counts[status] += 1
        fan_out = job.fan_out
        if fan_out is not None:
            fan_out.outcomes[status] = fan_out.outcomes.get(status, 0) + 1
            if sum(fan_out.outcomes.values()) == fan_out.size:
                fan_out.finished_at = self._clock.now()
                fan_out.seconds = _now() - fan_out.started
        self._record(job, status, error=error, message_id=message_id)

    def _record(
        self,
        job: _Job,
        status: DeliveryStatus,
        *,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        key = job.prompt.key
        future = None if status is DeliveryStatus.PENDING else self._waiting.pop(key, None)
        outcome = repo.Outcome(key, status, job.attempts, error, message_id, job.prompt.kind)
        self._outcomes.append((outcome, future))
        if self._stopping:
            return  # stop() writes what is left itself
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="delivery-write")

    # ------------------------------------------------------------------ writing

    async def _write(self) -> None:
        """Write outcomes in batches: whatever piled up while the last batch was written.
        While that fails, no new job is taken; it is tried again with a growing delay."""
        delay = PROBE_FIRST_SECONDS
        while self._outcomes or self._new_channels or self._dm_status:
            try:
                await self._flush()
            except Exception as error:
                self._writable.clear()
                self._pause(error)
                if not isinstance(error, (SQLAlchemyError, OSError)):
                    log.exception("delivery: recording outcomes failed")  # an outcome hook's bug
                await asyncio.sleep(delay)
                delay = min(delay * 2, PROBE_MAX_SECONDS)
            else:
                delay = PROBE_FIRST_SECONDS
                self._resume()

    async def _flush(self, unsent: Sequence[str] = ()) -> None:
        outcomes, self._outcomes = self._outcomes, []
        channels, self._new_channels = self._new_channels, {}
        dm_status, self._dm_status = self._dm_status, {}
        try:
            async with self._writing, self._sessions.begin() as session:
                await repo.remember_dm_channels(session, channels, self._clock.now())
                for status in (DmStatus.OPEN, DmStatus.CLOSED):
                    users = [user for user, value in dm_status.items() if value is status]
                    await repo.set_dm_status(session, users, status, self._clock.now())
                recorded = [o for o, _ in outcomes]
                await repo.record(session, recorded, self._clock.now())
                await repo.clear_attempts(session, unsent)
                for hook in self._hooks:
                    await hook(session, recorded)
        except BaseException:
            self._outcomes[:0] = outcomes
            self._new_channels = {**channels, **self._new_channels}
            self._dm_status = {**dm_status, **self._dm_status}
            raise
        self._written += len(outcomes)
        for outcome, future in outcomes:
            if outcome.status is not DeliveryStatus.PENDING:
                self._held.discard(outcome.key)  # its row is no longer pending
            if future is not None and not future.done():
                future.set_result(outcome.status)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None or task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _wait(
    tasks: Sequence[asyncio.Task[None]], seconds: float
) -> tuple[set[asyncio.Task[None]], set[asyncio.Task[None]]]:
    """(finished, not finished) after at most ``seconds``."""
    if not tasks:
        return set(), set()
    if seconds <= 0:
        return {t for t in tasks if t.done()}, {t for t in tasks if not t.done()}
    return await asyncio.wait(tasks, timeout=seconds)


def _prompt_of(row: Delivery) -> Prompt:
    payload = row.payload or {}
    return Prompt(
        key=row.key,
        kind=row.kind,
        user_id=row.recipient_user_id,
        message=Message.from_json(payload),
        priority=Priority(row.priority),
        channel_id=row.channel_id,
        fallback_channel_id=row.fallback_channel_id,
        guild_id=row.guild_id,
        expires_at=row.expires_at,
        via=str(payload.get("via", DISCORD)),
        address=payload.get("address"),
        edit_message_id=payload.get("edit"),
    )


class LoopLag:
    """How late the event loop wakes a sleeper: a measure of how busy it is."""

    def __init__(self, interval: float = 0.1, keep: int = 600) -> None:
        self.interval = interval
        self._lags: deque[float] = deque(maxlen=keep)

    async def run(self, report: Callable[[LoopLag], None], every: float = 60.0) -> None:
        """Sample forever; call ``report`` every ``every`` seconds."""
        last_report = _now()
        while True:
            before = _now()
            await asyncio.sleep(self.interval)
            self._lags.append(max(0.0, _now() - before - self.interval))
            if _now() - last_report >= every:
                last_report = _now()
                report(self)

    def percentile(self, share: float) -> float:
        """The lag (seconds) that ``share`` of recent samples stay under; 0 with none."""
        ordered = sorted(self._lags)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def log_health(engine: DeliveryEngine, lag: LoopLag) -> None:
    """One line with the delivery counts, queue and loop lag (WARNING when the loop lags
    or sending is paused)."""
    state = engine.status()
    p99 = lag.percentile(0.99) * 1000
    log.log(
        logging.WARNING if p99 > 250 or state.paused_since is not None else logging.INFO,
        "delivery: queued=%d in_flight=%d sent=%d fallback=%d failed=%d expired=%d "
        "uncertain=%d retries=%d paused=%s invalid_10min=%d rate=%.1f/s "
        "loop_lag_p50=%.1fms p99=%.1fms",
        state.queued,
        state.in_flight,
        state.sent,
        state.fallback,
        state.failed,
        state.expired,
        state.uncertain,
        state.retries,
        "no" if state.paused_since is None else "yes",
        state.invalid_10min,
        state.rate_per_second,
        lag.percentile(0.5) * 1000,
        p99,
    )
