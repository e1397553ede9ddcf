"""A data set for the dashboard's and the wallboard's click-through: faults in every status and
every SLA state, with three suppliers and two priorities, their milestones on both sides of the
reporting period's edges and around the end of British Summer Time (25 Oct 2026, 01:00 UTC)."""

from datetime import UTC, date, datetime, timedelta
from itertools import cycle

from django.utils import timezone

from faults.choices import FaultStatus, SlaState
from faults.models import Fault
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to

# The reporting period the tests ask for: it starts on the day the clocks go back.
PERIOD = (date(2026, 10, 25), date(2026, 11, 7))


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Each instant beside the London-day edge it tests.
EDGES = (
    _utc(2026, 10, 24, 22, 30),  # 23:30 BST on the 24th: the day before the period
    _utc(2026, 10, 24, 23, 30),  # 00:30 BST on the 25th: the period's first hour
    _utc(2026, 10, 25, 0, 30),  # 01:30 BST, before the clocks go back
    _utc(2026, 10, 25, 1, 30),  # 01:30 GMT, the second time round
    _utc(2026, 10, 25, 23, 30),  # Sunday night: the first (cut) week's last hour
    _utc(2026, 10, 26, 0, 30),  # Monday: the next week
    _utc(2026, 11, 7, 23, 59),  # the period's last minute
    _utc(2026, 11, 8, 0, 0),  # the first instant after it
)
SUPPLIERS = (("click-alpha", "Alpha Fibre"), ("click-bravo", "Bravo Net"), ("click-charlie", "C3"))


def build_click_through_faults(*, now: datetime | None = None) -> list[Fault]:
    """Every status for each supplier (priorities 2 and 4 in turn), then milestones, SLA states
    and creation days spread over EDGES, SlaState and today/yesterday. Returns the faults."""
    now = now or timezone.now()
    edges, sla_states = cycle(EDGES), cycle(SlaState.values)
    priorities = cycle((2, 4))
    made = []
    for slug, name in SUPPLIERS:
        partner = PartnerFactory(slug=slug, name=name)
        identifier = BuyerIdentifierFactory(partner=partner)
        for status in FaultStatus.values:
            fault = FaultFactory(
                supplier=partner, buyer_identifier=identifier, priority=next(priorities)
            )
            made.append(bring_to(fault, status))
    for n, fault in enumerate(made):
        started = next(edges)
        stamps = {
            "submitted_at": started,
            "sla_due_at": next(edges),
            "sla_state": next(sla_states),
            "created_at": now - timedelta(days=n % 2, minutes=5),
        }
        if fault.status not in (FaultStatus.DRAFT, FaultStatus.PENDING, FaultStatus.REJECTED):
            # Every fault past acceptance, not only resolved and closed ones, has a resolved
            # time: the dashboard's resolved figures count resolved and closed faults only.
            stamps["resolved_at"] = next(edges)
        if fault.status in (FaultStatus.REJECTED, FaultStatus.CANCELLED):
            stamps["rejected_at"] = next(edges)
        if fault.status == FaultStatus.DRAFT:
            stamps["submitted_at"] = None
        Fault.objects.filter(pk=fault.pk).update(**stamps)
    return made
