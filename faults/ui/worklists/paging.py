"""Pagination that never counts the whole table.

Django's Paginator runs an exact COUNT(*) for every page, which grows with the table. Here the
total is counted up to a cap (a sliced subquery) and each page reads one row more than it
shows, to know whether there is a next page without knowing the total.
"""

from dataclasses import dataclass
from math import ceil

from django.db.models import QuerySet

from faults.worklists import CappedCount, capped_count


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    size: int
    total: CappedCount
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def last_number(self) -> int | None:
        """The last page's number, when the total is known exactly."""
        if self.total.exceeded:
            return None
        return max(ceil(self.total.value / self.size), 1)

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def parse_page_number(raw: str | None) -> int:
    """A positive page number; anything else is page 1."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def paginate(queryset: QuerySet, *, number: int, size: int, cap: int) -> Page:
    """Page `number` of the queryset. A page past the end shows the last page; past the cap,
    the last page within the cap (OFFSET deep into a huge table is refused, not scanned)."""
    total = capped_count(queryset, cap=cap)
    last = max(ceil(total.shown / size), 1)
    number = min(number, last)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    has_next = len(rows) > size and number < last
    return Page(rows=rows[:size], number=number, size=size, total=total, has_next=has_next)
