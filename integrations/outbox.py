"""The outbox (design §7): a message row written with the domain change that causes it,
delivered after commit, retried with backoff, delivered per (partner, fault) in the order
written. `outbox_enqueue` is the way in for any partner; `outbox_partner_call` is the fault
port's handler (a call to the fault's supplier)."""

import logging
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.logs import message_context
from faults.choices import EventKind, PartnerOperation
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from integrations.adapters import RequestCannotBeSent, RequestNotReady, get_adapter
from integrations.broker import publish
from integrations.choices import OUTBOUND_UNFINISHED, OutboundStatus
from integrations.http import CallResult, OutboundRequest, Outcome, send
from integrations.models import OutboundMessage, Partner
from ops.metrics import outbound_attempt

logger = logging.getLogger(__name__)
MAX_STORED_RESPONSE = 20_000
# Kept where the page never shows it (the response body): a history message is not an error.
HISTORY_NOTE = "history: recorded as delivered, never sent"
_recording_history: ContextVar[bool] = ContextVar("outbox_recording_history", default=False)


@contextmanager
def outbox_recording_history() -> Iterator[None]:
    """Within this block, faults are being given a past (the demo data): the messages their
    changes ask for are stored as delivered at the time of the change, in one attempt, and never
    published; written, updated and delivered all read as that time, as they would have.
    Without it, such messages would be queued and then found already done, one task each."""
    token = _recording_history.set(True)
    try:
        yield
    finally:
        _recording_history.reset(token)


def new_message_id() -> str:
    return str(uuid.uuid4())


def outbox_partner_call(
    *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
) -> OutboundMessage:
    """The handler behind `faults.ports.request_partner_call`: builds the supplier's message
    now, inside the caller's transaction, so the row exists if and only if the change does."""
    partner = fault.supplier
    message_id = new_message_id()
    request = get_adapter(partner.protocol).build_outbound(
        fault=fault, operation=operation, payload=payload, message_id=message_id, at=at
    )
    return outbox_enqueue(
        partner=partner,
        fault=fault,
        operation=operation,
        payload=payload,
        request=request,
        at=at,
        message_id=message_id,
    )


def outbox_enqueue(
    *,
    partner: Partner,
    fault: Fault | None = None,
    operation: str,
    payload: dict[str, Any],
    request: OutboundRequest,
    at: datetime,
    message_id: str | None = None,
    held_until: datetime | None = None,
) -> OutboundMessage:
    """Queue a request to any partner, about a fault or not: the one way a message enters the
    outbox (the fault port's handler above, a domain-event subscriber's delivery to a hub).

    Call it inside the transaction of the change that causes the message: the row commits or
    rolls back with it, and is sent after commit. The request is stored as built and every
    attempt sends exactly it. `message_id` is ours for the message (unique; give the one the
    body carries, from `new_message_id()`, or let one be made). Messages of one (partner, fault)
    are delivered in the order written; other partners' messages about the same fault do not
    wait for them. A message to the fault's supplier is also recorded on the fault's timeline.

    `held_until`: a body that can only be finished once the change has committed (the TMF621
    hub's events carry the ticket as committed). No sender takes the message before that time
    unless `outbox_release` gives its final body first (right after the commit); should the
    release never come, it is sent as written once the hold ends."""
    if not isinstance(request.body, str):
        raise TypeError("OutboundRequest.body is stored as text: encode binary content first.")
    message_id = message_id or new_message_id()
    history = _recording_history.get()
    message = OutboundMessage.objects.create(
        partner=partner,
        fault=fault,
        operation=operation,
        message_type=request.message_type,
        message_id=message_id,
        payload=payload,
        method=request.method,
        path=request.path,
        query=dict(request.query),
        headers=dict(request.headers),
        content_type=request.content_type,
        body=request.body,
        next_attempt_at=at if history else (held_until or timezone.now()),
        **(
            {
                "status": OutboundStatus.DELIVERED,
                "attempts": 1,
                "delivered_at": at,
                "response_body": HISTORY_NOTE,
            }
            if history
            else {}
        ),
    )
    if history:  # created_at and updated_at are set by the database clock on create
        OutboundMessage.objects.filter(pk=message.pk).update(created_at=at, updated_at=at)
        message.created_at = message.updated_at = at
    if fault is not None and fault.supplier_id == partner.pk:
        fault_event_record(
            fault=fault,
            kind=EventKind.PARTNER_CALL,
            actor=Actor.system("outbox"),
            at=at,
            message=f"{request.message_type} {message_id} queued for {partner}",
            data={"operation": str(operation), "payload": payload, "outbound_id": message.pk},
        )
    if not history:
        transaction.on_commit(lambda: enqueue_delivery(message.pk))
    return message


