"""Suppliers to escalate with (the seed's serviceProviderEscalationCandidates): those with open
exceptions over the admin's threshold (`EscalationThreshold`), with their count and the date of
the oldest. One grouped query over the open exceptions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from faults.exceptions.models import EscalationThreshold, TicketException


@dataclass(frozen=True)
class EscalationCandidate:
    supplier_id: int
    supplier_name: str
    open_exceptions: int
    oldest_raised_at: datetime


def escalation_candidates(*, now: datetime | None = None) -> list[EscalationCandidate]:
    """The suppliers over the threshold, the most open exceptions first, then the oldest."""
    now = now or timezone.now()
    threshold = EscalationThreshold.current()
    rows = (
        TicketException.objects.filter(solved_at__isnull=True)
        .values("fault__supplier_id", "fault__supplier__name")
        .annotate(open_count=Count("id"), oldest=Min("raised_at"))
        .filter(
            Q(open_count__gte=threshold.min_open_exceptions)
            | Q(oldest__lte=now - timedelta(hours=threshold.oldest_open_hours))
        )
        .order_by("-open_count", "oldest", "fault__supplier__name")
    )
    return [
        EscalationCandidate(
            supplier_id=row["fault__supplier_id"],
            supplier_name=row["fault__supplier__name"],
            open_exceptions=row["open_count"],
            oldest_raised_at=row["oldest"],
        )
        for row in rows
    ]
