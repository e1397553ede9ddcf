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

from appointments.service_credits.history import CLOCK_FIELDS, late_repair_facts
from appointments.service_credits.reconcile import (
    Reconciliation,
    mismatch_comment,
    mismatch_subject,
    notified,
    our_figures,
    supplier_figures,
)
from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.rules import Finding, register
from faults.models import Fault


@register("LATE_REPAIR_MISMATCH")
def late_repair_mismatch(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    faults = list(
        Fault.objects.filter(notified())
        .select_related("supplier")
        .only(
            *CLOCK_FIELDS,
            "supplier__name",
            "late_repair_total_days",
            "late_repair_seller_days",
            "late_repair_non_seller_days",
        )
    )
    facts = late_repair_facts(faults, now=now)
    findings = {}
    for fault in faults:
        count = facts[fault.pk].count
        reconciliation = Reconciliation(supplier_figures(fault), our_figures(count))
        if count is None or reconciliation.agree is not False:
            continue
        findings[fault.pk] = Finding(
            subject=mismatch_subject(fault.supplier.name, reconciliation),
            comment=mismatch_comment(reconciliation, count),
        )
    return findings