def outbox_release(*, outbound_id: int, body: str) -> bool:
    """The final body of a message written held (`outbox_enqueue(held_until=…)`), due at once.
    Only while no sender has taken it (pending, never attempted): False when it is too late,
    and what was written is sent. Call it after the commit, before its delivery is queued."""
    released = OutboundMessage.objects.filter(
        pk=outbound_id, status=OutboundStatus.PENDING, attempts=0
    ).update(body=body, next_attempt_at=timezone.now())
    return bool(released)


def outbox_take_back(*, outbound_ids: list[int], fault_id: int, message_type: str) -> int:
    """Messages the change being made wrote and no longer asks for (the TMF621 hub's event for a
    draft that the same change raised): deleted, as if never written. Call it only inside the
    transaction that wrote them, before anyone could see them; only unsent ones of that fault
    and message type are deleted (an id remembered from a change that rolled back may have been
    given again). Returns how many."""
    deleted, _ = OutboundMessage.objects.filter(
        pk__in=outbound_ids,
        fault_id=fault_id,
        message_type=message_type,
        status=OutboundStatus.PENDING,
        attempts=0,
    ).delete()
    return deleted


def enqueue_delivery(outbound_id: int) -> bool:
    from integrations.tasks import deliver_outbound

    return publish(deliver_outbound, outbound_id)


def backoff(partner: Partner, attempts: int) -> timedelta:
    """Exponential backoff with full jitter between half and one and a half times the step."""
    step = min(partner.retry_max_seconds, partner.retry_base_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=step * random.uniform(0.5, 1.5))


def _line_of(fault_id: int) -> list[int]:
    """The faults whose earlier messages a message about `fault_id` waits for: its own, and its
    parent's (a mass incident's child names its parent, which the supplier must know first: the
    protocols' parentFaultReference is "a pre-existing related fault")."""
    parent_id = Fault.objects.filter(pk=fault_id).values_list("parent_id", flat=True).first()
    return [fault_id] if parent_id is None else [fault_id, parent_id]


@transaction.atomic
def _claim(outbound_id: int, now: datetime) -> OutboundMessage | None:
    message = (
        OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("partner", "fault")  # the fault's reference for the log lines
        .filter(pk=outbound_id, status=OutboundStatus.PENDING, next_attempt_at__lte=now)
        .first()
    )
    if message is None or message.partner.credentials_broken_at is not None:
        return None
    if message.fault_id is not None:
        earlier = OutboundMessage.objects.filter(
            fault_id__in=_line_of(message.fault_id),
            partner_id=message.partner_id,
            id__lt=message.pk,
            status__in=OUTBOUND_UNFINISHED,
        )
        if earlier.exists():
            return None  # the earlier one's delivery queues this one after it
    lease = timedelta(seconds=(message.partner.connect_timeout + message.partner.read_timeout) * 2)
    message.status = OutboundStatus.SENDING
    message.attempts = F("attempts") + 1
    message.lease_expires_at = now + lease
    message.save(update_fields=["status", "attempts", "lease_expires_at", "updated_at"])
    message.refresh_from_db(fields=["attempts"])
    return message


def outbox_deliver(*, outbound_id: int, now: datetime | None = None) -> str | None:
    """Send one message if it is due and first in its (partner, fault) line; returns its new
    status. The stored request is sent as built, completed by the adapter's `prepare_request`
    for this attempt; the adapter may classify the answer before the spine's default does."""
    message = _claim(outbound_id, now or timezone.now())
    if message is None:
        return None
    with message_context(message):
        return _deliver(message)


