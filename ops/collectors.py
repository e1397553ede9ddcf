"""The database's counts, read at scrape time (README, "Metrics and health").

Each scrape runs these queries (EXPLAIN figures in the README):

* inbound and outbound messages by partner and status: one GROUP BY each, read from the
  (partner, status) indexes alone (index-only scans); still a pass over the index, so the totals
  are kept for METRICS_TOTALS_SECONDS between scrapes;
* the oldest unapplied inbound and undelivered outbound row per partner: the partial indexes of
  unfinished rows (`inbound_unapplied`, `outbound_due`), a handful of rows when all is well;
* partners whose credentials were refused, and open faults by SLA policy and SLA state (the
  open faults only, by the (supplier, status) index).
"""

import threading
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from faults.choices import OPEN_STATUSES
from faults.models import Fault
from integrations.choices import OUTBOUND_UNFINISHED, InboundStatus, OutboundStatus
from integrations.models import InboundMessage, OutboundMessage, Partner


class _Timed:
    """A value computed at most every METRICS_TOTALS_SECONDS (per process)."""

    def __init__(self, compute) -> None:
        self._compute = compute
        self._value = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            now = time.monotonic()
            seconds = getattr(settings, "METRICS_TOTALS_SECONDS", 30)
            if self._value is None or now - self._at >= seconds:
                self._value = self._compute()
                self._at = now
            return self._value

    def forget(self) -> None:
        with self._lock:
            self._value = None


def _partner_slugs() -> dict[int, str]:
    return dict(Partner.objects.values_list("id", "slug"))


def _inbound_totals() -> list[tuple[int, str, int]]:
    rows = InboundMessage.objects.order_by().values_list("partner_id", "status")
    return list(rows.annotate(n=Count("*")))


def _outbound_totals() -> list[tuple[int, str, int]]:
    rows = OutboundMessage.objects.order_by().values_list("partner_id", "status")
    return list(rows.annotate(n=Count("*")))


class MessageCollector:
    """Per partner: inbound received/applied/failed, outbound pending/sending/delivered/refused/
    dead, the messages waiting for a retry, the age of the oldest unfinished message each way,
    and whether the partner refused our credentials."""

    def __init__(self) -> None:
        self.inbound_totals = _Timed(_inbound_totals)
        self.outbound_totals = _Timed(_outbound_totals)

    def forget(self) -> None:
        """Count again at the next scrape (tests)."""
        self.inbound_totals.forget()
        self.outbound_totals.forget()

    def collect(self) -> Iterator[Metric]:
        slugs = _partner_slugs()
        now = timezone.now()

        yield _by_partner_and_status(
            "noc_inbound_messages",
            "Inbound messages stored, by partner and status (received: not applied yet; "
            "applied; failed: could not be applied). Rows are kept, so the sum only grows.",
            slugs,
            InboundStatus.values,
            self.inbound_totals.get(),
        )
        yield _by_partner_and_status(
            "noc_outbound_messages",
            "Outbound messages, by partner and status (pending: queued or waiting for a retry; "
            "sending; delivered; refused: a final 4xx; dead: attempts spent).",
            slugs,
            OutboundStatus.values,
            self.outbound_totals.get(),
        )

        # The unfinished rows, through the partial indexes: always fresh.
        unapplied = {
            row[0]: row[1:]
            for row in InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
            .order_by()
            .values_list("partner_id")
            .annotate(n=Count("id"), oldest=Min("received_at"))
        }
        undelivered = {
            row[0]: row[1:]
            for row in OutboundMessage.objects.filter(status__in=OUTBOUND_UNFINISHED)
            .order_by()
            .values_list("partner_id")
            .annotate(
                n=Count("id"),
                oldest=Min("created_at"),
                retrying=Count("id", filter=Q(attempts__gt=0)),
            )
        }
        yield _age(
            "noc_inbound_oldest_unapplied_age_seconds",
            "Age of the oldest inbound message not applied yet, by partner (0: none waiting).",
            slugs,
            unapplied,
            now,
        )
        yield _age(
            "noc_outbound_oldest_undelivered_age_seconds",
            "Age of the oldest outbound message not delivered yet (pending or sending), by "
            "partner (0: none waiting).",
            slugs,
            undelivered,
            now,
        )
        retrying = GaugeMetricFamily(
            "noc_outbound_retrying_messages",
            "Outbound messages waiting for another attempt after a failed one, by partner.",
            labels=["partner"],
        )
        for partner_id, slug in sorted(slugs.items(), key=lambda item: item[1]):
            retrying.add_metric([slug], undelivered.get(partner_id, (0, None, 0))[2])
        yield retrying

        flagged = GaugeMetricFamily(
            "noc_partner_credentials_refused",
            "1 when the partner refused our credentials and nothing is sent to it until an "
            "admin clears the flag, else 0, by partner.",
            labels=["partner"],
        )
        broken = set(
            Partner.objects.filter(credentials_broken_at__isnull=False).values_list("id", flat=True)
        )
        for partner_id, slug in sorted(slugs.items(), key=lambda item: item[1]):
            flagged.add_metric([slug], 1 if partner_id in broken else 0)
        yield flagged


def _age(name: str, documentation: str, slugs: dict[int, str], rows: dict, now) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=["partner"])
    for partner_id, slug in sorted(slugs.items(), key=lambda item: item[1]):
        oldest = rows.get(partner_id, (0, None))[1]
        family.add_metric([slug], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
    return family


class OpenFaultCollector:
    """Open faults (with the supplier and not finished) by supplier, SLA policy and SLA state."""

    def collect(self) -> Iterable[Metric]:
        slugs = _partner_slugs()
        family = GaugeMetricFamily(
            "noc_open_faults",
            "Open faults by supplier, SLA policy (its id; 'none' without one) and SLA state "
            "(running, paused, at-risk, breached, met, missed, none).",
            labels=["partner", "sla_policy", "sla_state"],
        )
        rows = (
            Fault.objects.filter(status__in=OPEN_STATUSES)
            .order_by()
            .values_list("supplier_id", "sla_policy_id", "sla_state")
            .annotate(n=Count("id"))
        )
        for supplier_id, policy_id, state, n in sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2])):
            family.add_metric(
                [
                    slugs.get(supplier_id, str(supplier_id)),
                    str(policy_id) if policy_id else "none",
                    state,
                ],
                n,
            )
        yield family


def _by_partner_and_status(name, documentation, slugs, statuses, totals) -> GaugeMetricFamily:
    """A gauge of message counts with every partner and status present (0 where none), so a
    series does not vanish when its last row changes status."""
    family = GaugeMetricFamily(name, documentation, labels=["partner", "status"])
    counts = {(slug, status): 0 for slug in slugs.values() for status in statuses}
    for partner_id, status, n in totals:
        counts[(slugs.get(partner_id, str(partner_id)), status)] = n
    for (slug, status), n in sorted(counts.items()):
        family.add_metric([slug, status], n)
    return family
