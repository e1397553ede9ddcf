"""The inbox (design §7): every inbound message is stored raw and acknowledged first, then
applied by a task. A duplicate (same partner, message id and body) is acknowledged again and
never applied twice; a row whose task was lost is picked up by the sweep."""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NoReturn

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.logs import message_context
from faults.models import Fault
from faults.services.held import fault_held, fault_held_forget, fault_held_settle
from faults.validators import is_valid_reference
from integrations.adapters import get_adapter
from integrations.broker import publish
from integrations.choices import InboundStatus
from integrations.models import BuyerIdentifier, InboundMessage, Partner
from integrations.packages import adapter_for

logger = logging.getLogger(__name__)
MAX_APPLY_ATTEMPTS = 5
_recording_history: ContextVar[bool] = ContextVar("inbox_recording_history", default=False)


@contextmanager
def inbox_recording_history() -> Iterator[None]:
    """Within this block, faults are being given a past (the demo data): a message stored is
    one that arrived when it was sent (its `sent_at`), and whoever stores it applies it at once,
    as of then; it is never queued (a task per message would only find it applied). The
    outbox's counterpart is `outbox_recording_history`."""
    token = _recording_history.set(True)
    try:
        yield
    finally:
        _recording_history.reset(token)


class UnknownFault(Exception):
    """The message names no fault the partner has under that buyer identifier: an unknown
    reference (ours or the partner's), or one of ours outside the documented rule (which no
    fault can have)."""


class WrongBuyerIdentifier(UnknownFault):
    """The partner has a fault with that reference, but it was raised under another buyer
    identifier: the message is not for that fault. `buyer_fault_reference` is the reference the
    message named, ours or the partner's."""

    def __init__(self, buyer_fault_reference: str, buyer_identifier: str) -> None:
        super().__init__(buyer_fault_reference)
        self.buyer_fault_reference = buyer_fault_reference
        self.buyer_identifier = buyer_identifier


@dataclass(frozen=True, kw_only=True)
class Received:
    """What the endpoint learnt of a message before storing it, whatever the protocol.

    Its subject, the fault, is named by one of:

    * `buyer_fault_reference`, ours: found while storing, in the one statement that stores
      (the hot path);
    * `partner_fault_reference`, the partner's (`Fault.maintainer_fault_reference`): found by a
      query of its own first;
    * neither (both None): a ticket the partner opened, stored with no fault, for the adapter to
      create one when it applies the message.

    A reference given but empty names no fault: refused like an unknown one. Given both, ours
    is the one looked up.

    A fault must have been raised under `buyer_identifier`, the buyer identifier code the message
    is addressed to; when the message does not say (None: an event carrying only a ticket id),
    under any of the partner's active buyer identifiers, the ones the edge would accept by name.
    With no subject, the edge has already checked a named code is one of the partner's active
    ones (`integrations.edge`); the inbox stores it as it is."""

    partner: Partner
    message_type: str
    message_id: str
    body: bytes
    buyer_identifier: str | None
    buyer_fault_reference: str | None = None
    partner_fault_reference: str | None = None
    sent_at: datetime | None = None
    remote_addr: str | None = None
    client_cert_fingerprint: str = ""
    deviations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Stored:
    inbound_id: int
    created: bool


# One statement finds the fault (the partner's, with that reference, raised under that buyer
# identifier, or under any of the partner's active ones when the message names none) and stores
# the message, or does nothing when there is no such fault or the message is a duplicate; only
# those rare cases take more queries.
_STORE_SQL = """
INSERT INTO {inbound} (partner_id, fault_id, message_type, message_id, body_sha256, body,
    sent_at, remote_addr, client_cert_fingerprint, deviations, status, attempts,
    duplicates_received, last_error, received_at)
SELECT %s, fault.id, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, '', %s
FROM {fault} AS fault
JOIN {buyer} AS buyer ON buyer.id = fault.buyer_identifier_id
WHERE fault.supplier_id = %s AND fault.buyer_fault_reference = %s AND {buyer_is}
ON CONFLICT (partner_id, message_id, body_sha256) DO NOTHING
RETURNING id, fault_id
"""
# The same with the fault already found (by the partner's reference), or none (a ticket the
# partner opened).
_BUYER_NAMED = "buyer.code = %s"
_BUYER_ANY = "buyer.partner_id = %s AND buyer.is_active"
_STORE_FOUND_SQL = """
INSERT INTO {inbound} (partner_id, fault_id, message_type, message_id, body_sha256, body,
    sent_at, remote_addr, client_cert_fingerprint, deviations, status, attempts,
    duplicates_received, last_error, received_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, '', %s)
ON CONFLICT (partner_id, message_id, body_sha256) DO NOTHING
RETURNING id, fault_id
"""


