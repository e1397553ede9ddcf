"""The certificate sweep as it runs for real: beat schedules it, a Celery worker runs it against
PostgreSQL and Redis, and a certificate expiring in 6 days is warned of once, however many
sweeps follow; an expired one flags its partner."""

from datetime import timedelta

import pytest

from integrations.models import Partner, PartnerCertificate
from tests.certificates import certificate_expiring, write_pem
from tests.e2e.processes import wait_for
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
WARNING = "Our client certificate of Supplier A: expires in 6 days"


def test_beat_and_a_worker_warn_once_of_a_certificate_expiring_in_6_days(start_worker, tmp_path):
    soon = PartnerFactory(
        name="Supplier A",
        slug="supplier-a",
        client_cert_path=write_pem(
            tmp_path / "a.pem", certificate_expiring("a.example", in_=timedelta(days=6))
        ),
    )
    expired = PartnerFactory(
        name="Supplier B",
        slug="supplier-b",
        client_cert_path=write_pem(
            tmp_path / "b.pem", certificate_expiring("b.example", in_=timedelta(days=-1))
        ),
    )

    worker = start_worker(CERTIFICATE_SWEEP_SECONDS="1")

    row = wait_for(
        lambda: PartnerCertificate.objects.filter(partner=soon, warned_7_at__isnull=False).first(),
        timeout=60,
        what="the 7-day warning",
    )
    # Two more sweeps: each reads the certificate again, none warns again.
    for _ in range(2):
        seen = PartnerCertificate.objects.get(pk=row.pk).refreshed_at
        wait_for(
            lambda seen=seen: PartnerCertificate.objects.get(pk=row.pk).refreshed_at > seen,
            timeout=60,
            what="another sweep",
        )
    again = PartnerCertificate.objects.get(pk=row.pk)
    assert again.warned_7_at == row.warned_7_at
    assert "\n".join(worker.lines).count(WARNING) == 1
    flagged = Partner.objects.get(pk=expired.pk)
    assert flagged.credentials_broken_reason.startswith("Our client certificate (CN=b.example)")
    assert Partner.objects.get(pk=soon.pk).credentials_broken_at is None
