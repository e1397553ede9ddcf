"""The service-credit evidence as CSV: one row per late fault, the same rows as the page.

Day figures are whole days; a difference is ours minus the supplier's (positive: we count more).
Times are Europe/London ISO 8601. Lists (exclusions, missed appointments, the timeline) are one
cell each, one item per line. Every text cell goes through `safe_cell` (a supplier's exclusion
reason or a comment starting with "=" is not run as a formula)."""

from __future__ import annotations

from collections.abc import Iterator

from appointments.service_credits.count import days_and_hours
from appointments.service_credits.evidence import Evidence, EvidenceRow
from appointments.service_credits.history import MissedAppointment
from faults.csv_cells import CsvLines, safe_cell

HEADER = [
    "supplier",
    "month",
    "fault_reference",
    "supplier_reference",
    "fault_type",
    "priority",
    "status",
    "sla_target_at",
    "repair_ended_at",
    "supplier_total_days",
    "supplier_seller_days",
    "supplier_non_seller_days",
    "our_total_days",
    "our_seller_days",
    "our_non_seller_days",
    "total_days_difference",
    "seller_days_difference",
    "non_seller_days_difference",
    "figures_agree",
    "supplier_exclusions",
    "our_exclusions",
    "seller_missed_appointments",
    "end_user_missed_appointments",
    "other_missed_appointments",
    "missed_appointments",
    "timeline",
]


def _number(value: int | None) -> str | int:
    return "" if value is None else value


def _agree(row: EvidenceRow) -> str:
    return {True: "yes", False: "no", None: "cannot compare"}[row.reconciliation.agree]


def _missed(appointments: list[MissedAppointment]) -> str:
    return "\n".join(f"{m.slot} {m.reservation_key}: {m.side_label}" for m in appointments)


def _supplier_exclusions(row: EvidenceRow) -> str:
    return "\n".join(
        f"{e.get('reason') or ''}: {e.get('days')} day(s), {safe_cell(e['start']) or '?'} to "
        f"{safe_cell(e['end']) or '?'}"
        for e in row.supplier_exclusions
    )


def _our_exclusions(row: EvidenceRow) -> str:
    if row.count is None:
        return ""
    return "\n".join(
        f"{p.reason}: {days_and_hours(p.seconds)}, {safe_cell(p.start)} to {safe_cell(p.end)}"
        for p in row.count.exclusions
    )


def _timeline(row: EvidenceRow) -> str:
    return "\n".join(
        f"{safe_cell(line.at)} {line.what} ({line.who}){': ' + line.text if line.text else ''}"
        for line in row.timeline
    )


def evidence_row(row: EvidenceRow, evidence: Evidence) -> list[str | int]:
    fault = row.fault
    figures = row.figures  # (label, theirs, ours, difference) for total, seller, non-seller
    return [
        safe_cell(evidence.supplier),
        f"{evidence.month:%Y-%m}",
        safe_cell(fault.buyer_fault_reference),
        safe_cell(fault.maintainer_fault_reference),
        safe_cell(fault.fault_type),
        fault.priority,
        safe_cell(fault.get_status_display()),
        safe_cell(row.count.due_at if row.count else fault.sla_due_at),
        safe_cell(row.ended_at),
        *(_number(theirs) for _, theirs, _, _ in figures),
        *(_number(ours) for _, _, ours, _ in figures),
        *(_number(difference) for *_, difference in figures),
        _agree(row),
        safe_cell(_supplier_exclusions(row)),
        safe_cell(_our_exclusions(row)),
        len(row.seller_missed),
        len(row.end_user_missed),
        len(row.other_missed),
        safe_cell(_missed(list(row.facts.missed))),
        safe_cell(_timeline(row)),
    ]


def evidence_csv_lines(evidence: Evidence) -> Iterator[str]:
    writer = CsvLines()
    yield writer.line(HEADER)
    for row in evidence.rows:
        yield writer.line(evidence_row(row, evidence))
