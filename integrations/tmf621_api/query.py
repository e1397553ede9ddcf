"""Reading tickets: the query string of `GET /troubleTicket` (TMF630 attribute filters,
`fields=`, `offset`/`limit`) as one fault queryset, and the queryset that loads what
`representation.ticket` reads in a fixed number of queries per page.

Filters are on the ticket's attributes as answered, each translated to an indexed column of the
fault where there is one: `status` to our statuses (TMF's `inProgress` is our open, in-progress
and re-opened), `creationDate` to the creation time, `statusChangeDate` to the audit trail.
`attr=value` is equality (`a,b` or the parameter repeated: any of them); dates and `priority`
also take `attr.gt=`, `.gte`, `.lt`, `.lte` (TMF630's operators). Filters combine with AND.
A parameter that names no filter is refused (400), never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Substr
from django.http import QueryDict

from faults.choices import FaultStatus
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from faults.selectors import REFERENCE_MAX
from integrations.tmf621 import builders, mapping
from integrations.tmf621_api import representation
from integrations.tmf621_api.dates import parse_date_time
from integrations.tmf621_api.errors import TicketError
from integrations.tmf621_api.errors import invalid_query as invalid
from integrations.tmf621_api.priority import priority_from_wire

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
PAGING = ("offset", "limit")
OPERATORS = ("gt", "gte", "lt", "lte")
LIST_SEPARATOR = ","


# --- fields= -------------------------------------------------------------------------------------
def parse_fields(params: QueryDict) -> list[str] | None:
    """The attributes `fields=` asks for (None: the whole ticket); 400 for any it does not know."""
    if "fields" not in params:
        return None
    names = [name.strip() for value in params.getlist("fields") for name in value.split(",")]
    names = [name for name in names if name]
    if not names:
        raise invalid("fields= names no attribute.", ["fields: list attributes, e.g. id,status"])
    unknown = sorted(set(names) - representation.FIELD_NAMES)
    if unknown:
        raise invalid(
            f"Unknown attribute in fields=: {', '.join(unknown)}.",
            [f"fields: one or more of {', '.join(representation.ATTRIBUTES)}"],
        )
    return names


# --- what to load --------------------------------------------------------------------------------
_EVENT_FIELDS = {"statusChange", "statusChangeDate"}


def ticket_queryset(fields: list[str] | None = None) -> QuerySet[Fault]:
    """Faults with what the asked attributes read, newest first: one query for the faults (with
    their supplier, buyer identifier and ticket attributes), one per related list asked for."""
    wanted = set(representation.FIELD_NAMES if fields is None else fields)
    queryset = Fault.objects.select_related(
        "supplier", "buyer_identifier", "tmf_ticket", "owner", "team"
    )
    prefetches: list[Any] = []
    if wanted & _EVENT_FIELDS:
        status_events = FaultEvent.objects.exclude(to_status="").only(
            "id", "fault_id", "at", "to_status", "message"
        )
        prefetches.append(Prefetch("events", queryset=status_events))
    if "note" in wanted:
        prefetches.append(
            Prefetch("comments", queryset=FaultComment.objects.select_related("author"))
        )
    if "attachment" in wanted:
        prefetches.append(Prefetch("attachments", queryset=FaultAttachment.objects.all()))
    return queryset.prefetch_related(*prefetches).order_by("-created_at", "-id")


def ticket_get(ticket_id: str, queryset: QuerySet[Fault] | None = None) -> Fault:
    """The fault whose ticket id (our buyer fault reference) this is; 404 for any other id."""
    queryset = Fault.objects.all() if queryset is None else queryset
    fault = None
    if ticket_id and len(ticket_id) <= REFERENCE_MAX and "\x00" not in ticket_id:
        fault = queryset.filter(buyer_fault_reference=ticket_id).first()
    if fault is None:
        raise TicketError(
            404,
            f"No trouble ticket with id {ticket_id[:100]!r}.",
            "The id is the ticket's `id` as listed by GET /troubleTicket.",
        )
    return fault


# --- filters -------------------------------------------------------------------------------------
def _date_value(name: str, text: str) -> datetime:
    """An RFC 3339 date-time, or a date (its midnight UTC)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        return parse_date_time(text)
    except ValueError:
        raise invalid(
            f"{name}: {text[:60]!r} is not a date-time.",
            [f"{name}: an RFC 3339 date-time (2024-05-01T09:00:00Z) or a date (2024-05-01)"],
        ) from None


# v4's TroubleTicketStatusType, with MEF 124's words that a client may filter on.
STATUS_WORDS = (
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "closed",
    "resolved",
)


