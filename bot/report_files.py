"""A report as files: one CSV per table and one PNG chart (bars, or a line) per chart.

Rendering is CPU work (matplotlib, Agg backend, no display): the bot calls ``render`` in a
worker thread so the event loop keeps answering; the command line calls it directly.
"""

from __future__ import annotations

import io

from bot.figures import new_figure
from bot.i18n import DEFAULT_LANGUAGE
from bot.i18n import render as render_text
from bot.services.reports import Chart, Report, Table
from bot.spreadsheets import SpreadsheetWriter

MAX_BARS_LABELLED = 20


def table_csv(table: Table, names: dict[int, str]) -> bytes:
    table = named(table, names)
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue().encode()


USER_ID = "_user_id"


def named(table: Table, names: dict[int, str]) -> Table:
    """People by name in a table: each ``*_user_id`` column becomes a column of display
    names (``mentor_user_id`` -> ``mentor``), the user id where no name is known."""
    people = [column.endswith(USER_ID) for column in table.columns]
    if not any(people):
        return table
    return Table(
        table.name,
        tuple(
            c.removesuffix(USER_ID) if p else c for c, p in zip(table.columns, people, strict=True)
        ),
        tuple(
            tuple(
                names.get(value, str(value)) if p and isinstance(value, int) else value
                for value, p in zip(row, people, strict=True)
            )
            for row in table.rows
        ),
    )


def chart_png(chart: Chart, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The chart as a PNG, its title and axis labels in ``language``."""
    figure = new_figure(8, 4)
    axes = figure.subplots()
    positions = range(len(chart.values))
    if chart.line:
        axes.plot(positions, chart.values, color="#5865F2", marker="o")
    else:
        axes.bar(positions, chart.values, color="#5865F2")
    step = max(1, len(chart.labels) // MAX_BARS_LABELLED)
    axes.set_xticks(list(positions)[::step], chart.labels[::step], rotation=45, ha="right")
    axes.set_title(render_text(chart.title, language))
    axes.set_xlabel(render_text(chart.x_label, language))
    axes.set_ylabel(render_text(chart.y_label, language))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def render(report: Report, language: str = DEFAULT_LANGUAGE) -> list[tuple[str, bytes]]:
    """(file name, content) for every table and chart of the report (charts in
    ``language``; the CSVs keep their column names, for the tools that read them; people
    are named in them by display name, ``named``)."""
    files = [(f"{table.name}.csv", table_csv(table, report.names)) for table in report.tables]
    files += [(f"{chart.name}.png", chart_png(chart, language)) for chart in report.charts]
    return files
