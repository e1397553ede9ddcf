"""`GET /troubleTicket` as seed 002 offers it: the supported filters (id, ticketType,
ticketSubType, correlationId, name, resolutionDate, statusChangeDate, statusChangeReason,
lastUpdate, creationDate), with `.gt`, `.gte`, `.lt`, `.lte` on the dates (TMF630 data
filtering), `fields=`, and `offset`/`limit` paging.

A filter's value may list alternatives separated by commas (any matches); several filters must
all match. A filter the seed does not list, or a value that cannot be read, is a 400
`invalidQuery` (a supplier does not silently ignore what it was asked). Tickets are listed in the
order they were created; a page holds at most the supplier's `page_limit`.
"""

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from integrations.tmf621.simulator.replies import TmfError
from integrations.tmf621.simulator.tickets import parse_timestamp

__all__ = ["DATE_FILTERS", "TEXT_FILTERS", "Query", "parse_fields", "parse_query"]

# The seed's filter name -> the ticket's field (the seed writes ticketSubType, v4 ticketSubtype).
TEXT_FILTERS = {
    "id": "id",
    "ticketType": "ticketType",
    "ticketSubType": "ticketSubtype",
    "ticketSubtype": "ticketSubtype",
    "correlationId": "correlationId",
    "name": "name",
    "statusChangeReason": "statusChangeReason",
}
DATE_FILTERS = frozenset({"resolutionDate", "statusChangeDate", "lastUpdate", "creationDate"})
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "": operator.eq,
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
Predicate = Callable[[dict[str, Any]], bool]


def _invalid(message: str) -> TmfError:
    return TmfError(400, "invalidQuery", "The query section of the URI is invalid", message)


@dataclass(frozen=True)
class Query:
    predicates: tuple[Predicate, ...]
    fields: list[str] | None
    offset: int
    limit: int

    def page(self, documents: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """The matching documents of this page, and how many match in all."""
        matching = [doc for doc in documents if all(test(doc) for test in self.predicates)]
        return matching[self.offset : self.offset + self.limit], len(matching)


def parse_fields(values: list[str]) -> list[str] | None:
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _count(name: str, values: list[str], default: int) -> int:
    if not values:
        return default
    text = values[-1].strip()
    if not (text.isascii() and text.isdigit()):  # not '²', which isdigit() takes
        raise _invalid(f"{name}: expected a whole number of at least 0, not {text[:40]!r}")
    return int(text)


def _text_filter(field: str, value: str) -> Predicate:
    wanted = set(value.split(","))
    return lambda doc: str(doc.get(field, "")) in wanted


def _date_filter(name: str, field: str, comparison: str, value: str) -> Predicate:
    moments = [parse_timestamp(item) for item in value.split(",")]
    if not all(moments):
        raise _invalid(f"{name}: {value[:60]!r} is not a date-time")
    compare = _COMPARISONS[comparison]

    def test(doc: dict[str, Any]) -> bool:
        held = parse_timestamp(str(doc.get(field) or ""))
        return held is not None and any(compare(held, moment) for moment in moments)

    return test


def _predicate(name: str, value: str) -> Predicate:
    field, _, comparison = name.partition(".")
    if not value:
        raise TmfError(
            400,
            "missingQueryValue",
            "The URI is missing a required query-string parameter value",
            f"{name}: no value",
        )
    if field in DATE_FILTERS and comparison in _COMPARISONS:
        return _date_filter(name, field, comparison, value)
    if field in TEXT_FILTERS and not comparison:
        return _text_filter(TEXT_FILTERS[field], value)
    supported = ", ".join([*TEXT_FILTERS, *sorted(DATE_FILTERS)])
    raise _invalid(
        f"{name}: not a supported filter (supported: {supported}; .gt/.gte/.lt/.lte on dates)"
    )


def parse_query(query_string: str, *, page_limit: int) -> Query:
    """The filters, fields and page a query string asks for; TmfError 400 if it cannot."""
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    by_name: dict[str, list[str]] = {}
    for name, value in pairs:
        by_name.setdefault(name, []).append(value)
    fields = parse_fields(by_name.pop("fields", []))
    offset = _count("offset", by_name.pop("offset", []), 0)
    limit = min(_count("limit", by_name.pop("limit", []), page_limit), page_limit)
    predicates = tuple(
        _predicate(name, value) for name, values in by_name.items() for value in values
    )
    return Query(predicates, fields, offset, limit)
