"""The partners' certificates as a Prometheus gauge: seconds until each one's notAfter (negative
once expired), labelled by partner (slug), kind (client, ca, pinned) and subject. Read from the
rows the certificate sweep keeps (`integrations.certificates`), one query per scrape; a pinned
certificate whose expiry is not known yet has no sample.

An alert rule such as `noc_partner_certificate_expiry_seconds < 7 * 86400` pages before the
sweep's 7-day warning is read."""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from integrations.models import PartnerCertificate

NAME = "noc_partner_certificate_expiry_seconds"
HELP = "Seconds until the partner's certificate expires (notAfter); negative once expired."
LABELS = ("partner", "kind", "subject")


class PartnerCertificateCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without it registering would run `collect`, a database query, at start-up.
        yield GaugeMetricFamily(NAME, HELP, labels=LABELS)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(NAME, HELP, labels=LABELS)
        now = timezone.now()
        rows = (
            PartnerCertificate.objects.filter(not_after__isnull=False)
            .order_by("partner__slug", "kind", "subject", "pk")
            .values_list("partner__slug", "kind", "subject", "not_after")
        )
        for slug, kind, subject, not_after in rows:
            gauge.add_metric([slug, kind, subject], (not_after - now).total_seconds())
        yield gauge