def _db(field_name: str, value: object) -> object:
    field_ = InboundMessage._meta.get_field(field_name)
    return field_.get_db_prep_save(value, connection)


def inbox_store(received: Received) -> Stored:
    """Store the message once and queue it for applying; a duplicate is counted, not stored.

    Raises UnknownFault when the partner has no fault with the message's reference, ours or its
    own (one of ours outside the documented rule included), WrongBuyerIdentifier when it has one
    but raised under another buyer identifier; nothing is stored then. A message naming no
    fault is stored with none."""
    by_ours = received.buyer_fault_reference is not None
    if by_ours and not is_valid_reference(received.buyer_fault_reference):
        raise UnknownFault(received.buyer_fault_reference)
    if received.partner_fault_reference == "":
        raise UnknownFault("")
    digest = hashlib.sha256(received.body).hexdigest()
    message_id = received.message_id[:100]
    history = _recording_history.get() and received.sent_at is not None
    received_at = received.sent_at if history else timezone.now()
    message = [
        received.message_type[:60],  # a partner's own event name, as long as it likes
        message_id,
        digest,
        _db("body", received.body),
        _db("sent_at", received.sent_at),
        received.remote_addr,
        received.client_cert_fingerprint,
        _db("deviations", received.deviations),
        InboundStatus.RECEIVED,
        _db("received_at", received_at),
    ]
    if by_ours:
        named = received.buyer_identifier is not None
        sql = _STORE_SQL.replace("{buyer_is}", _BUYER_NAMED if named else _BUYER_ANY)
        params = [
            received.partner.pk,
            *message,
            received.partner.pk,
            received.buyer_fault_reference,
            received.buyer_identifier if named else received.partner.pk,
        ]
    else:
        fault_id = None
        if received.partner_fault_reference is not None:
            fault_id = _fault_by_partner_reference(received)
        sql = _STORE_FOUND_SQL
        params = [received.partner.pk, fault_id, *message]
    sql = sql.format(
        inbound=connection.ops.quote_name(InboundMessage._meta.db_table),
        fault=connection.ops.quote_name(Fault._meta.db_table),
        buyer=connection.ops.quote_name(BuyerIdentifier._meta.db_table),
    )
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is not None:
        inbound_id, of_fault = row
        if not history:
            # With its fault: queued only if the fault has no task waiting (`ApplyInboundTask`).
            transaction.on_commit(lambda: enqueue_apply(inbound_id, of_fault))
        return Stored(inbound_id, True)
    duplicate = InboundMessage.objects.filter(
        partner=received.partner, message_id=message_id, body_sha256=digest
    )
    if not duplicate.update(duplicates_received=F("duplicates_received") + 1):
        # Only the one statement of our reference can store nothing but a duplicate.
        _raise_not_stored(
            received,
            Fault.objects.filter(
                supplier=received.partner, buyer_fault_reference=received.buyer_fault_reference
            ),
            received.buyer_fault_reference,
        )
    return Stored(duplicate.values_list("id", flat=True).get(), False)


def _fault_by_partner_reference(received: Received) -> int:
    """The partner's fault with its reference, raised under the message's buyer identifier (any
    of the partner's active ones when it names none). Should two carry it, the latest raised:
    the reference can only be about that one now."""
    faults = Fault.objects.filter(
        supplier=received.partner, maintainer_fault_reference=received.partner_fault_reference
    )
    if received.buyer_identifier is None:
        under = {"buyer_identifier__partner": received.partner, "buyer_identifier__is_active": True}
    else:
        under = {"buyer_identifier__code": received.buyer_identifier}
    fault_id = faults.filter(**under).order_by("-pk").values_list("pk", flat=True).first()
    if fault_id is None:
        _raise_not_stored(received, faults, received.partner_fault_reference)
    return fault_id


