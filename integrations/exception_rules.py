"""The exception rule the spine contributes (`faults.exceptions.rules.register`, so that `faults`
never imports the integration layer): DELIVERY_DEAD, a message of ours to the supplier that will
not arrive unless an agent acts (dead after its last attempt, or refused), not dismissed yet.
It clears when the agent retries it (and it is delivered) or dismisses it."""

from datetime import datetime

from django.db.models import Count, Min

from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.rules import Finding, register
from integrations.models import OutboundMessage


@register("DELIVERY_DEAD")
def delivery_dead(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    rows = (
        OutboundMessage.objects.needing_agent()
        .filter(fault__isnull=False)
        .values("fault_id", "partner__name")
        .annotate(count=Count("id"), first=Min("created_at"))
    )
    return {
        row["fault_id"]: Finding(
            subject=f"{row['count']} message{'s' if row['count'] != 1 else ''} to "
            f"{row['partner__name']} will not arrive",
            comment=f"Our first undelivered message was written at {row['first']:%Y-%m-%d %H:%M} "
            "UTC. Retry it from the fault's page, or deal with the supplier another way and "
            "dismiss it.",
        )
        for row in rows
    }
