"""A matplotlib ``Figure`` for a PNG chart, with matplotlib imported only when a chart is
drawn: it takes a third of a second to import, which every command of the CLI and every
start of the bot would otherwise pay.

A ``Figure`` built directly (not through pyplot, with the Agg backend, no display) is safe
to draw off the main thread, where the bot draws its charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width`` x ``height`` inches at 100 dpi."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)