def _raise_not_stored(received: Received, with_reference: QuerySet, reference: str) -> NoReturn:
    """Why a message that is no duplicate found no fault (the refusal's wording differs)."""
    if with_reference.exists():
        raise WrongBuyerIdentifier(reference, received.buyer_identifier)
    raise UnknownFault(reference)


def enqueue_apply(inbound_id: int, fault_id: int | None = None) -> bool:
    """Queue the message's apply task; given its fault, only when the fault has none queued
    (`integrations.tasks.ApplyInboundTask`)."""
    from integrations.tasks import apply_inbound

    return publish(apply_inbound, inbound_id, *([fault_id] if fault_id is not None else []))


# How many of a fault's waiting messages one transaction applies: a burst is applied a batch
# at a time, without holding the fault's lock for long.
APPLY_BATCH = 50
# A fault whose apply task is queued and not started yet is marked in the broker's Redis for
# this long at most: its other messages queue no task of their own (`inbox_mark_queued`). The
# task clears the mark as it starts, so this bounds only a task that never starts (a lost
# publish: the inbox sweep queues its messages meanwhile). At 60 s, a burst that waited longer
# than that in the queue queued up to three tasks per fault (`make bench`, webhook backlog).
QUEUED_MARK_SECONDS = 300


def inbox_apply(*, inbound_id: int) -> str | None:
    """Apply the message and those of its fault still waiting, each at most once: a message's
    row is locked, re-checked and marked applied in the same transaction as its domain change.
    Returns the message's status when this call applied (or tried) it, None when it was no
    longer waiting.

    Messages about one fault are applied one at a time and in the order they were stored, as
    one worker would. So the fault's row is locked first, then its waiting messages are applied
    in order, `APPLY_BATCH` to a transaction, until none is left: a burst of one fault's
    messages is applied by the first task to start, and the others find nothing to do (or were
    never queued: `inbox_mark_queued`). The fault's queued mark is cleared before the messages
    are read, so a message stored after that queues a task of its own. Two workers may pick up
    two tasks of a fault at once: the second waits for the fault's lock, then finds the
    messages applied. A message the partner sent earlier but that arrived later is the supplier
    path's to judge (an older status is recorded as stale, not applied). A message that fails
    is left for a later attempt (the sweep) and the next ones are applied, as before."""
    found = list(
        InboundMessage.objects.filter(pk=inbound_id).values_list("fault_id", "status")
    )  # outside a transaction: the task of a message applied already costs this query
    if not found:
        return None
    fault_id, status = found[0]
    if fault_id is None:  # a ticket the partner opened: no fault to hold yet
        if status != InboundStatus.RECEIVED:
            return None
        with transaction.atomic():
            message = _locked(InboundMessage.objects.filter(pk=inbound_id)).first()
            if message is None:
                return None
            _apply_batch([message])
            return message.status
    inbox_clear_queued_mark(fault_id)
    waiting = InboundMessage.objects.filter(fault_id=fault_id, status=InboundStatus.RECEIVED)
    if status != InboundStatus.RECEIVED and not waiting.exists():
        return None
    result, after = None, 0
    while True:
        with transaction.atomic(), fault_held(fault_id):
            list(Fault.objects.select_for_update().filter(pk=fault_id).values_list("pk"))
            batch = list(_locked(waiting.filter(pk__gt=after)).order_by("id")[:APPLY_BATCH])
            if not batch:
                return result
            _apply_batch(batch)
        after = batch[-1].pk  # past those that failed: they wait for a later attempt
        result = next((m.status for m in batch if m.pk == inbound_id), result)


def _queued_marks():
    """The broker's Redis, for the queued marks; None with another broker (the embedded one:
    every message queues its own task)."""
    from celery import current_app

    url = current_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = _mark_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _mark_clients[url] = client
    return client


_mark_clients: dict[str, object] = {}


def _queued_mark_key(fault_id: int) -> str:
    return f"noc:inbox:queued:{connection.settings_dict['NAME']}:{fault_id}"


def inbox_mark_queued(fault_id: int) -> bool:
    """Mark the fault as having an apply task queued; False when it had one already (queued, not
    started: that task will apply this message too), True when a task must be queued (or no
    mark could be kept: queue one anyway)."""
    marks = _queued_marks()
    if marks is None:
        return True
    try:
        return bool(marks.set(_queued_mark_key(fault_id), 1, nx=True, ex=QUEUED_MARK_SECONDS))
    except Exception:
        logger.debug("queued mark not set for fault %s", fault_id, exc_info=True)
        return True


