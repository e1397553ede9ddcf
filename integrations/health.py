"""Integration health: per partner, what came in and went out, what failed, what is dead.

A fixed number of grouped queries whatever the number of partners or messages: one per
table for the counts by status (all time and the last 24 hours, with the latest time), one
for the partners, one for the newest outbound messages that need an agent, one counting
those per partner, and one for the partners' certificates (`integrations.certificates`).
What needs an agent is the outbox's rule (`outbound_needing_agent`, over `needing_agent`), for
every partner: the suppliers' messages, which the agent's queue and the
wallboard show too (`undelivered_outbound_messages`), and the subscribers' (a TMF621 hub's
event deliveries), shown here only; each message is put in the queue's words
(`describe_undelivered`, which says "subscriber" for a subscriber's): all in
`integrations.undelivered`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from integrations.certificates import CertificateState, certificate_states, is_certificate_flag
from integrations.choices import InboundStatus, OutboundStatus
from integrations.models import InboundMessage, OutboundMessage, Partner, PartnerCertificate
from integrations.undelivered import (
    UndeliveredMessage,
    describe_undelivered,
    outbound_needing_agent,
)

RECENT = timedelta(hours=24)
DEAD_SHOWN = 200


@dataclass
class StatusCounts:
    """Message counts by status value: all time and in the last 24 hours."""

    statuses: tuple[str, ...]
    all_time: dict[str, int] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)
    last_at: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)  # status value -> words

    def rows(self) -> list[tuple[str, int, int]]:
        """(status, last 24 h, all time) for every status, in the choices' order."""
        return [(s, self.recent.get(s, 0), self.all_time.get(s, 0)) for s in self.statuses]

    def labelled_rows(self) -> list[tuple[str, str, int, int]]:
        """(status, its label, last 24 h, all time): what the page shows."""
        return [(s, self.labels.get(s, s), recent, total) for s, recent, total in self.rows()]

    @property
    def total(self) -> int:
        return sum(self.all_time.values())

    @property
    def total_recent(self) -> int:
        return sum(self.recent.values())


def _inbound() -> StatusCounts:
    return StatusCounts(statuses=tuple(InboundStatus.values), labels=dict(InboundStatus.choices))


def _outbound() -> StatusCounts:
    return StatusCounts(statuses=tuple(OutboundStatus.values), labels=dict(OutboundStatus.choices))


@dataclass
class PartnerHealth:
    partner: Partner
    inbound: StatusCounts = field(default_factory=_inbound)
    outbound: StatusCounts = field(default_factory=_outbound)
    last_delivered_at: datetime | None = None
    dead: list[UndeliveredMessage] = field(default_factory=list)  # newest that need an agent
    needs_agent: int = 0
    dead_waiting: int = 0  # dead and not dismissed: what "Retry all dead" sends again
    certificates: list[CertificateState] = field(default_factory=list)  # soonest expiry first

    @property
    def worst_certificate(self) -> CertificateState | None:
        """The certificate the partner's heading warns of: red or amber, soonest first."""
        urgent = [c for c in self.certificates if c.tone in ("red", "amber")]
        return urgent[0] if urgent else None

    @property
    def is_supplier(self) -> bool:
        """False for a subscriber (a partner that only hears about our faults): the page says
        "subscriber" where it would say "supplier"."""
        return self.partner.is_supplier

    @property
    def credentials_broken(self) -> bool:
        return self.partner.credentials_broken_at is not None

    @property
    def certificate_flagged(self) -> bool:
        """Flagged by the certificate sweep (our certificate expires), not by a 401."""
        return self.credentials_broken and is_certificate_flag(
            self.partner.credentials_broken_reason
        )

    @property
    def failures(self) -> int:
        """Inbound messages that could not be applied plus outbound ones that need an agent
        (a dismissed or retried message no longer counts)."""
        return self.inbound.all_time.get(InboundStatus.FAILED, 0) + self.needs_agent


def _count_into(rows: Iterable[dict], pick: str, health: dict[int, PartnerHealth]) -> None:
    for row in rows:
        entry = health.get(row["partner_id"])
        if entry is None:
            continue
        counts: StatusCounts = getattr(entry, pick)
        counts.all_time[row["status"]] = row["total"]
        counts.recent[row["status"]] = row["recent"]
        if row["last"] and (counts.last_at is None or row["last"] > counts.last_at):
            counts.last_at = row["last"]
        if pick == "outbound" and row.get("delivered"):
            entry.last_delivered_at = max(filter(None, (entry.last_delivered_at, row["delivered"])))


def integration_health(*, now: datetime | None = None) -> list[PartnerHealth]:
    """Every partner's health, by name. Inbound messages count by when they were received and
    outbound ones by when they were written; 'recent' is the last 24 hours. The dead list holds
    the newest DEAD_SHOWN messages that need an agent, over all partners (each partner's full
    count is its `needs_agent`)."""
    since = (now or timezone.now()) - RECENT
    health = {p.pk: PartnerHealth(partner=p) for p in Partner.objects.order_by("name")}
    inbound = (
        InboundMessage.objects.order_by()
        .values("partner_id", "status")
        .annotate(
            total=Count("id"),
            recent=Count("id", filter=Q(received_at__gte=since)),
            last=Max("received_at"),
        )
    )
    _count_into(inbound, "inbound", health)
    outbound = (
        OutboundMessage.objects.order_by()
        .values("partner_id", "status")
        .annotate(
            total=Count("id"),
            recent=Count("id", filter=Q(created_at__gte=since)),
            last=Max("created_at"),
            delivered=Max("delivered_at"),
        )
    )
    _count_into(outbound, "outbound", health)
    waiting = outbound_needing_agent()
    for row in waiting.order_by().values("partner_id", "status").annotate(total=Count("id")):
        entry = health.get(row["partner_id"])
        if entry is not None:
            entry.needs_agent += row["total"]
            if row["status"] == OutboundStatus.DEAD:
                entry.dead_waiting = row["total"]
    for message in waiting.defer("fault__description")[:DEAD_SHOWN]:
        health[message.partner_id].dead.append(describe_undelivered(message))
    certificates = PartnerCertificate.objects.order_by(
        F("not_after").asc(nulls_last=True), "kind", "pk"
    )
    for state in certificate_states(list(certificates), now or timezone.now()):
        entry = health.get(state.certificate.partner_id)
        if entry is not None:
            entry.certificates.append(state)
    return list(health.values())


def dead_message_ids(*, partner: Partner) -> list[int]:
    """Every dead outbound message of the partner that needs an agent (for "Retry all dead")."""
    return list(
        OutboundMessage.objects.needing_agent()
        .filter(partner=partner, status=OutboundStatus.DEAD)
        .values_list("id", flat=True)
    )
