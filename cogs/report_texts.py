"""What staff read from /staff contact and /staff report."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.i18n import Text
from bot.services.contacts import ContactState
from bot.services.objectives import METRICS
from bot.services.reports import Report, Table
from cogs.recruiting_texts import report_signups


def contact_recorded(state: ContactState) -> str:
    return (
        f"Recorded your contact with <@{state.mentor_user_id}> and <@{state.mentee_user_id}>. "
        f"The next one is due <t:{int(state.due.timestamp())}:D>."
    )


SIGNUPS_HEADING = Text("Sign-ups by source")
SHOWN_PAIRS = 10
SHOWN_WEEKS = 4
FIELD_LIMIT = 1024  # Discord's limit on one embed field's value


def _fit(lines: list[str], csv_name: str) -> str:
    """As many whole lines as fit in one embed field, then a pointer to the CSV."""
    kept: list[str] = []
    for number, line in enumerate(lines):
        tail = f"\n... {len(lines) - number} more in {csv_name}"
        if len("\n".join([*kept, line])) + len(tail) > FIELD_LIMIT:
            return "\n".join(kept) + tail
        kept.append(line)
    return "\n".join(kept)


def figure_text(metric: str, value: float | None) -> str:
    if value is None:
        return "no data"
    unit = METRICS[metric][1]
    if unit == "%":
        return f"{value:g}%"
    return f"{value:g}" if unit == "average" else f"{int(value)}"


def summary_lines(report: Report) -> tuple[list[str], list[str]]:
    """(figure lines, objective lines) in plain text, shared by Discord and the CLI."""
    figures = [
        f"{METRICS[name][0].capitalize()}: {figure_text(name, value)}"
        for name, value in report.figures.items()
        if name in METRICS
    ]
    verdicts = {True: "met", False: "NOT met", None: "no data yet"}
    objectives = [
        f"{j.objective.text}: {verdicts[j.met]} ({figure_text(j.objective.metric, j.value)})"
        for j in report.objectives
    ]
    return figures, objectives


def _when(text: object) -> str:
    return f"<t:{int(datetime.fromisoformat(str(text)).timestamp())}:R>" if text else "never"


def _pairs(table: Table, column: int, label: str) -> str:
    lines = [
        f"<@{row[1]}> with <@{row[2]}>: {label} {_when(row[column])}"
        for row in table.rows[:SHOWN_PAIRS]
    ]
    more = len(table.rows) - SHOWN_PAIRS
    if more > 0:
        lines.append(f"... and {more} more in {table.name}.csv")
    return _fit(lines, f"{table.name}.csv") or "None."


def checkin_weeks(table: Table) -> str:
    """The latest weeks' check-in completion and mean mood: the trend at a glance."""
    lines = []
    for week, done, missed, rate, mood in table.rows[-SHOWN_WEEKS:]:
        answered = f"{done} answered, {missed} missed ({rate}%)" if rate != "" else "none closed"
        lines.append(f"Week of {week}: {answered}" + (f", mood {mood}" if mood != "" else ""))
    return "\n".join(lines) or "None."


def survey_statements(table: Table) -> str:
    """Agreement (1-5) with each survey statement, at mid-point and at closure."""

    def part(label: str, mean: object, answers: object) -> str:
        return f"{label} {mean} ({answers} answered)" if answers else f"{label}: none yet"

    lines = [
        f"{statement}: {part('mid-point', mid, mid_n)}; {part('closure', end, end_n)}"
        for statement, mid, mid_n, end, end_n in table.rows
    ]
    return _fit(lines, f"{table.name}.csv") or "No survey answered in this period."


def report_embed(report: Report) -> discord.Embed:
    scope = report.scope
    figures, objectives = summary_lines(report)
    marks = {True: "✅", False: "❌", None: "➖"}
    embed = discord.Embed(
        title="Program report",
        description=f"<t:{int(scope.since.timestamp())}:D> to <t:{int(scope.until.timestamp())}:D>."
        " The CSV files hold every figure; the charts are attached.",
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Figures", value=_fit(figures, "figures.csv"), inline=False)
    embed.add_field(
        name="Objectives",
        value="\n".join(
            f"{marks[j.met]} {line}" for j, line in zip(report.objectives, objectives, strict=True)
        )
        or "None set (see [report] objectives in the config).",
        inline=False,
    )
    embed.add_field(
        name="Check-ins, latest weeks",
        value=checkin_weeks(report.table("checkins_per_week")),
        inline=False,
    )
    embed.add_field(
        name="Survey statements, agreement from 1 to 5",
        value=survey_statements(report.table("survey_statements")),
        inline=False,
    )
    embed.add_field(
        name="Pairs with no session in 14 days",
        value=_pairs(report.table("pairs_without_contact_14d"), 4, "last session"),
        inline=False,
    )
    embed.add_field(
        name="Staff contacts overdue",
        value=_pairs(report.table("contacts_overdue"), 3, "due"),
        inline=False,
    )
    embed.add_field(
        name=SIGNUPS_HEADING,
        value=_fit(report_signups(report).splitlines(), "signups_by_source.csv"),
        inline=False,
    )
    return embed
