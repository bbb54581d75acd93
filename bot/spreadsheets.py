"""CSV files people open in a spreadsheet: a cell that would run as a formula is kept text.

A display name like ``=HYPERLINK(...)`` or ``@SUM(...)`` is what a member chose; opened in
Excel, LibreOffice or Google Sheets it would run. Every CSV the bot writes goes through
``SpreadsheetWriter``, which prefixes such cells with ``'`` (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class SpreadsheetWriter:
    """``csv.writer`` whose text cells are made ``spreadsheet_safe`` (numbers stay numbers)."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(
            [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row]
        )

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
