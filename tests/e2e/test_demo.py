"""`bridges demo`: the narrated week and the control page, on the real bot in simcord."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from bot.config import load_settings
from bot.demo.console import Console
from bot.demo.run import main, run_script, seed
from bot.demo.school import close_school, open_school
from bot.demo.script import WEEK
from tests.e2e.test_spanish import english_in


async def test_the_scripted_week_shows_every_step(tmp_path: Path) -> None:
    printed: list[str] = []
    school = await run_script(load_settings(None, {}), tmp_path, printed.append)
    text = "\n".join(printed)
    assert printed == school.transcript
    assert not school.env.errors
    for number, step in enumerate(WEEK, start=1):
        assert f"== {number}. {step.title}" in text
    for seen in (
        "ms_rivera › /setup",
        "Bridges → ms_rivera (only you): Bridges is set up",
        "sam fills in “Join as a mentor”",
        "Before you join: your privacy",
        'Confirmed "Being a good listener" for @sam: 120 of 120 minutes',
        "jordan › /join role:'mentee'",
        "1. score 80: @sam",
        "Matched @sam with @jordan: #pair-sam-jordan",
        "Bridges → sam (DM, Wed 6:00 PM): @jordan would like to meet: Sat Jan 3, 10:00 AM CST",
        "sam clicks [Accept]",
        "Bridges → jordan (DM, Fri 10:00 AM): Reminder: your session with @sam (algebra)",
        "Bridges → jordan (DM, Sat 9:45 AM): Reminder: your session with @sam (algebra) starts "
        "Sat Jan 3, 10:00 AM CST (in 15 minutes)",
        "Bridges → jordan (DM, Sat 10:55 AM): Your session on Sat Jan 3, 10:00 AM CST "
        "(55 minutes ago) has ended. Did it happen?",
        "jordan fills in “What did you cover?”",
        "deshawn clicks [No-show]",
        "Roster (3 matches, 5 waiting, 4 mentors)",
        # Goals, Monday's check-in in the mentee's zone, answers, the digest.
        "jordan fills in “A new goal”",
        "Goal added: **Hand in every math homework**",
        "Bridges → jordan (DM, Mon 3:30 PM): Time for your weekly check-in!",
        "      - Make one friend on the team",
        "Bridges → sam (DM, Mon 3:30 PM): Mentor check-in",
        "jordan picks “3 – halfway”",
        "jordan fills in “Your weekly check-in”",
        "Bridges → jordan (only you): Thanks for checking in!",
        "Bridges → sam (DM, Mon 3:30 PM): Check-in from @jordan (week of Jan 5):\n"
        "      - Mood: 4/5 (good)\n"
        "      - Hand in every math homework: 3/5 (halfway)",
        "Bridges → leo (DM, Mon 3:30 PM): Check-in from @deshawn (week of Jan 5):\n"
        "      - Mood: 2/5 (not great)",
        # One low week reaches only the mentor; the second low week in a row reaches the
        # staff channel with the role mentioned; a claim; the student is told; /help-me.
        "Bridges → leo (DM, Mon 3:30 PM): Check-in from @deshawn (week of Jan 12):\n"
        "      - Mood: 2/5 (not great)",
        "Bridges → deshawn (only you): Thanks for checking in! That's 2 weeks in a row.",
        "Bridges → #staff-alerts: @Staff New escalation #1 (Today).",
        "      Mood 2 or lower in two check-ins in a row",
        "Student: @deshawn",
        "Last check-ins (newest first): mood 2/5, mood 2/5",
        "ms_rivera clicks [Claim]",
        "Bridges → ms_rivera (only you): You claimed escalation #1.",
        "Status: Claimed by @ms_rivera",
        "Bridges → deshawn (DM, Mon 3:30 PM): @ms_rivera, a staff member, would like to check "
        "in with you",
        "maya fills in “Ask staff for help”",
        "Bridges → #staff-alerts: @Staff New escalation #2 (Can wait).",
        "Bridges → maya (DM, Tue 3:30 PM): Reminder: your weekly check-in is still waiting.",
    ):
        assert seen in text, seen
    # Each reminder went out once: two per member and session, for three sessions.
    assert sum("Reminder: your session" in line for line in printed) == 12
    assert "<@" not in text and "<t:" not in text
    # The first low week alerts no one; the rule fires on the second, and it is the only
    # automatic escalation: no reach-out request, and no other mentee missed two in a row.
    first_week = text.split("== 12. ", 1)[0]
    assert "Bridges → #staff-alerts" not in first_week
    assert "New escalation #3" not in text
    assert "Asked in a check-in for an adult" not in text
    assert "Two check-ins in a row missed" not in text
    alerts = [message.content for message in school.staff_alerts.history()]
    assert len(alerts) == 3 and "receive Bridges escalations" in alerts[0]
    assert "escalation #1" in alerts[1] and "escalation #2" in alerts[2]


async def test_the_control_page_moves_the_clock_and_opens_previews(tmp_path: Path) -> None:
    school = await open_school(load_settings(None, {}), tmp_path)
    console = Console(school, port=0)
    try:
        await seed(school)
        await console.start()
        async with aiohttp.ClientSession() as http:
            async with http.get(console.url.rstrip("/") + "x/") as missing:
                assert missing.status == 404
            async with http.get(console.url) as page:
                body = await page.text()
            assert "Mon Jan 12, 3:30 PM CST" in body and "dm:" in body
            assert "Open\n#staff-alerts</a> as ms_rivera" in body
            async with http.post(console.url + "advance", data={"by": "day"}) as moved:
                body = await moved.text()
            assert "Tue Jan 13, 3:30 PM CST" in body
            assert "message(s) sent while the clock moved" in body
            async with http.post(console.url + "advance", data={"by": "year"}) as refused:
                assert refused.status == 400
            async with http.get(console.url + "open?channel=general", allow_redirects=False) as go:
                assert go.status == 303
                assert go.headers["Location"] == console.preview.url  # type: ignore[union-attr]
            async with http.get(
                console.url + "open?channel=staff-alerts", allow_redirects=False
            ) as go:
                assert go.status == 303
            assert console.preview is not None
            assert console.preview.url == go.headers["Location"]
            # Maya's /help-me request waits for the visitor to claim it, re-pinged meanwhile.
            alerts = [m.content for m in school.staff_alerts.history()]
            assert any("New escalation #2 (Can wait)" in text for text in alerts)
            assert "escalation #2 (Can wait) has not been claimed yet" in alerts[-1]
            jordan = school.mentees["jordan"]
            async with http.get(
                console.url + f"open?channel=dm:{jordan.id}", allow_redirects=False
            ) as go:
                assert go.headers["Location"].startswith("http://127.0.0.1:")
            async with http.get(console.url + "open?channel=dm:1") as unknown:
                assert "Could not open that" in await unknown.text()
        # The 24-hour reminders for Tuesday's session went out during the day that passed.
        assert any("Reminder:" in m.content for m in school.dms(school.mentors["priya"])[-3:])
    finally:
        await console.close()
        await close_school(school)
    assert not school.env.errors


def test_a_busy_port_is_named_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(load_settings(None, {}), script=False, data_dir=tmp_path, port=port) == 1
    printed = capsys.readouterr()
    assert "could not start the demo" in printed.err and "--port" in printed.err
    assert "Traceback" not in printed.err


async def test_the_week_in_spanish(tmp_path: Path) -> None:
    """`bridges demo --script --language es`: members' Discord in es-419, the server's posts
    in Spanish, the story told in Spanish; what the members receive and the staff posts are
    checked against the English catalog."""
    printed: list[str] = []
    school = await run_script(load_settings(None, {}), tmp_path, printed.append, "es")
    text = "\n".join(printed)
    assert not school.env.errors
    for seen in (
        "== 1. Miércoles por la tarde: la escuela configura Bridges",
        "sam › /unirme rol:'mentor'",
        "sam completa “Unirte como mentor/a” y lo envía",
        "No se guarda nada hasta que toques **Aceptar**.",
        "Libre cada semana: lun–vie 15:00–18:00",
        "Bridges → sam (MD, mié 18:00): @jordan quiere reunirse contigo: sáb, 3 ene, 10:00 CST "
        "(dentro de 2 días), 45 min sobre **álgebra**",
        "sam toca [Aceptar]",
        "Bridges → jordan (MD, sáb 9:45): Recordatorio: tu sesión con @sam (álgebra) empieza el "
        "sáb, 3 ene, 10:00 CST (dentro de 15 minutos).",
        "deshawn toca [No se presentó]",
        "Bridges → jordan (MD, lun 15:30): ¡Llegó tu seguimiento semanal!",
        "jordan elige “3 – a la mitad”",
        "Bridges → sam (MD, lun 15:30): Seguimiento de @jordan (semana del 5 ene):",
        "      - Ánimo: 4/5 (bien)",
        "== 14. Maya pide ayuda al personal con /pedir-ayuda",
    ):
        assert seen in text, seen
    received = [line for line in text.splitlines() if "(MD, " in line or "→ #staff-alerts" in line]
    assert len(received) > 30
    for line in received:
        assert english_in(line) == [], line
