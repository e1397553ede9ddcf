"""Reconciliation: a fault whose next move is the supplier's (SUPPLIER_MOVES_NEXT_STATUSES) and
that has heard nothing from it for the partner's `reconcile_after` gets a request for a full
update (requestFaultReportUpdate). An on-hold fault is asked about too: only the supplier takes
it off hold, so a lost "resumed" or "resolved" would otherwise leave its SLA paused for good. A
resolved fault waits for our answer and is not asked about: the supplier has nothing to tell.

Only suppliers whose protocol can be asked (their adapter has a message for request-update) are:
TEP, for one, has no call that reads a ticket back, and its partners' updates come to us."""

import logging
from datetime import datetime

from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from faults.choices import SUPPLIER_MOVES_NEXT_STATUSES, PartnerOperation
from faults.errors import FaultError
from faults.models import Fault
from faults.services import Actor, fault_request_update
from integrations.choices import OUTBOUND_UNFINISHED
from integrations.models import OutboundMessage
from integrations.packages import adapter_for, enabled_packages

logger = logging.getLogger(__name__)
RECONCILE_TIMER = "reconcile"


def protocols_that_can_be_asked() -> list[str]:
    """The enabled protocols whose adapter has a request for a full update."""
    return [
        package.protocol
        for package in enabled_packages()
        if PartnerOperation.REQUEST_UPDATE in adapter_for(package.protocol).operations
    ]


def faults_request_reconciliation(*, now: datetime | None = None, limit: int = 200) -> int:
    now = now or timezone.now()
    # A request to the supplier still on its way, or one made within the partner's quiet
    # period, is enough (the outbox may also hold messages about the fault to other partners).
    requests = OutboundMessage.objects.filter(
        fault=OuterRef("pk"),
        partner=OuterRef("supplier"),
        operation=PartnerOperation.REQUEST_UPDATE,
    )
    waiting_request = requests.filter(
        Q(status__in=OUTBOUND_UNFINISHED)
        | Q(
            created_at__gte=ExpressionWrapper(
                now - F("partner__reconcile_after"), output_field=DateTimeField()
            )
        )
    )
    silent = (
        Fault.objects.filter(status__in=SUPPLIER_MOVES_NEXT_STATUSES)
        .exclude(maintainer_fault_reference="")
        .filter(supplier__is_active=True, supplier__protocol__in=protocols_that_can_be_asked())
        .annotate(heard_at=Coalesce("last_supplier_message_at", "submitted_at"))
        .filter(
            heard_at__lt=ExpressionWrapper(
                now - F("supplier__reconcile_after"), output_field=DateTimeField()
            )
        )
        .filter(~Exists(waiting_request))
        .order_by("heard_at")
        .values_list("id", flat=True)[:limit]
    )
    requested = 0
    for fault_id in list(silent):
        try:
            fault_request_update(fault_id=fault_id, actor=Actor.timer(RECONCILE_TIMER), at=now)
        except FaultError:
            logger.info("Fault %s changed before its reconciliation request.", fault_id)
            continue
        requested += 1
    return requested
