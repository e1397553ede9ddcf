"""Partners' certificates and their expiry: our client certificate and the CA bundle we call a
partner with (read from the files the partner names), and the partner's pinned certificates
(by fingerprint; the expiry is learned when the partner first calls with one, since only the
fingerprint is pinned).

Stored, not computed on every page: reading and parsing the files of every partner on each
health page, queue refresh and metrics scrape would put file I/O on pages polled every few
seconds, and a pinned certificate's expiry exists only once it has been seen. The rows are
refreshed when an admin saves the partner and by the sweep (`certificates_sweep`, beat,
CERTIFICATE_SWEEP_SECONDS), which also:

* warns once 30 days before a certificate expires and once 7 days before (a WARNING log line,
  and `warned_30_at`/`warned_7_at` on the row, which the health page and the queue show);
* flags the partner (`credentials_broken_at`, as a refused 401 does: the outbox holds its
  messages) when our client certificate, or every certificate of the CA bundle, expires before
  the next sweep: the partner is flagged before its messages fail, not after their retries run
  out. An admin renews the file, saves the partner and uses "Credentials fixed: resume sending";
  a flag cleared while the certificate is still expired is set again by the next sweep.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.choices import CERTIFICATE_KINDS_WE_SEND_WITH, CertificateKind
from integrations.models import Partner, PartnerCertificate
from integrations.models.certificate import WARN_DAYS
from integrations.outbox import partner_credentials_refused

logger = logging.getLogger(__name__)
DAY = 86400
MAX_FILE_BYTES = 1024 * 1024


class CertificateFileError(Exception):
    pass


@dataclass(frozen=True)
class CertificateFacts:
    fingerprint: str
    subject: str
    issuer: str
    not_after: datetime


def certificate_facts(certificate: x509.Certificate) -> CertificateFacts:
    return CertificateFacts(
        fingerprint=hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest(),
        subject=certificate.subject.rfc4514_string()[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        not_after=certificate.not_valid_after_utc,
    )


def read_certificate_file(path: str) -> list[CertificateFacts]:
    """Every certificate in a PEM file (a client certificate with its chain, a CA bundle)."""
    try:
        data = Path(path).read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise CertificateFileError(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    if len(data) > MAX_FILE_BYTES:
        raise CertificateFileError(f"{path} is larger than {MAX_FILE_BYTES} bytes.")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateFileError(f"{path} holds no readable PEM certificate.") from exc
    return [certificate_facts(c) for c in certificates]


# --- reading them: what the pages and the metric show ------------------------------------------


@dataclass(frozen=True)
class CertificateState:
    """A certificate as a person reads it: how long it has left and how urgent that is."""

    certificate: PartnerCertificate
    seconds_left: float | None  # None: not known (unreadable file, pinned and never seen)

    @property
    def days_left(self) -> int | None:
        """Whole days, rounded up while it is valid ("6 days" until 6 days are gone), so that
        `days_left <= 7` exactly when the 7-day warning is due."""
        if self.seconds_left is None:
            return None
        return math.ceil(self.seconds_left / DAY) if self.seconds_left > 0 else 0

    @property
    def expired(self) -> bool:
        return self.seconds_left is not None and self.seconds_left <= 0

    @property
    def tone(self) -> str:
        """red (expired, 7 days or less, unreadable), amber (30 days or less), green, grey."""
        if self.certificate.error or self.expired:
            return "red"
        if self.seconds_left is None:
            return "grey"
        if self.seconds_left <= WARN_DAYS[1] * DAY:
            return "red"
        if self.seconds_left <= WARN_DAYS[0] * DAY:
            return "amber"
        return "green"

    @property
    def summary(self) -> str:
        """'Expires in 6 days', 'Expired 2 days ago', ...: the words of the badge."""
        cert = self.certificate
        if cert.error:
            return "Cannot be read"
        if self.seconds_left is None:
            return "Expiry not known yet"
        if self.expired:
            ago = math.floor(-self.seconds_left / DAY)
            return (
                "Expired today" if ago == 0 else f"Expired {ago} day{'s' if ago != 1 else ''} ago"
            )
        days = self.days_left
        return f"Expires in {days} day{'s' if days != 1 else ''}"


def certificate_states(
    certificates: list[PartnerCertificate], now: datetime
) -> list[CertificateState]:
    return [CertificateState(c, c.seconds_left(now)) for c in certificates]


def certificates_needing_attention() -> QuerySet[PartnerCertificate]:
    """The queue's section: expired, expiring within 30 days, or unreadable."""
    return PartnerCertificate.objects.needing_attention(timezone.now()).select_related("partner")


