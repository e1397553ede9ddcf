"""LATE_REPAIR_MISMATCH, the exception rule that needs the appointment history, so the
appointments app contributes it (`faults.exceptions.rules.register`; `faults` never imports this
app). Imported by `AppointmentsConfig.ready()`.

It holds on a fault whose supplier sent a late repair notification with figures (total, seller-
and non-seller-caused delay days) that differ from our count (`appointments.service_credits`:
the SLA clock and the appointment history). It clears, and the sweep solves the exception, when
the figures agree (the supplier corrects its notification, or the fault's history changes).

Cost: three queries per evaluation (the notified faults, their SLA pauses, their appointments),
then the count in Python for each fault that HAS a notification; faults without one are never
read. A fault without an SLA target is not reconciled (we have no figures of our own)."""

from datetime import datetime

from appointments.service_credits.history import CLOCK_FIELDS, FaultClock, late_repair_facts
from appointments.service_credits.reconcile import (
    Figures,
    Reconciliation,
    mismatch_comment,
    mismatch_subject,
    notified,
    our_figures,
)
from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.rules import Finding, register
from faults.models import Fault


@register("LATE_REPAIR_MISMATCH")
def late_repair_mismatch(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    rows = (
        Fault.objects.filter(notified())
        .order_by()
        .values_list(
            *CLOCK_FIELDS,
            "supplier__name",
            "late_repair_total_days",
            "late_repair_seller_days",
            "late_repair_non_seller_days",
        )
    )
    clocks, read = [], {}
    for row in rows:
        clock = FaultClock(*row[: len(CLOCK_FIELDS)])
        supplier, *figures = row[len(CLOCK_FIELDS) :]
        clocks.append(clock)
        read[clock.pk] = (supplier, Figures(*figures))
    facts = late_repair_facts(clocks, now=now)
    findings = {}
    for fault_id, (supplier, theirs) in read.items():
        count = facts[fault_id].count
        reconciliation = Reconciliation(theirs, our_figures(count))
        if count is None or reconciliation.agree is not False:
            continue
        findings[fault_id] = Finding(
            subject=mismatch_subject(supplier, reconciliation),
            comment=mismatch_comment(reconciliation, count),
        )
    return findings
