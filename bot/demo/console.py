"""The demo's control page: move the simulated clock, and open the server or a member's DMs.

simcord's preview shows one channel at a time and has no clock, so this small page (on
127.0.0.1, behind a secret path) reopens the preview on the channel the visitor picks and
advances virtual time, listing what the bot sent meanwhile.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from datetime import timedelta

from aiohttp import web
from simcord.backend.errors import BackendError, SetupError
from simcord.preview import Preview

from bot.demo.school import PROGRAM_ZONE, School

log = logging.getLogger(__name__)

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
RECENT = 60


class Console:
    """One preview at a time, opened on the server's #general or one member's DMs."""

    def __init__(self, school: School, host: str = "127.0.0.1", port: int = 8765) -> None:
        self.school = school
        self.host, self.port = host, port
        self.secret = secrets.token_urlsafe(16)
        self.preview: Preview | None = None
        self.notice = ""
        self._lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.secret}/"

    async def start(self) -> None:
        app = web.Application()
        base = f"/{self.secret}"
        app.router.add_get(f"{base}/", self._page)
        app.router.add_get(f"{base}/open", self._open)
        app.router.add_post(f"{base}/advance", self._advance)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self.preview is not None:
            await self.preview.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def open_channel(self, target: str) -> str:
        """Show #general (acting as any member), #staff-alerts (as staff) or ``dm:<user id>``;
        returns the preview's URL."""
        school = self.school
        async with self._lock:
            if self.preview is not None:
                await self.preview.close()
                self.preview = None
            if target.startswith("dm:"):
                actor = {str(a.id): a for a in school.members}.get(target[3:])
                channel = actor.user.dm_channel if actor is not None else None
                if actor is None or channel is None:
                    raise SetupError("Bridges has not written to that member yet")
                preview = school.env.preview(
                    channel, viewers=[actor.user], layout="channel", timezone=PROGRAM_ZONE
                )
            elif target == "staff-alerts":
                preview = school.env.preview(
                    school.staff_alerts,
                    viewers=[school.staff],
                    layout="channel",
                    timezone=PROGRAM_ZONE,
                )
            else:
                preview = school.env.preview(
                    school.general, viewers=school.members, layout="channel", timezone=PROGRAM_ZONE
                )
            self.preview = await preview.__aenter__()
            return self.preview.url

    async def advance(self, step: timedelta) -> list[str]:
        """Move the clock; the transcript lines written meanwhile (what the bot sent)."""
        async with self._lock:
            before = len(self.school.transcript)
            await self.school.advance(step)
            if self.preview is not None and not self.preview._closed:
                await self.preview.refresh()
            return self.school.transcript[before:]

    async def _open(self, request: web.Request) -> web.StreamResponse:
        try:
            url = await self.open_channel(request.query.get("channel", "general"))
        except (SetupError, BackendError) as error:
            self.notice = f"Could not open that: {error}"
            raise web.HTTPSeeOther(self.url) from None
        raise web.HTTPSeeOther(url)

    async def _advance(self, request: web.Request) -> web.StreamResponse:
        step = STEPS.get((await request.post()).get("by", ""))  # type: ignore[arg-type]
        if step is None:
            raise web.HTTPBadRequest(text="advance by hour, day or week")
        try:
            happened = await self.advance(step)
        except (SetupError, TimeoutError) as error:
            self.notice = f"The simulator is busy ({error}); try again."
        else:
            sent = [line for line in happened if "Bridges →" in line]
            self.notice = f"{len(sent)} message(s) sent while the clock moved."
        raise web.HTTPSeeOther(self.url)

    async def _page(self, request: web.Request) -> web.Response:
        school = self.school
        now = school.readable(f"<t:{int(school.env.now().timestamp())}:F>")
        dms = "".join(
            f'<li><a target="preview" href="open?channel=dm:{actor.id}">{html.escape(actor.name)}'
            f"</a> <small>({role})</small></li>"
            for actor, role in school.roles()
            if actor.user.dm_channel is not None
        )
        steps = "".join(f'<button name="by" value="{name}">+1 {name}</button> ' for name in STEPS)
        recent = html.escape("\n".join(school.transcript[-RECENT:]))
        body = PAGE.format(
            school=html.escape(school.guild.name),
            now=html.escape(now),
            notice=html.escape(self.notice),
            steps=steps,
            dms=dms,
            recent=recent,
        )
        self.notice = ""
        return web.Response(text=body, content_type="text/html")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bridges demo</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222 }}
h1 {{ margin-bottom: 0 }} .now {{ font-size: 1.2rem }} .notice {{ color: #05603a }}
pre {{ background: #f4f4f6; padding: 1rem; white-space: pre-wrap; max-height: 28rem;
      overflow: auto }}
a.big {{ font-size: 1.1rem; font-weight: 600 }} button {{ font-size: 1rem; margin-right: .3rem }}
</style></head><body>
<h1>Bridges demo: {school}</h1>
<p>The real bot in a simulated Discord, offline. Nothing leaves this computer.</p>
<p class="now">Simulated time: <strong id="now">{now}</strong></p>
<form method="post" action="advance">Advance the clock: {steps}</form>
<p class="notice" id="notice">{notice}</p>
<h2>Act as a member</h2>
<p><a class="big" id="open-general" target="preview" href="open?channel=general">Open #general</a>
 — pick who you are with <em>Viewing as</em>, type <code>/</code> for commands
 (<code>/help</code>, <code>/session schedule</code>, <code>/staff roster</code> as ms_rivera…),
 click buttons, fill in forms.</p>
<p><a class="big" id="open-alerts" target="preview" href="open?channel=staff-alerts">Open
#staff-alerts</a> as ms_rivera — escalations from check-ins and <code>/help-me</code> wait
there for a staff member to click <em>Claim</em>.</p>
<h2>Direct messages</h2>
<p>Reminders and questions arrive by DM. Open a member's DMs to read them and click their
buttons:</p><ul>{dms}</ul>
<h2>What just happened</h2><pre id="recent">{recent}</pre>
</body></html>
"""
