"""The filtered fault list as CSV, streamed row by row so a million faults never sit in memory."""

from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from faults.csv_cells import CsvLines, safe_cell
from faults.field_labels import field_label
from faults.models import Fault
from faults.ui.access import reader_required
from faults.ui.worklists.fault_list import read_fault_list_request
from faults.worklists import faults_matching

CHUNK_SIZE = 2000

COLUMNS: list[tuple[str, str]] = [
    ("Buyer reference", "buyer_fault_reference"),
    (field_label("maintainer_fault_reference"), "maintainer_fault_reference"),
    ("Parent", "parent"),
    ("Supplier", "supplier"),
    (field_label("service_id"), "service_id"),
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


def _cells(fault: Fault) -> list[str]:
    values = {
        "parent": fault.parent.buyer_fault_reference if fault.parent else "",
        "supplier": fault.supplier.name,
    }
    return [
        safe_cell(values[name] if name in values else getattr(fault, name))
        for _header, name in COLUMNS
    ]


def csv_lines(faults: Iterable[Fault]) -> Iterator[str]:
    lines = CsvLines()
    yield lines.line([header for header, _name in COLUMNS])
    for fault in faults:
        yield lines.line(_cells(fault))


@reader_required
def fault_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    asked = read_fault_list_request(request)
    if not asked.is_valid:
        problems = [f"{field}: {' '.join(errors)}" for field, errors in asked.form.errors.items()]
        if not asked.sort_is_valid:
            problems.append("sort: not a column the list can be sorted by")
        if not asked.columns.is_valid:
            problems.append(f"columns: not columns of the list: {', '.join(asked.columns.unknown)}")
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
