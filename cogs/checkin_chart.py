"""A PNG chart of mood and goal progress over the weeks (matplotlib, Agg, no pyplot).

``render`` is CPU work: cogs call it through ``asyncio.to_thread`` so the event loop never
waits on it. Building a ``Figure`` directly (not pyplot) keeps it safe off the main thread.
"""

from __future__ import annotations

import io

from bot.figures import new_figure
from bot.i18n import DEFAULT_LANGUAGE, Date, Text
from bot.services.checkins import History
from storage.models import CheckinStatus

MISSED = Text("missed")


def render(history: History, language: str = DEFAULT_LANGUAGE) -> bytes:
    """Mood (thick line) and each goal's progress (thin lines) per week, 1 to 5, with its
    title, legend and week labels in ``language``."""
    done = [entry for entry in history.entries if entry.status is CheckinStatus.DONE]
    labels = [Date(entry.week, "MMMd").render(language) for entry in history.entries]
    index = {entry.week: i for i, entry in enumerate(history.entries)}
    figure = new_figure(7, 3.5)
    axes = figure.subplots()
    axes.plot(
        [index[e.week] for e in done],
        [e.mood or 0 for e in done],
        marker="o",
        linewidth=3,
        label=Text("mood").render(language),
    )
    goals: dict[str, list[tuple[int, int]]] = {}
    for entry in done:
        for what, value in entry.progress:
            goals.setdefault(what, []).append((index[entry.week], value))
    for what, points in goals.items():
        axes.plot(
            [x for x, _ in points],
            [y for _, y in points],
            marker=".",
            linewidth=1.5,
            label=what[:30],
        )
    missed = [index[e.week] for e in history.entries if e.status is CheckinStatus.MISSED]
    if missed:
        axes.scatter(
            missed, [0.6] * len(missed), marker="x", color="grey", label=MISSED.render(language)
        )
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylim(0.4, 5.4)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_title(Text("Check-ins: mood and goal progress (1-5)").render(language))
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
