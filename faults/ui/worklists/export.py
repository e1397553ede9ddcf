"""The filtered fault list as CSV, streamed row by row so a million faults never sit in memory."""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from faults.models import Fault
from faults.ui.access import reader_required
from faults.ui.worklists.fault_list import read_fault_list_request
from faults.worklists import faults_matching

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000

COLUMNS: list[tuple[str, str]] = [
    ("Buyer reference", "buyer_fault_reference"),
    ("Maintainer reference", "maintainer_fault_reference"),
    ("Parent", "parent"),
    ("Supplier", "supplier"),
    ("Service", "service_id"),
    ("Fault type", "fault_type"),
    ("Priority", "priority"),
    ("Status", "status"),
    ("Status reason", "status_reason"),
    ("SLA state", "sla_state"),
    ("SLA due at", "sla_due_at"),
    ("Location", "fault_location"),
    ("Created at", "created_at"),
    ("Resolved at", "resolved_at"),
    ("Closed at", "closed_at"),
]


def neutralise(value: object) -> str:
    """The cell's text, with a leading ' when a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _cells(fault: Fault) -> list[str]:
    values = {
        "parent": fault.parent.buyer_fault_reference if fault.parent else "",
        "supplier": fault.supplier.name,
    }
    return [
        neutralise(values[name] if name in values else getattr(fault, name))
        for _header, name in COLUMNS
    ]


class _Echo:
    """csv.writer writes to this and gets the line back, to hand to the response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(faults: Iterable[Fault]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([header for header, _name in COLUMNS])
    for fault in faults:
        yield writer.writerow(_cells(fault))


@reader_required
def fault_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    asked = read_fault_list_request(request)
    if not asked.is_valid:
        problems = [f"{field}: {' '.join(errors)}" for field, errors in asked.form.errors.items()]
        if not asked.sort_is_valid:
            problems.append("sort: not a column the list can be sorted by")
        return HttpResponse(
            "The export was not made; these filters could not be read:\n" + "\n".join(problems),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    faults = faults_matching(asked.form.criteria(user=request.user, ordering=asked.sort.ordering()))
    response = StreamingHttpResponse(
        csv_lines(faults.iterator(chunk_size=CHUNK_SIZE)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="faults-{stamp}.csv"'
    return response