def certificates_needing_attention_first(limit: int) -> list[CertificateState]:
    return certificate_states(list(certificates_needing_attention()[:limit]), timezone.now())


# --- refreshing them ----------------------------------------------------------------------------


def _upsert(partner: Partner, kind: str, facts: CertificateFacts, source: str) -> None:
    PartnerCertificate.objects.bulk_create(
        [
            PartnerCertificate(
                partner=partner,
                kind=kind,
                fingerprint=facts.fingerprint,
                subject=facts.subject,
                issuer=facts.issuer,
                not_after=facts.not_after,
                source=source,
            )
        ],
        update_conflicts=True,
        unique_fields=["partner", "kind", "fingerprint"],
        update_fields=["subject", "issuer", "not_after", "source", "error", "refreshed_at"],
    )


def _refresh_file(partner: Partner, kind: str, path: str) -> None:
    rows = PartnerCertificate.objects.filter(partner=partner, kind=kind)
    if not path:
        rows.delete()
        return
    try:
        found = read_certificate_file(path)
    except CertificateFileError as exc:
        rows.exclude(fingerprint="").delete()
        PartnerCertificate.objects.update_or_create(
            partner=partner, kind=kind, fingerprint="", defaults={"source": path, "error": str(exc)}
        )
        return
    rows.exclude(fingerprint__in=[f.fingerprint for f in found]).delete()
    for facts in found:
        _upsert(partner, kind, facts, path)


@transaction.atomic
def partner_certificates_refresh(*, partner_id: int) -> None:
    """Read the partner's certificate files again and its pinned fingerprints: a renewed
    certificate is a new row (its warnings start again); one no longer named is deleted."""
    partner = Partner.objects.select_for_update().get(pk=partner_id)
    _refresh_file(partner, CertificateKind.CLIENT, partner.client_cert_path)
    _refresh_file(partner, CertificateKind.CA, partner.ca_bundle_path)
    try:
        pinned = partner.pinned_fingerprints
    except ValueError:  # saved without validation; the admin's form says what is wrong
        pinned = frozenset()
    PartnerCertificate.objects.filter(partner=partner, kind=CertificateKind.PINNED).exclude(
        fingerprint__in=pinned
    ).delete()
    for fingerprint in pinned:
        PartnerCertificate.objects.get_or_create(
            partner=partner, kind=CertificateKind.PINNED, fingerprint=fingerprint
        )


# (partner id, fingerprint) -> when this process may next try to record it (inf: recorded).
_pinned_recorded: dict[tuple[int, str], float] = {}
RETRY_RECORDING_SECONDS = 600


def pinned_certificate_seen(*, partner_id: int, fingerprint: str, escaped_pem: str) -> None:
    """A partner called with a pinned certificate: record its expiry, once per process (the
    webhook's hot path pays a dictionary lookup after the first call). Never refuses a call:
    when the database cannot take it, it is tried again in a few minutes."""
    key = (partner_id, fingerprint)
    now = time.monotonic()
    if _pinned_recorded.get(key, 0) > now:
        return
    _pinned_recorded[key] = now + RETRY_RECORDING_SECONDS
    try:
        certificate = x509.load_pem_x509_certificate(unquote(escaped_pem).encode("ascii"))
        facts = certificate_facts(certificate)
        with transaction.atomic():
            _upsert(Partner(pk=partner_id), CertificateKind.PINNED, facts, "")
    except (ValueError, UnicodeEncodeError, DatabaseError):
        logger.warning(
            "The expiry of a pinned certificate could not be recorded",
            extra={"partner_id": partner_id, "fingerprint": fingerprint},
            exc_info=True,
        )
        return
    _pinned_recorded[key] = math.inf


# --- the sweep: warnings and flags --------------------------------------------------------------


@dataclass
class SweepResult:
    warned: list[tuple[PartnerCertificate, int]]  # (certificate, the warning's days)
    flagged: list[Partner]


def _sweep_interval() -> timedelta:
    return timedelta(seconds=settings.CERTIFICATE_SWEEP_SECONDS)


