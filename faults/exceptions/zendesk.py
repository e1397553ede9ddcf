"""Zendesk's webhook signature, checked before the status update's body is read.

Zendesk signs each webhook request it sends with the webhook's signing secret:

    X-Zendesk-Webhook-Signature-Timestamp: 2024-04-17T17:18:10Z
    X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + raw body))

(the timestamp as sent, concatenated with the body bytes, no separator). We accept any secret of
`settings.ZENDESK_WEBHOOK_SECRETS` (the new one and the old one while it is rotated) and refuse a
timestamp further than `settings.ZENDESK_WEBHOOK_MAX_AGE_SECONDS` from our clock, either way, as
stale. A signed request replayed inside that window does no harm: the status update is
idempotent.

No secret configured: with DEBUG a request is accepted unsigned (a development helpdesk, a test
rig); without DEBUG it is refused, so that a production install never takes unsigned updates
from "Zendesk" because a variable was forgotten.
"""

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

SYSTEM = "zendesk"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


class SignatureRefused(Exception):
    """The request is not signed by Zendesk with a secret we know, or not recently (401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SigningNotConfigured(Exception):
    """No signing secret is configured and DEBUG is off: Zendesk's updates are refused (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def zendesk_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """What Zendesk sends in X-Zendesk-Webhook-Signature for this body and timestamp."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def zendesk_signed_headers(*, secret: str, body: bytes, at: datetime | None = None) -> dict:
    """The two headers Zendesk would send with `body` (for tests and a local helpdesk)."""
    timestamp = (at or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: zendesk_signature(secret=secret, timestamp=timestamp, body=body),
    }


def _parse_timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def zendesk_request_verify(
    *,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
    secrets: Sequence[str] | None = None,
    max_age_seconds: int | None = None,
    debug: bool | None = None,
) -> bool:
    """Check Zendesk's signature over the raw `body`. Returns True when it was checked, False
    when no secret is configured and DEBUG lets the request through unsigned; raises
    SignatureRefused or SigningNotConfigured otherwise. `headers` is case-insensitive
    (Django's `request.headers`)."""
    secrets = [s for s in (settings.ZENDESK_WEBHOOK_SECRETS if secrets is None else secrets) if s]
    if not secrets:
        if settings.DEBUG if debug is None else debug:
            logger.warning("Zendesk status update accepted unsigned: no signing secret (DEBUG)")
            return False
        raise SigningNotConfigured(
            "Updates from Zendesk are refused: no webhook signing secret is configured "
            "(ZENDESK_WEBHOOK_SECRETS)."
        )
    signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not signature or not timestamp:
        raise SignatureRefused(f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} are required.")
    sent_at = _parse_timestamp(timestamp)
    if sent_at is None:
        raise SignatureRefused(f"{TIMESTAMP_HEADER} is not an ISO-8601 time with its zone.")
    window = timedelta(
        seconds=settings.ZENDESK_WEBHOOK_MAX_AGE_SECONDS
        if max_age_seconds is None
        else max_age_seconds
    )
    if abs((now or timezone.now()) - sent_at) > window:
        raise SignatureRefused(
            f"The signature is stale: signed at {timestamp}, more than "
            f"{int(window.total_seconds())} seconds from our clock."
        )
    try:
        sent = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRefused(f"{SIGNATURE_HEADER} is not base64.") from None
    for secret in secrets:
        expected = base64.b64decode(
            zendesk_signature(secret=secret, timestamp=timestamp, body=body)
        )
        if hmac.compare_digest(expected, sent):
            return True
    raise SignatureRefused("The signature does not match the body with any signing secret.")
