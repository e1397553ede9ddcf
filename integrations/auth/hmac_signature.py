"""An HMAC-SHA256 signature over timestamp and body, with a replay window.

The partner sends

    X-Signature-Timestamp: <Unix time, whole seconds>
    X-Signature: <hex HMAC-SHA256 of "<timestamp>." + body under the shared key>

(`sha256=` before the hex is accepted). A timestamp further than
`settings.PARTNER_SIGNATURE_MAX_AGE_SECONDS` from our clock, either way, is refused as stale; a
signature already accepted within that window is refused as a replay, so the partner signs every
attempt afresh (a retry of the same message with a new timestamp is a duplicate the inbox
recognises, not a replay). Seen signatures are rows (`SeenSignature`), shared by every worker,
written in the transaction that stores the message. The key is stored encrypted
(`integrations.auth.secrets`)."""

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from integrations.auth.base import AuthStrategy, register, unauthorised
from integrations.auth.secrets import SecretUnreadable, decrypt_secret, secrets_match
from integrations.choices import InboundAuth
from integrations.models import Partner, SeenSignature
from integrations.security import AccessRefused

logger = logging.getLogger(__name__)
SIGNATURE_HEADER_NAME = "X-Signature"
TIMESTAMP_HEADER_NAME = "X-Signature-Timestamp"
SIGNATURE_HEADER = "HTTP_X_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_SIGNATURE_TIMESTAMP"
_HEX = frozenset("0123456789abcdef")
REMEMBERED_BEYOND = timedelta(minutes=1)


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The hex signature of a body sent at `timestamp` (what the partner computes)."""
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(key: bytes, body: bytes, *, at: datetime | None = None) -> dict[str, str]:
    """The headers a partner sends with `body` (for simulators and tests)."""
    timestamp = str(int((at or timezone.now()).timestamp()))
    return {
        TIMESTAMP_HEADER_NAME: timestamp,
        SIGNATURE_HEADER_NAME: signature(key, timestamp, body),
    }


def _window() -> timedelta:
    return timedelta(seconds=settings.PARTNER_SIGNATURE_MAX_AGE_SECONDS)


@register
class HmacSignature(AuthStrategy):
    method = InboundAuth.HMAC
    records_requests = True

    def check_credentials(self, partner: Partner, request: HttpRequest) -> None:
        """What can be checked before the body is read: both headers, and a fresh timestamp."""
        self._signed_at(request)
        self._presented(request)

    def verify_body(self, partner: Partner, request: HttpRequest, body: bytes) -> None:
        signed_at = self._signed_at(request)
        presented = self._presented(request)
        try:
            key = decrypt_secret(partner.inbound_signing_key)
        except SecretUnreadable as exc:
            # Ours to fix, not the partner's: said where an operator looks. The partner is told
            # to retry (503), not that its credentials are wrong (a 401 may stop its sending).
            logger.error("%s's signing key cannot be decrypted: %s Set it again.", partner, exc)
            raise AccessRefused(
                "Signatures cannot be verified just now: retry later.", status=503
            ) from exc
        timestamp = request.META[TIMESTAMP_HEADER].strip()
        if not secrets_match(signature(key, timestamp, body), presented):
            raise unauthorised("The signature does not match the body.")
        # Kept a while past the last moment it could be accepted: a worker that read the clock
        # just inside the window must still find it, whoever deletes the expired rows meanwhile.
        self._record(partner, presented, expires_at=signed_at + _window() + REMEMBERED_BEYOND)

    def _signed_at(self, request: HttpRequest) -> datetime:
        raw = request.META.get(TIMESTAMP_HEADER, "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
            raise unauthorised(f"{TIMESTAMP_HEADER_NAME} (Unix seconds) is required.")
        # Compared as numbers first: a timestamp far from now may be no date at all (year 33658).
        if abs(timezone.now().timestamp() - int(raw)) > _window().total_seconds():
            raise unauthorised("The signature's timestamp is stale (outside the replay window).")
        return datetime.fromtimestamp(int(raw), tz=UTC)

    def _presented(self, request: HttpRequest) -> str:
        presented = request.META.get(SIGNATURE_HEADER, "").strip().lower()
        presented = presented.removeprefix("sha256=")
        if len(presented) != 64 or not set(presented) <= _HEX:
            raise unauthorised(f"{SIGNATURE_HEADER_NAME} (hex HMAC-SHA256) is required.")
        return presented

    def _record(self, partner: Partner, presented: str, *, expires_at: datetime) -> None:
        """Remember the signature until it would be stale anyway; refuse it if already seen."""
        # The expired rows go with whoever comes next, but not those another request is deleting
        # in its own open transaction: waiting for it would line every signed request up behind
        # the one before (and two deleting in different orders could deadlock).
        expired = SeenSignature.objects.filter(expires_at__lte=timezone.now())
        SeenSignature.objects.filter(
            pk__in=expired.select_for_update(skip_locked=True).values("pk")
        ).delete()
        try:
            with transaction.atomic():
                SeenSignature.objects.create(
                    partner=partner, signature=presented, expires_at=expires_at
                )
        except IntegrityError:
            raise unauthorised("This signature was already received: a replay.") from None
