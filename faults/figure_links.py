"""A figure's link to the fault list filtered to exactly the faults behind it (the SLA dashboard
and the wallboard): the list's count is the figure. Each figure's condition is spelt beside the
query that counts it (faults.reports.dashboard, faults.wallboard); this only makes the link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

DASH = "\N{EN DASH}"
Params = Iterable[tuple[str, str | int]]


@dataclass(frozen=True)
class FigureLink:
    """The link of one figure: `count` faults, `label` its accessible name ("12 breached faults
    for CityFibre, 1-28 Nov: open the list")."""

    count: int
    url: str
    label: str


def fault_list_url(params: Params) -> str:
    """The fault list's URL for these filters (repeat a key for several values)."""
    query = urlencode([(key, str(value)) for key, value in params])
    return f"{reverse('fault-list')}?{query}" if query else reverse("fault-list")


def figure_link(count: int, what: str, params: Params, *, scope: str = "") -> FigureLink:
    """`what` names the faults ("breached faults"), `scope` where and when ("for CityFibre,
    1-28 Nov")."""
    where = f" {scope}" if scope else ""
    return FigureLink(
        count=count,
        url=fault_list_url(params),
        label=f"{count} {what}{where}: open the list",
    )


def day_span(first: date, last: date) -> str:
    """A period of days as a manager reads it: "1-28 Nov", "3 Oct-28 Nov", "3 Dec 2025-5 Jan
    2026", "5 Nov" (with an en dash)."""
    if first == last:
        return f"{first.day} {first:%b}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y}{DASH}{last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b}{DASH}{last.day} {last:%b}"
    return f"{first.day}{DASH}{last.day} {last:%b}"