def _statuses(word: str) -> list[str]:
    """Our statuses that read as TMF's `word` (`held`: none of ours does)."""
    if word not in STATUS_WORDS:
        raise invalid(
            f"status: {word[:40]!r} is not a trouble ticket status.",
            [f"status: one or more of {', '.join(STATUS_WORDS)}"],
        )
    if word == representation.DRAFT_STATUS:
        return [FaultStatus.DRAFT, FaultStatus.ON_HOLD]
    return [status for status in FaultStatus.values if mapping.to_tmf(status) == word]


def _not_sent(column: str) -> Q:
    """Faults whose ticket has no value of its own for `column` (so the derived one is shown)."""
    return Q(tmf_ticket__isnull=True) | Q(**{f"tmf_ticket__{column}": ""})


def _derived_severity(value: str) -> Q:
    """Faults without TMF attributes whose severity, derived from the fault type, is `value`."""
    types = {kind for kind, level in builders.SEVERITY_BY_FAULT_TYPE.items() if level == value}
    by_type = Q()
    for kind in builders.SEVERITY_BY_FAULT_TYPE:
        if kind in types:
            by_type |= Q(fault_type__iexact=kind)
    if value == builders.DEFAULT_SEVERITY:
        by_type = ~Q(
            *[Q(fault_type__iexact=kind) for kind in builders.SEVERITY_BY_FAULT_TYPE],
            _connector=Q.OR,
        )
    elif not types:
        return Q(pk__in=[])
    return _not_sent("severity") & by_type


def _sent_or_derived(column: str, derived: Callable[[str], Q]) -> Callable[[str], Q]:
    def condition(value: str) -> Q:
        return Q(**{f"tmf_ticket__{column}": value}) | derived(value)

    return condition


def _status_changed(op: str, moment: datetime) -> Q:
    """The last status change compared with `moment`, as EXISTS over the audit trail's
    (fault, at) index: the last change is at or after a time iff any change is."""
    changes = FaultEvent.objects.filter(fault=OuterRef("pk")).exclude(to_status="")
    if op in ("gt", "gte"):
        return Q(Exists(changes.filter(**{f"at__{op}": moment})))
    after = "gte" if op == "lt" else "gt"
    return ~Q(Exists(changes.filter(**{f"at__{after}": moment})))


_NAME = Concat("fault_type", Value(" on "), "service_id", output_field=CharField())


@dataclass(frozen=True)
class Filter:
    """One filterable attribute: how a value reads, and the condition it makes."""

    equals: Callable[[str], Q]
    compares: Callable[[str, str], Q] | None = None  # (operator, value)
    split: bool = True  # `a,b` means a or b


def _date_filter(name: str, column: str) -> Filter:
    def equals(value: str) -> Q:
        return Q(**{column: _date_value(name, value)})

    def compares(op: str, value: str) -> Q:
        return Q(**{f"{column}__{op}": _date_value(name, value)})

    return Filter(equals, compares, split=False)


def _priority(value: str) -> int:
    try:
        return priority_from_wire(value)
    except ValueError as exc:
        raise invalid(f"priority: {exc}") from None


FILTERS: dict[str, Filter] = {
    "id": Filter(lambda value: Q(buyer_fault_reference=value)),
    "href": Filter(
        lambda value: Q(buyer_fault_reference=value.rstrip("/").rsplit("/", 1)[-1]), split=False
    ),
    "name": Filter(
        _sent_or_derived(
            "name",
            lambda value: _not_sent("name") & Q(_derived_name=value),
        ),
        split=False,
    ),
    "description": Filter(lambda value: Q(description=value), split=False),
    "status": Filter(lambda value: Q(status__in=_statuses(value))),
    "statusChangeReason": Filter(lambda value: Q(status_reason=value), split=False),
    "severity": Filter(_sent_or_derived("severity", _derived_severity)),
    "ticketType": Filter(
        _sent_or_derived(
            "ticket_type",
            lambda value: (
                _not_sent("ticket_type") if value == builders.TICKET_TYPE else Q(pk__in=[])
            ),
        )
    ),
    "priority": Filter(
        lambda value: Q(priority=_priority(value)),
        lambda op, value: Q(**{f"priority__{op}": _priority(value)}),
    ),
    "externalId": Filter(lambda value: Q(tmf_ticket__external_id=value)),
    "creationDate": _date_filter("creationDate", "created_at"),
    "lastUpdate": _date_filter("lastUpdate", "updated_at"),
    "resolutionDate": _date_filter("resolutionDate", "resolved_at"),
    # `representation.expected_resolution`: the supplier's time, else the SLA's due time.
    "expectedResolutionDate": _date_filter("expectedResolutionDate", "_expected_resolution"),
    "requestedResolutionDate": _date_filter(
        "requestedResolutionDate", "tmf_ticket__requested_resolution_date"
    ),
    "statusChangeDate": Filter(
        lambda value: Q(
            Exists(
                FaultEvent.objects.filter(
                    fault=OuterRef("pk"), at=_date_value("statusChangeDate", value)
                ).exclude(to_status="")
            )
        ),
        lambda op, value: _status_changed(op, _date_value("statusChangeDate", value)),
        split=False,
    ),
    "@type": Filter(lambda value: Q() if value == "TroubleTicket" else Q(pk__in=[]), split=False),
}
FILTER_NAMES = tuple(FILTERS)