def inbox_clear_queued_mark(fault_id: int) -> None:
    marks = _queued_marks()
    if marks is None:
        return
    try:
        marks.delete(_queued_mark_key(fault_id))
    except Exception:  # the mark expires on its own; meanwhile the sweep covers the fault
        logger.warning("queued mark of fault %s not cleared", fault_id, exc_info=True)


def _locked(messages: QuerySet) -> QuerySet:
    """The messages still waiting, locked (their partner read along)."""
    return (
        messages.filter(status=InboundStatus.RECEIVED)
        .select_for_update(of=("self",))
        .select_related("partner")
    )


def _apply_batch(messages: list[InboundMessage]) -> None:
    """Apply locked waiting messages in order, each all or nothing (a failing one is rolled back
    alone, and left waiting, or failed for good after `MAX_APPLY_ATTEMPTS`), then mark them,
    the applied ones in one UPDATE."""
    failures = _applied_together(messages)
    if failures is None:
        failures = _applied_one_by_one(messages)
    applied_at = F("received_at") if _recording_history.get() else timezone.now()
    applied = [message.pk for message in messages if message.pk not in failures]
    if applied:
        InboundMessage.objects.filter(pk__in=applied).update(
            status=InboundStatus.APPLIED,
            attempts=F("attempts") + 1,
            last_error="",
            applied_at=applied_at,
        )
    for message in messages:
        message.attempts += 1
        if message.pk in failures:
            message.last_error = failures[message.pk]
            if message.attempts >= MAX_APPLY_ATTEMPTS:
                message.status = InboundStatus.FAILED
            message.save(update_fields=["status", "attempts", "last_error"])
        else:
            message.status = InboundStatus.APPLIED
            message.last_error = ""


def _applied_together(messages: list[InboundMessage]) -> dict[int, str] | None:
    """Apply a burst in one savepoint when every message's adapter applies locally
    (`PartnerAdapter.inbound_apply_is_local`): two round trips fewer per message than a
    savepoint each (SAVEPOINT, RELEASE: two of a CityFibre notification's five queries, issue
    17). Returns no failures, or None when a message failed: then all of them were undone (with
    the on-commit work they registered) and are for `_applied_one_by_one` to apply again, which
    finds and records the failing one."""
    adapters = [adapter_for(message.partner.protocol) for message in messages]
    if len(messages) < 2 or not all(a is not None and a.inbound_apply_is_local for a in adapters):
        return None  # (a protocol without an enabled package fails its message one by one)
    try:
        with transaction.atomic():
            for message, adapter in zip(messages, adapters, strict=True):
                with message_context(message):
                    adapter.apply_inbound(message)
                fault_held_settle()
    except Exception:
        fault_held_forget()
        logger.info("A burst of %d messages is applied again one by one", len(messages))
        return None
    return {}


def _applied_one_by_one(messages: list[InboundMessage]) -> dict[int, str]:
    """Apply each message in a savepoint of its own; the failures, by message id. A message is
    tried once per call: an adapter may call the partner (a TMF621 fetch), so a failure is
    never retried in the same breath."""
    failures = {}
    for message in messages:
        with message_context(message):
            try:
                with transaction.atomic():
                    get_adapter(message.partner.protocol).apply_inbound(message)
            except Exception as exc:
                fault_held_forget()
                logger.exception("Applying %s failed", message)
                failures[message.pk] = f"{type(exc).__name__}: {exc}"
            else:
                fault_held_settle()
    return failures


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


@transaction.atomic
def inbox_retry(*, inbound_ids: list[int]) -> int:
    """Give failed messages a fresh set of attempts (the admin's "Apply again"); the others are
    left as they are. Returns how many were queued. The row's last error stays until an attempt
    succeeds."""
    ids = list(
        InboundMessage.objects.select_for_update()
        .filter(pk__in=inbound_ids, status=InboundStatus.FAILED)
        .values_list("id", flat=True)
    )
    InboundMessage.objects.filter(pk__in=ids).update(status=InboundStatus.RECEIVED, attempts=0)
    for inbound_id in ids:
        transaction.on_commit(lambda inbound_id=inbound_id: enqueue_apply(inbound_id))
    return len(ids)