def _warn(
    certificate: PartnerCertificate, days: int, now: datetime, *, silently: bool = False
) -> bool:
    """The warning at `days` before expiry, given once: only the sweep that sets the row's
    `warned_<days>_at` logs it (two sweeps at once warn once)."""
    field = f"warned_{days}_at"
    won = PartnerCertificate.objects.filter(pk=certificate.pk, **{f"{field}__isnull": True}).update(
        **{field: now}
    )
    if not won:
        return False
    setattr(certificate, field, now)
    if silently:
        return False
    state = CertificateState(certificate, certificate.seconds_left(now))
    logger.warning(
        "%s of %s: %s (%s, not after %s)",
        certificate.get_kind_display(),
        certificate.partner.name,
        state.summary.lower(),
        certificate.subject or certificate.fingerprint,
        f"{certificate.not_after:%Y-%m-%d %H:%M} UTC",
        extra={
            "partner": certificate.partner.slug,
            "certificate_kind": certificate.kind,
            "fingerprint": certificate.fingerprint,
            "warning_days": days,
        },
    )
    return True


def _flag_reason(certificate: PartnerCertificate, now: datetime) -> str:
    when = f"{certificate.not_after:%Y-%m-%d %H:%M} UTC"
    what = "expired" if certificate.not_after <= now else "expires"
    return (
        f"{certificate.get_kind_display()} ({certificate.subject}) {what} at {when}: the "
        "partner would refuse our calls. Renew it, save the partner, then use “Credentials "
        "fixed: resume sending”."
    )


def is_certificate_flag(reason: str) -> bool:
    """Whether a partner's credentials flag was set by this sweep (its reason names one of our
    certificates), not by a partner's 401."""
    return reason.startswith(
        tuple(str(CertificateKind(k).label) for k in CERTIFICATE_KINDS_WE_SEND_WITH)
    )


def _expiring_for_sending(
    certificates: list[PartnerCertificate], deadline: datetime
) -> PartnerCertificate | None:
    """The certificate that stops our calls by `deadline`: our client certificate expiring,
    or the CA bundle once every certificate in it has expired (a bundle in rollover holds an
    old CA beside the new)."""
    client = [c for c in certificates if c.kind == CertificateKind.CLIENT and c.not_after]
    expiring = [c for c in client if c.not_after <= deadline]
    if expiring:
        return min(expiring, key=lambda c: c.not_after)
    bundle = [c for c in certificates if c.kind == CertificateKind.CA and c.not_after]
    if bundle and all(c.not_after <= deadline for c in bundle):
        return max(bundle, key=lambda c: c.not_after)
    return None


def partner_certificates_check(*, partner_id: int, now: datetime | None = None) -> SweepResult:
    """Refresh one partner's certificates, give the warnings now due, flag it if needed."""
    now = now or timezone.now()
    partner_certificates_refresh(partner_id=partner_id)
    certificates = list(
        PartnerCertificate.objects.filter(partner_id=partner_id, not_after__isnull=False)
        .select_related("partner")
        .order_by("not_after")
    )
    result = SweepResult(warned=[], flagged=[])
    for certificate in certificates:
        due = [d for d in WARN_DAYS if certificate.not_after <= now + timedelta(days=d)]
        if not due:
            continue
        # Only the most urgent warning is given: a certificate first seen 6 days before it
        # expires is not also said to expire within 30.
        for days in sorted(due)[1:]:
            _warn(certificate, days, now, silently=True)
        if _warn(certificate, min(due), now):
            result.warned.append((certificate, min(due)))
    if not certificates:
        return result
    partner = certificates[0].partner
    stopping = [c for c in certificates if c.kind in CERTIFICATE_KINDS_WE_SEND_WITH]
    culprit = _expiring_for_sending(stopping, now + _sweep_interval())
    if culprit is not None and partner.credentials_broken_at is None and partner.is_active:
        partner_credentials_refused(
            partner_id=partner.pk, reason=_flag_reason(culprit, now), at=now
        )
        logger.error(
            "%s flagged: %s",
            partner.name,
            _flag_reason(culprit, now),
            extra={"partner": partner.slug, "certificate_kind": culprit.kind},
        )
        result.flagged.append(partner)
    return result


def certificates_sweep(*, now: datetime | None = None) -> SweepResult:
    """Every partner's certificates (beat, CERTIFICATE_SWEEP_SECONDS)."""
    now = now or timezone.now()
    total = SweepResult(warned=[], flagged=[])
    for partner_id in Partner.objects.order_by("pk").values_list("pk", flat=True):
        one = partner_certificates_check(partner_id=partner_id, now=now)
        total.warned += one.warned
        total.flagged += one.flagged
    return total
