"""What every CSV export of ours shares: lines streamed one by one, and cells a spreadsheet will
not run as formulas (CSV injection: a supplier's or user's text starting with "=" or "@")."""

import csv
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer writes to this and gets the line back, to hand to a streaming response."""

    def write(self, value: str) -> str:
        return value


class CsvLines:
    """`line(cells)` gives one CSV line as text, for a generator to yield."""

    def __init__(self) -> None:
        self._writer = csv.writer(_Echo())

    def line(self, cells: Iterable[object]) -> str:
        return self._writer.writerow(cells)


def safe_cell(value: object) -> str:
    """The cell's text (local ISO time for a datetime), with a leading ' when a spreadsheet
    would take it for a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