def _deliver(message: OutboundMessage) -> str:
    try:
        adapter = get_adapter(message.partner.protocol)
        result = send(message.partner, adapter.prepare_request(message, message.request))
        classified = adapter.classify(message, result)
        if isinstance(classified, CallResult):
            result = classified
        elif classified is not None:
            result = replace(result, outcome=Outcome(classified))
    except RequestNotReady as exc:
        result = CallResult(Outcome.RETRY, None, b"", f"not ready to send: {exc}")
    except RequestCannotBeSent as exc:
        result = CallResult(Outcome.FINAL, None, b"", f"not sent: {exc}")
    except Exception as exc:
        logger.exception("Sending %s failed", message)
        result = CallResult(Outcome.RETRY, None, b"", f"{type(exc).__name__}: {exc}")
    status = _record(message.pk, result)
    if status in (OutboundStatus.DELIVERED, OutboundStatus.REFUSED, OutboundStatus.DEAD):
        _queue_next_in_line(message)
    return status


@transaction.atomic
def _record(outbound_id: int, result: CallResult) -> str:
    message = (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=outbound_id)
    )
    now = timezone.now()
    adapter = get_adapter(message.partner.protocol)
    message.response_code = result.status_code
    message.response_body = result.body[:MAX_STORED_RESPONSE].decode("utf-8", "replace")
    message.lease_expires_at = None
    message.last_error = result.error
    answer = f"HTTP {result.status_code}" if result.status_code is not None else "no answer"
    if result.outcome == Outcome.DELIVERED:
        message.status = OutboundStatus.DELIVERED
        message.delivered_at = now
        adapter.on_delivered(message, result)
    elif result.outcome == Outcome.FINAL:
        message.status = OutboundStatus.REFUSED
        message.last_error = result.error or f"refused with {answer}"
        adapter.on_refused(message, result)
    elif result.outcome == Outcome.CREDENTIALS_REFUSED:
        # Not this message's fault: it waits, with the partner's other messages, for new
        # credentials instead of burning its attempts.
        # What the session's auth said, when the refusal came before the call (no secret set,
        # a token endpoint's 401), is kept: it is what an admin must fix.
        detail = f": {result.error}" if result.error else ""
        partner_credentials_refused(
            partner_id=message.partner_id,
            reason=f"{answer} to {message.message_type} {message.message_id}{detail}",
            at=now,
        )
        message.status = OutboundStatus.PENDING
        message.attempts = max(message.attempts - 1, 0)
        message.next_attempt_at = now
        message.last_error = f"the partner refused our credentials ({answer}){detail}"
    elif message.attempts >= message.partner.max_attempts:
        message.status = OutboundStatus.DEAD
    else:
        message.status = OutboundStatus.PENDING
        message.next_attempt_at = now + backoff(message.partner, message.attempts)
    message.save()
    _count_attempt(message, result)
    return message.status


def _count_attempt(message: OutboundMessage, result: CallResult) -> None:
    """The attempt's outcome and a delivery's latency (creation to acceptance), for /metrics
    (ops.metrics), once the change is committed."""
    if result.outcome == Outcome.CREDENTIALS_REFUSED:
        outcome = "credentials_refused"
    else:
        outcome = {OutboundStatus.PENDING: "retry"}.get(message.status, message.status)
    latency = (
        (message.delivered_at - message.created_at).total_seconds()
        if message.status == OutboundStatus.DELIVERED
        else None
    )
    transaction.on_commit(partial(outbound_attempt, message.partner.slug, outcome, latency))


