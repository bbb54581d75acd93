"""What staff read from /staff contact and /staff report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.i18n import DEFAULT_LANGUAGE, Text, render
from bot.services.contacts import ContactState
from bot.services.objectives import METRICS
from bot.services.reports import Report, Table
from cogs.recruiting_texts import report_signups


def contact_recorded(state: ContactState) -> Text:
    mentor, mentee = f"<@{state.mentor_user_id}>", f"<@{state.mentee_user_id}>"
    due = f"<t:{int(state.due.timestamp())}:D>"
    return Text(
        "Recorded your contact with {mentor} and {mentee}. The next one is due {due}.",
        mentor=mentor,
        mentee=mentee,
        due=due,
    )


SIGNUPS_HEADING = Text("Sign-ups by source")
SHOWN_PAIRS = 10
SHOWN_WEEKS = 4
FIELD_LIMIT = 1024  # Discord's limit on one embed field's value


def _fit(lines: list[str], csv_name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """As many whole lines as fit in one embed field, then a pointer to the CSV."""
    kept: list[str] = []
    for number, line in enumerate(lines):
        more = Text("... {count} more in {csv}", count=len(lines) - number, csv=csv_name)
        tail = "\n" + more.render(language)
        if len("\n".join([*kept, line])) + len(tail) > FIELD_LIMIT:
            return "\n".join(kept) + tail
        kept.append(line)
    return "\n".join(kept)


def figure_text(metric: str, value: float | None) -> Text | str:
    if value is None:
        return NO_DATA
    unit = METRICS[metric][1]
    if unit == "%":
        return f"{value:g}%"
    return f"{value:g}" if unit == "average" else f"{int(value)}"


NO_DATA = Text("no data")
NONE = Text("None.")
VERDICTS = {True: Text("met"), False: Text("NOT met"), None: Text("no data yet")}


def _capitalised(text: str, language: str) -> str:
    rendered = render(text, language)
    return rendered[:1].upper() + rendered[1:]


def summary_lines(report: Report, language: str = DEFAULT_LANGUAGE) -> tuple[list[str], list[str]]:
    """(figure lines, objective lines) in plain text, shared by Discord and the CLI."""
    figures = [
        f"{_capitalised(METRICS[name][0], language)}: {render(figure_text(name, value), language)}"
        for name, value in report.figures.items()
        if name in METRICS
    ]
    objectives = [
        f"{j.objective.text}: {VERDICTS[j.met].render(language)} "
        f"({render(figure_text(j.objective.metric, j.value), language)})"
        for j in report.objectives
    ]
    return figures, objectives


def _when(text: object) -> Text | str:
    return f"<t:{int(datetime.fromisoformat(str(text)).timestamp())}:R>" if text else Text("never")


def _pairs(table: Table, column: int, last_session: bool, language: str) -> str:
    def line(row: Sequence[object]) -> Text:
        mentor, mentee, when = f"<@{row[1]}>", f"<@{row[2]}>", _when(row[column])
        if last_session:
            return Text(
                "{mentor} with {mentee}: last session {when}",
                mentor=mentor,
                mentee=mentee,
                when=when,
            )
        return Text("{mentor} with {mentee}: due {when}", mentor=mentor, mentee=mentee, when=when)

    csv_name = f"{table.name}.csv"
    lines = [line(row).render(language) for row in table.rows[:SHOWN_PAIRS]]
    more = len(table.rows) - SHOWN_PAIRS
    if more > 0:
        lines.append(
            Text("... and {count} more in {csv}", count=more, csv=csv_name).render(language)
        )
    return _fit(lines, csv_name, language) or NONE.render(language)


def checkin_weeks(table: Table, language: str = DEFAULT_LANGUAGE) -> str:
    """The latest weeks' check-in completion and mean mood: the trend at a glance."""
    lines = []
    for week, done, missed, rate, mood in table.rows[-SHOWN_WEEKS:]:
        answered: Text = (
            Text("{done} answered, {missed} missed ({rate}%)", done=done, missed=missed, rate=rate)
            if rate != ""
            else Text("none closed")
        )
        line = (
            Text("Week of {week}: {answered}, mood {mood}", week=week, answered=answered, mood=mood)
            if mood != ""
            else Text("Week of {week}: {answered}", week=week, answered=answered)
        )
        lines.append(line.render(language))
    return "\n".join(lines) or NONE.render(language)


def survey_statements(table: Table, language: str = DEFAULT_LANGUAGE) -> str:
    """Agreement (1-5) with each survey statement, at mid-point and at closure."""

    def part(closure: bool, mean: object, answers: object) -> Text:
        if not answers:
            return Text("closure: none yet") if closure else Text("mid-point: none yet")
        if closure:
            return Text("closure {mean} ({answers} answered)", mean=mean, answers=answers)
        return Text("mid-point {mean} ({answers} answered)", mean=mean, answers=answers)

    lines = [
        Text(
            "{statement}: {midpoint}; {closure}",
            statement=statement,
            midpoint=part(False, mid, mid_n),
            closure=part(True, end, end_n),
        ).render(language)
        for statement, mid, mid_n, end, end_n in table.rows
    ]
    empty = Text("No survey answered in this period.")
    return _fit(lines, f"{table.name}.csv", language) or empty.render(language)


def report_embed(report: Report, language: str = DEFAULT_LANGUAGE) -> discord.Embed:
    scope = report.scope
    figures, objectives = summary_lines(report, language)
    marks = {True: "✅", False: "❌", None: "➖"}

    def words(text: Text) -> str:
        return text.render(language)

    since, until = f"<t:{int(scope.since.timestamp())}:D>", f"<t:{int(scope.until.timestamp())}:D>"
    embed = discord.Embed(
        title=words(Text("Program report")),
        description=words(
            Text(
                "{since} to {until}. The CSV files hold every figure; the charts are attached.",
                since=since,
                until=until,
            )
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name=words(Text("Figures")), value=_fit(figures, "figures.csv", language), inline=False
    )
    embed.add_field(
        name=words(Text("Objectives")),
        value="\n".join(
            f"{marks[j.met]} {line}" for j, line in zip(report.objectives, objectives, strict=True)
        )
        or words(Text("None set (see [report] objectives in the config).")),
        inline=False,
    )
    embed.add_field(
        name=words(Text("Check-ins, latest weeks")),
        value=checkin_weeks(report.table("checkins_per_week"), language),
        inline=False,
    )
    embed.add_field(
        name=words(Text("Survey statements, agreement from 1 to 5")),
        value=survey_statements(report.table("survey_statements"), language),
        inline=False,
    )
    embed.add_field(
        name=words(Text("Pairs with no session in 14 days")),
        value=_pairs(report.table("pairs_without_contact_14d"), 4, True, language),
        inline=False,
    )
    embed.add_field(
        name=words(Text("Staff contacts overdue")),
        value=_pairs(report.table("contacts_overdue"), 3, False, language),
        inline=False,
    )
    embed.add_field(
        name=words(SIGNUPS_HEADING),
        value=_fit(
            report_signups(report).render(language).splitlines(), "signups_by_source.csv", language
        ),
        inline=False,
    )
    return embed
