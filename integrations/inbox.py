"""The inbox (design §7): every inbound message is stored raw and acknowledged first, then
applied by a task. A duplicate (same partner, message id and body) is acknowledged again and
never applied twice; a row whose task was lost is picked up by the sweep."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from faults.models import Fault
from integrations.adapters import get_adapter
from integrations.broker import publish
from integrations.choices import InboundStatus
from integrations.models import InboundMessage, Partner

logger = logging.getLogger(__name__)
MAX_APPLY_ATTEMPTS = 5


@dataclass(frozen=True)
class Received:
    """What the endpoint learnt of a message before storing it."""

    partner: Partner
    message_type: str
    message_id: str
    body: bytes
    fault: Fault | None = None
    sent_at: datetime | None = None
    remote_addr: str | None = None
    client_cert_fingerprint: str = ""
    deviations: list[str] = field(default_factory=list)


def inbox_store(received: Received) -> tuple[InboundMessage, bool]:
    """Store the message once; returns the row and whether it is new."""
    digest = hashlib.sha256(received.body).hexdigest()
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                partner=received.partner,
                fault=received.fault,
                message_type=received.message_type,
                message_id=received.message_id[:100],
                body_sha256=digest,
                body=received.body,
                sent_at=received.sent_at,
                remote_addr=received.remote_addr,
                client_cert_fingerprint=received.client_cert_fingerprint,
                deviations=received.deviations,
            )
    except IntegrityError:
        message = InboundMessage.objects.get(
            partner=received.partner, message_id=received.message_id[:100], body_sha256=digest
        )
        InboundMessage.objects.filter(pk=message.pk).update(
            duplicates_received=F("duplicates_received") + 1
        )
        return message, False
    transaction.on_commit(lambda: enqueue_apply(message.pk))
    return message, True


def enqueue_apply(inbound_id: int) -> bool:
    from integrations.tasks import apply_inbound

    return publish(apply_inbound, inbound_id)


@transaction.atomic
def inbox_apply(*, inbound_id: int) -> str | None:
    """Apply one stored message, at most once: the row is locked, re-checked and marked applied
    in the same transaction as the domain change."""
    message = (
        InboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("partner")
        .filter(pk=inbound_id, status=InboundStatus.RECEIVED)
        .first()
    )
    if message is None:
        return None
    message.attempts += 1
    try:
        with transaction.atomic():
            get_adapter(message.partner.protocol).apply_inbound(message)
    except Exception as exc:
        logger.exception("Applying %s failed", message)
        message.last_error = f"{type(exc).__name__}: {exc}"
        if message.attempts >= MAX_APPLY_ATTEMPTS:
            message.status = InboundStatus.FAILED
    else:
        message.status = InboundStatus.APPLIED
        message.applied_at = timezone.now()
        message.last_error = ""
    message.save(update_fields=["status", "attempts", "last_error", "applied_at"])
    return message.status


def inbox_sweep(
    *, now: datetime | None = None, older_than: timedelta = timedelta(seconds=30), limit: int = 500
) -> int:
    """Queue again the messages still unapplied a while after they arrived."""
    now = now or timezone.now()
    stuck = list(
        InboundMessage.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=now - older_than
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for inbound_id in stuck:
        enqueue_apply(inbound_id)
    return len(stuck)
