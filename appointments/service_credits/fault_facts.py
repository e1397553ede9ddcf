"""A fault's late repair figures on its page (a `faults.contributions.FaultFacts`): the supplier's
and ours side by side, whether they differ (LATE_REPAIR_MISMATCH's call to action sends the agent
here), and a link to the month's evidence. Only for a fault the supplier sent figures for; the
others cost no query."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from appointments.service_credits.history import late_repair_facts, repair_ended_at
from appointments.service_credits.reconcile import (
    Reconciliation,
    figures_sentence,
    our_count_sentence,
    our_figures,
    supplier_figures,
)
from faults.choices import FaultStatus
from faults.contributions import FaultFacts
from faults.models import Fault

FINISHED = (FaultStatus.RESOLVED, FaultStatus.CLOSED, FaultStatus.CANCELLED, FaultStatus.REJECTED)


def late_repair_context(fault: Fault) -> dict[str, Any]:
    theirs = supplier_figures(fault)
    if theirs is None:
        return {"late_repair": None}
    now = timezone.now()
    count = late_repair_facts([fault], now=now)[fault.pk].count
    reconciliation = Reconciliation(theirs, our_figures(count))
    evidence_url = ""
    if fault.status in FINISHED:
        ended = timezone.localtime(repair_ended_at(fault, now=now))
        evidence_url = (
            f"{reverse('service-credits')}?supplier={fault.supplier_id}&month={ended:%Y-%m}"
            f"#fault-{fault.buyer_fault_reference}"
        )
    return {
        "late_repair": {
            "theirs": figures_sentence(theirs),
            "ours": our_count_sentence(count) if count else "none: the fault has no SLA target",
            "agree": reconciliation.agree,
            "evidence_url": evidence_url,
        }
    }


LATE_REPAIR_FACTS = FaultFacts(
    key="late-repair",
    template="appointments/_late_repair_facts.html",
    context=late_repair_context,
)