def _condition(name: str, op: str, values: list[str]) -> Q:
    spec = FILTERS.get(name)
    if spec is None:
        raise invalid(
            f"Unknown filter {name!r}.",
            [f"filter on one of: {', '.join(FILTER_NAMES)}; or fields, offset, limit"],
        )
    if op and (spec.compares is None or op not in OPERATORS):
        allowed = ", ".join(f"{name}.{o}" for o in OPERATORS) if spec.compares else name
        raise invalid(f"Unknown filter {name}.{op}.", [f"{name} is filtered with {allowed}"])
    condition = Q()
    for raw in values:
        if op:
            condition &= spec.compares(op, raw)  # type: ignore[misc]
            continue
        words = [w.strip() for w in raw.split(LIST_SEPARATOR)] if spec.split else [raw]
        condition &= Q(*[spec.equals(word) for word in words if word], _connector=Q.OR)
    return condition


def filtered(queryset: QuerySet[Fault], params: QueryDict) -> QuerySet[Fault]:
    """The faults the query string's filters select (every parameter but fields, offset and
    limit is a filter; 400 for one that is not)."""
    for key, values in params.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            raise invalid(f"{key[:40]!r}: a NUL character is no value.", [f"{key}: without NUL"])
    condition = Q()
    names = set()
    for key in params:
        if key in PAGING or key == "fields":
            continue
        name, _, op = key.partition(".") if not key.startswith("@") else (key, "", "")
        names.add(name)
        condition &= _condition(name, op, params.getlist(key))
    if "name" in names:
        queryset = queryset.annotate(_derived_name=Substr(_NAME, 1, builders.NAME_MAX))
    if "expectedResolutionDate" in names:
        queryset = queryset.annotate(
            _expected_resolution=Coalesce("supplier_expected_resolution_at", "sla_due_at")
        )
    return queryset.filter(condition)


def _has_filters(params: QueryDict) -> bool:
    return any(key not in PAGING and key != "fields" for key in params)


def _estimated_rows(table: str) -> int:
    """PostgreSQL's own estimate of the table's rows (`pg_class.reltuples`, kept by ANALYZE and
    autovacuum); -1 when the table was never analysed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def total_count(params: QueryDict) -> tuple[int, bool]:
    """The list's `X-Total-Count`: how many tickets the filters select, counted exactly, and
    whether it is exact.

    Without a filter it counts every fault, which reads the whole table (about 110 ms at a
    million faults on the bench machine, and growing with the history): past
    `TMF_API_EXACT_COUNT_LIMIT` faults on PostgreSQL, that one figure is the planner's estimate
    of the table's rows instead, within a few per cent and never stale by more than what
    autovacuum lets through. A client pages until `X-Result-Count` is below its `limit`, not
    until the estimate is reached."""
    if not _has_filters(params) and connection.vendor == "postgresql":
        estimate = _estimated_rows(Fault._meta.db_table)
        if estimate > settings.TMF_API_EXACT_COUNT_LIMIT:
            return estimate, False
    return filtered(Fault.objects.all(), params).count(), True


# --- offset and limit ----------------------------------------------------------------------------
def _whole_number(params: QueryDict, name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise invalid(
            f"{name}={text[:20]!r} is not a whole number from {low} to {high}.",
            [f"{name}: a whole number from {low} to {high}"],
        )
    return int(text)


def page_bounds(params: QueryDict) -> tuple[int, int]:
    offset = _whole_number(params, "offset", 0, 0, 10**9)
    limit = _whole_number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return offset, limit


def load_ticket(fault_id: int, *, base_url: str, fields: list[str] | None = None) -> dict:
    """The ticket of one fault, read in the fixed number of queries of `ticket_queryset` (for
    the hub's events: `representation.ticket` on a bare fault reads its lists lazily)."""
    fault = ticket_queryset(fields).get(pk=fault_id)
    return representation.ticket(fault, base_url=base_url, fields=fields)
