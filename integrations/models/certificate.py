from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q

from integrations.choices import CertificateKind

# When a certificate starts to need someone: amber from 30 days before it expires, red from 7.
WARN_DAYS = (30, 7)


class PartnerCertificateQuerySet(models.QuerySet):
    def needing_attention(self, now: datetime) -> "PartnerCertificateQuerySet":
        """Expired, expiring within the first warning's days, or unreadable: soonest first."""
        return self.filter(
            Q(not_after__lte=now + timedelta(days=WARN_DAYS[0])) | ~Q(error="")
        ).order_by(models.F("not_after").asc(nulls_first=True), "partner__name", "pk")


class PartnerCertificate(models.Model):
    """One certificate of a partner's TLS material, as last read (`integrations.certificates`):
    our client certificate and the CA bundle from the files the partner names (every
    certificate in the file), the partner's pinned certificates by fingerprint (their expiry is
    known once the partner has called with them). A file that cannot be read is one row with
    its `error` and no fingerprint."""

    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.CASCADE, related_name="certificates"
    )
    kind = models.CharField(max_length=10, choices=CertificateKind.choices)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the DER.")
    subject = models.CharField(max_length=500, blank=True)
    issuer = models.CharField(max_length=500, blank=True)
    not_after = models.DateTimeField(null=True, blank=True, help_text="Expires at.")
    source = models.CharField(max_length=500, blank=True, help_text="The file it was read from.")
    error = models.TextField(blank=True, help_text="Why the file could not be read.")
    # The warnings given for this certificate (once each): a renewed one is a new row.
    warned_30_at = models.DateTimeField(null=True, blank=True)
    warned_7_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    objects = PartnerCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name", "kind", "not_after"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "fingerprint"], name="partner_certificate_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.partner}: {self.subject or self.fingerprint}"

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.not_after is None else (self.not_after - now).total_seconds()
