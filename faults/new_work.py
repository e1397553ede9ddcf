"""New work for the NOC since a moment: what the queue and the wallboard announce, and what a
user's e-mail digest lists (issue 16).

Five kinds, each read from the column that dates it, so nothing extra is stored and a person who
missed an announcement still finds the work in the queue: a supplier's rejection (`rejected_at`),
a resolution awaiting our answer (`resolved_at`), an SLA breach (`sla_due_at` passed while the
fault is breached), an exception raised (`raised_at`), and an incident a supplier opened with us
(`created_at`). Each is a bounded query over an index."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from faults.choices import NON_TERMINAL_STATUSES, FaultStatus, OpenedBy, SlaState
from faults.exceptions.models import TicketException
from faults.models import Fault

# The furthest back an announcement looks: a page left open over a weekend reloads, it does not
# announce a weekend's work one notice at a time.
LONGEST_WINDOW = timedelta(hours=24)
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class NewWork:
    kind: str
    title: str
    reference: str
    text: str
    at: datetime


KIND_TITLES = {
    "rejected": "Rejected by the supplier",
    "resolved": "Resolution awaiting our answer",
    "breached": "SLA breached",
    "exception": "New exception",
    "supplier-opened": "Opened by a supplier",
}


def _faults(kind: str, dated_by: str, since: datetime, now: datetime, limit: int, **where):
    rows = (
        Fault.objects.filter(**{f"{dated_by}__gt": since, f"{dated_by}__lte": now}, **where)
        .order_by(f"-{dated_by}")
        .values_list("buyer_fault_reference", "supplier__name", dated_by)[:limit]
    )
    return [
        NewWork(kind, KIND_TITLES[kind], reference, supplier, at)
        for reference, supplier, at in rows
    ]


def new_work_since(since: datetime, now: datetime, *, limit: int = DEFAULT_LIMIT) -> list[NewWork]:
    """The work that appeared after `since` (at most LONGEST_WINDOW ago) up to `now`, newest
    first, at most `limit` items."""
    since = max(since, now - LONGEST_WINDOW)
    found = [
        *_faults("rejected", "rejected_at", since, now, limit, status=FaultStatus.REJECTED),
        *_faults("resolved", "resolved_at", since, now, limit, status=FaultStatus.RESOLVED),
        *_faults(
            "breached",
            "sla_due_at",
            since,
            now,
            limit,
            sla_state=SlaState.BREACHED,
            status__in=NON_TERMINAL_STATUSES,
        ),
        *_faults(
            "supplier-opened",
            "created_at",
            since,
            now,
            limit,
            opened_by=OpenedBy.SUPPLIER,
            status__in=NON_TERMINAL_STATUSES,
        ),
    ]
    exceptions = (
        TicketException.objects.filter(
            raised_at__gt=since, raised_at__lte=now, solved_at__isnull=True
        )
        .order_by("-raised_at")
        .values_list("fault__buyer_fault_reference", "subject", "raised_at")[:limit]
    )
    found += [
        NewWork("exception", KIND_TITLES["exception"], reference, subject, at)
        for reference, subject, at in exceptions
    ]
    found.sort(key=lambda item: item.at, reverse=True)
    return found[:limit]
