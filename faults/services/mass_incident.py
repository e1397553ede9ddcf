"""Mass incident: one parent fault and its children, raised in one step from a list of affected
services that share the incident's fault type, description, contacts and site access.

Every line is checked before anything is created or sent (`mass_incident_check`): the service ID
(present, not too long), the buyer identifier it resolves to (the line's own code, else the one
chosen for the incident, else the supplier's default; it must be the supplier's and active), a
service listed twice, and a fault already open on that service with that supplier (a second fault
for the same service would be refused or merged by the supplier, and counted twice by us).

The rule when a line is refused: nothing is raised, unless the agent chooses to raise only the
valid lines (`only_valid=True`, the preview's second button); the refused lines are then left
out and listed. The first raised line is the parent (the fault the supplier hears of first and
that the children's parentFaultReference names), the others its children. All of them go
through `fault_raise`, the same service as the raise form, in one transaction: if the supplier's
rules refuse any of them (say the shared details lack what the supplier requires), none is kept.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from faults.choices import NON_TERMINAL_STATUSES
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.raising import fault_raise
from faults.suppliers import BuyerIdentifier, Supplier, buyer_identifier_model
from faults.validators import is_blank

SERVICE_ID_MAX = Fault._meta.get_field("service_id").max_length
MAX_LINES = 500
# The details a child takes from the incident: everything the agent entered on the incident form
# except what is the line's own (the service and its buyer identifier).
LINE_FIELDS = frozenset({"service_id", "buyer_identifier"})


@dataclass(frozen=True)
class ServiceLine:
    """One line of the list as the agent gave it: the service ID and, optionally, a buyer
    identifier code (`SVC123` or `SVC123,SPCODE`; a CSV may name its columns
    `service_id,buyer_identifier`)."""

    number: int
    service_id: str
    buyer_code: str = ""


@dataclass(frozen=True)
class LineCheck:
    """A line after the checks: `buyer_identifier` is what it resolves to; `refusal` says why it
    cannot be raised ("" when it can)."""

    line: ServiceLine
    buyer_identifier: BuyerIdentifier | None
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class MassIncident:
    parent: Fault
    children: list[Fault]
    left_out: list[LineCheck]


_HEADERS = {"service_id", "service id", "service", "serviceaffected", "service_affected"}


def service_lines_parse(text: str) -> list[ServiceLine]:
    """The lines of a pasted list or an uploaded CSV: one service per line, an optional buyer
    identifier code after a comma (or a tab, or a semicolon); blank lines and a header row are
    skipped; line numbers are the agent's, counted from 1. FaultValidationError for text that is
    not lines (a field beyond the CSV reader's limit)."""
    text = text.replace("\x00", "").replace(";", ",")
    dialect = csv.excel_tab if "\t" in text and "," not in text else csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise FaultValidationError(
            f"The list cannot be read as lines of text: {error}.",
            errors={"services": ["One service ID per line, as plain text."]},
        ) from None
    lines = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in _HEADERS:
            continue
        lines.append(ServiceLine(number, cells[0], cells[1] if len(cells) > 1 else ""))
    return lines


def _open_services(supplier: Supplier, service_ids: Iterable[str]) -> dict[str, str]:
    """Service ID -> the reference of a fault still open on it with this supplier."""
    rows = Fault.objects.filter(
        supplier=supplier, service_id__in=set(service_ids), status__in=NON_TERMINAL_STATUSES
    ).values_list("service_id", "buyer_fault_reference")
    return dict(rows)


def _resolve(
    supplier: Supplier, line: ServiceLine, default: BuyerIdentifier | None
) -> tuple[BuyerIdentifier | None, str]:
    if line.buyer_code:
        found = (
            buyer_identifier_model()
            .objects.filter(partner_id=supplier.pk, code=line.buyer_code)
            .first()
        )
        if found is None:
            return None, f"Buyer identifier {line.buyer_code} is not one of {supplier}'s."
        chosen = found
    else:
        chosen = default or supplier.default_buyer_identifier
        if chosen is None:
            return None, f"{supplier} has no default buyer identifier: name one on the line."
    if chosen.partner_id != supplier.pk:
        return None, f"Buyer identifier {chosen.code} is not one of {supplier}'s."
    if not chosen.is_active:
        return None, f"Buyer identifier {chosen.code} is inactive."
    return chosen, ""


def mass_incident_check(
    *,
    supplier: Supplier,
    lines: list[ServiceLine],
    buyer_identifier: BuyerIdentifier | None = None,
) -> list[LineCheck]:
    """Each line with what it resolves to and why it is refused, if it is. Reads only."""
    if not lines:
        raise FaultValidationError(
            "List at least one affected service.", errors={"services": ["No service listed."]}
        )
    if len(lines) > MAX_LINES:
        raise FaultValidationError(
            f"At most {MAX_LINES} services in one incident (the list has {len(lines)}).",
            errors={"services": [f"At most {MAX_LINES} lines."]},
        )
    open_on = _open_services(supplier, (line.service_id for line in lines))
    first_line_of: dict[str, int] = {}
    checks = []
    for line in lines:
        chosen, refusal = _resolve(supplier, line, buyer_identifier)
        key = line.service_id.casefold()
        if is_blank(line.service_id):
            refusal = "No service ID."
        elif len(line.service_id) > SERVICE_ID_MAX:
            refusal = f"The service ID is longer than {SERVICE_ID_MAX} characters."
        elif key in first_line_of:
            refusal = f"Listed already on line {first_line_of[key]}."
        elif line.service_id in open_on:
            refusal = f"Fault {open_on[line.service_id]} is already open on this service."
        first_line_of.setdefault(key, line.number)
        checks.append(LineCheck(line, chosen, refusal))
    return checks


@transaction.atomic
def mass_incident_raise(
    *,
    actor: Actor,
    supplier: Supplier,
    lines: list[ServiceLine],
    details: Mapping[str, Any],
    buyer_identifier: BuyerIdentifier | None = None,
    only_valid: bool = False,
    submit: bool = True,
) -> MassIncident:
    """Raise the parent (the first valid line) and a child per other valid line, each with the
    incident's `details` (fault_raise's arguments: fault type, priority, description, contacts,
    site access…), and send them when `submit`. FaultValidationError and nothing created when a
    line is refused (unless `only_valid`), when no line is valid, or when a raise is refused."""
    unexpected = sorted(set(details) & (LINE_FIELDS | {"supplier", "parent"}))
    if unexpected:
        raise FaultValidationError(
            "Those are each line's own.", errors={name: ["Not shared."] for name in unexpected}
        )
    checks = mass_incident_check(supplier=supplier, lines=lines, buyer_identifier=buyer_identifier)
    valid = [check for check in checks if check.ok]
    refused = [check for check in checks if not check.ok]
    if refused and not only_valid:
        raise FaultValidationError(
            f"{len(refused)} of {len(checks)} lines are refused: nothing was raised.",
            errors={
                "services": [f"Line {c.line.number}: {c.refusal}" for c in refused],
            },
        )
    if not valid:
        raise FaultValidationError(
            "No line can be raised.", errors={"services": ["Every line is refused."]}
        )

    def raise_line(check: LineCheck, parent: Fault | None) -> Fault:
        return fault_raise(
            actor=actor,
            submit=submit,
            supplier=supplier,
            service_id=check.line.service_id,
            buyer_identifier=check.buyer_identifier,
            parent=parent,
            **details,
        )

    # The parent first: its raise is written to the outbox before its children's.
    parent = raise_line(valid[0], None)
    children = [raise_line(check, parent) for check in valid[1:]]
    return MassIncident(parent=parent, children=children, left_out=refused)
