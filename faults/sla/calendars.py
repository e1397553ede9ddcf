"""Working-time calendars the SLA clock counts in (design §5).

All arithmetic is done in UTC: subtracting two aware datetimes that share a `ZoneInfo` compares
wall-clock times and would be an hour out across a BST/GMT change. Results are UTC-aware.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from faults.choices import SlaCalendar

if TYPE_CHECKING:
    from faults.models import SlaPolicy

LONDON = ZoneInfo("Europe/London")
ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)


class Calendar(Protocol):
    """When the SLA clock may run."""

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Whole seconds of working time in [start, end); 0 if end <= start."""
        ...

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant by which `seconds` of working time have elapsed after `start`."""
        ...


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"SLA calendars need aware datetimes, got {value!r}")
    return value.astimezone(UTC)


class AlwaysCalendar:
    """24x7: every second counts."""

    def working_seconds(self, start: datetime, end: datetime) -> int:
        start, end = _utc(start), _utc(end)
        if end <= start:
            return 0
        return (end - start) // ONE_SECOND

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        return _utc(start) + timedelta(seconds=max(seconds, 0))

    def __repr__(self) -> str:
        return "AlwaysCalendar()"


@functools.cache
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The bank holidays of one year, built once per process (the `holidays` objects are costly
    to build and expand themselves lazily, which is not something to share between threads)."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class BusinessHoursCalendar:
    """Monday to Friday, `day_start` to `day_end` Europe/London local time, minus the bank
    holidays of `country`/`subdivision` (default: settings.SLA_HOLIDAY_COUNTRY/SUBDIVISION)."""

    day_start: time
    day_end: time
    country: str | None = None
    subdivision: str | None = None

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            # A day with no working time would make add_working_seconds loop forever.
            raise ValueError("business day must end after it starts")

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        country = self.country or settings.SLA_HOLIDAY_COUNTRY
        subdivision = self.subdivision or settings.SLA_HOLIDAY_SUBDIVISION
        return day not in _holiday_dates(country, subdivision, day.year)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The day's working window in UTC (local times resolved per day, so BST/GMT is right)."""
        opens = datetime.combine(day, self.day_start, tzinfo=LONDON).astimezone(UTC)
        closes = datetime.combine(day, self.day_end, tzinfo=LONDON).astimezone(UTC)
        return opens, closes

    def _windows_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        while True:
            if self.is_working_day(day):
                yield self._window(day)
            day += ONE_DAY

    def working_seconds(self, start: datetime, end: datetime) -> int:
        start, end = _utc(start), _utc(end)
        if end <= start:
            return 0
        last_day = end.astimezone(LONDON).date()
        total = timedelta(0)
        for opens, closes in self._windows_from(start.astimezone(LONDON).date()):
            if opens.astimezone(LONDON).date() > last_day:
                break
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        return total // ONE_SECOND

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        start = _utc(start)
        remaining = timedelta(seconds=max(seconds, 0))
        if not remaining:
            return start
        for opens, closes in self._windows_from(start.astimezone(LONDON).date()):
            lo = max(opens, start)
            if closes <= lo:
                continue
            if remaining <= closes - lo:
                # `<=`: landing exactly on closing time is that day, not the next morning.
                return lo + remaining
            remaining -= closes - lo
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover


@functools.cache
def _business_hours(day_start: time, day_end: time) -> BusinessHoursCalendar:
    return BusinessHoursCalendar(day_start=day_start, day_end=day_end)


ALWAYS = AlwaysCalendar()


def calendar_for(policy: SlaPolicy) -> Calendar:
    """The calendar a policy's target is counted in."""
    if policy.calendar == SlaCalendar.BUSINESS_HOURS:
        return _business_hours(policy.business_day_start, policy.business_day_end)
    return ALWAYS