def _queue_next_in_line(message: OutboundMessage) -> None:
    """The message's line is its (partner, fault): the next one waiting in it goes now, and the
    first waiting message of each of the fault's children."""
    if message.fault_id is None:
        return
    following = (
        OutboundMessage.objects.filter(
            fault_id=message.fault_id,
            partner_id=message.partner_id,
            id__gt=message.pk,
            status=OutboundStatus.PENDING,
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if following is not None:
        enqueue_delivery(following)
    # The children's messages written after this one waited for it (`_line_of`): the first of
    # each child goes now.
    waiting = (
        OutboundMessage.objects.filter(
            fault__parent_id=message.fault_id,
            partner_id=message.partner_id,
            id__gt=message.pk,
            status=OutboundStatus.PENDING,
        )
        .order_by("id")
        .values_list("fault_id", "id")
    )
    for outbound_id in dict(reversed(list(waiting))).values():
        enqueue_delivery(outbound_id)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Give back rows whose sender died (lease expired) and queue every due row again: after a
    broker outage this is what sends what was written meanwhile."""
    now = now or timezone.now()
    OutboundMessage.objects.filter(status=OutboundStatus.SENDING, lease_expires_at__lt=now).update(
        status=OutboundStatus.PENDING, lease_expires_at=None, next_attempt_at=now
    )
    due = list(
        OutboundMessage.objects.filter(
            status=OutboundStatus.PENDING,
            next_attempt_at__lte=now,
            partner__credentials_broken_at__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for outbound_id in due:
        enqueue_delivery(outbound_id)
    return len(due)


def outbox_retry(*, outbound_ids: list[int]) -> int:
    """Give dead (or refused) messages a fresh set of attempts: the admin's and the UI's
    retry button. Only messages an agent can act on (`agent_can_act`, dismissed or not): a
    refused raise stays as it is, since sending it again would raise a fault the supplier has
    rejected. Returns how many were queued."""
    now = timezone.now()
    ids = list(
        OutboundMessage.objects.agent_can_act()
        .filter(pk__in=outbound_ids)
        .values_list("id", flat=True)
    )
    OutboundMessage.objects.filter(pk__in=ids).update(
        status=OutboundStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        dismissed_at=None,
        dismissed_by=None,
    )
    for outbound_id in ids:
        transaction.on_commit(lambda outbound_id=outbound_id: enqueue_delivery(outbound_id))
    return len(ids)


@transaction.atomic
def outbox_dismiss(*, outbound_ids: list[int], user: AbstractBaseUser, at: datetime) -> int:
    """An agent has dealt with dead or refused messages another way (the supplier was told,
    or nothing needs sending any more): they leave the queue, and the fault's audit trail
    records who dismissed which message and when (a later retry clears the row's mark, not
    the record). Returns how many were dismissed (already dismissed ones and those that need no
    agent, a refused raise among them, are left as they are)."""
    messages = list(
        OutboundMessage.objects.needing_agent()
        .select_for_update()
        .filter(pk__in=outbound_ids)
        .only("pk", "fault_id", "operation", "message_type", "message_id", "status")
        .order_by("pk")
    )
    OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        dismissed_at=at, dismissed_by=user
    )
    faults = Fault.objects.in_bulk({m.fault_id for m in messages if m.fault_id})
    for message in messages:
        if message.fault_id is None:
            continue
        fault_event_record(
            fault=faults[message.fault_id],
            kind=EventKind.MESSAGE_DISMISSED,
            actor=Actor.for_user(user),
            at=at,
            message=(
                f"{_operation_label(message.operation)} ({message.message_type}, message "
                f"{message.message_id}), {message.get_status_display().lower()}: dismissed, "
                "dealt with another way"
            ),
            data={"outbound_id": message.pk, "status": message.status},
        )
    return len(messages)


def outbox_withdraw(
    *, partner_id: int, reason: str, user: AbstractBaseUser | None, at: datetime
) -> int:
    """The partner no longer wants what still waits for it (a subscriber that unsubscribed):
    its pending messages are not sent. They stay, as refused with the reason, and dismissed, so
    that nobody is asked to act on them (`needing_agent`) and the admin still shows what was
    never sent. One being sent at this moment finishes its attempt. Returns how many."""
    return OutboundMessage.objects.filter(
        partner_id=partner_id, status=OutboundStatus.PENDING
    ).update(
        status=OutboundStatus.REFUSED,
        last_error=reason,
        lease_expires_at=None,
        dismissed_at=at,
        dismissed_by=user,
        updated_at=at,
    )


def _operation_label(operation: str) -> str:
    return PartnerOperation(operation).label if operation in PartnerOperation.values else operation


def partner_credentials_refused(*, partner_id: int, reason: str, at: datetime) -> None:
    """The partner refused our credentials (a 401, or what its adapter classifies so) on any
    call of ours: nothing more is sent to it (outbox deliveries wait, appointment calls are
    refused) until an admin restores the credentials."""
    Partner.objects.filter(pk=partner_id).update(
        credentials_broken_at=at, credentials_broken_reason=reason
    )


def partner_credentials_restored(*, partner_id: int) -> int:
    """An admin fixed the partner's credentials: clear the flag and send what waited."""
    Partner.objects.filter(pk=partner_id).update(
        credentials_broken_at=None, credentials_broken_reason=""
    )
    return outbox_sweep()
