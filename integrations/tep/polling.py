"""Receiving from TEP by polling (a partner whose `TepConnection.receive_mode` is `polling`):
GetTicket, the message stored in the inbox exactly as our hosted PostTicket stores it
(`received`), then ReportTicketResult; and GetReceipt, each receipt recorded on the message of
ours it is about (`receipts.record_receipt`).

The seed allows each poll at most once every 60 seconds per partner. Beat runs
`tasks.poll_tep_partners` every 60 s (the package's `Poll`), but two beats, a slow worker or a
redelivered task could still call twice within the minute; so each call first claims its slot
on the partner's `TepConnection` under a row lock: the call is made only when the last one
(`last_ticket_poll_at`, `last_receipt_poll_at`) is at least `MIN_INTERVAL` old, and the slot is
taken whether the call then succeeds or not. TEP times the calls as they reach it, and one call
can take longer on the way than the next: so the slot is kept a `MARGIN` longer than the limit,
or a call made 60.0 s after the last by our clock could reach TEP in 59.9 and be refused. A
partner of the "Local simulator" environment may
be polled as often as `settings.TEP_SIMULATOR_POLL_SECONDS` says (the demo and the end-to-end
tests, whose simulator is told the same limit), never a partner of any other environment.

What ReportTicketResult says of a message:

* Success: stored in the inbox, and the storing transaction committed (or stored before: a
  redelivery), never sooner; the inbox applies it afterwards;
* Failure: a message we cannot read (an answer that breaks our contract, whose MessageID we can
  still read);
* NotFound: an Update or Add naming a ticket we do not have (purged, or never ours);
* Unavailable: a temporary problem (the database, an attachment it names that TEP would not
  give us just now, or the ticket's New not applied yet); TEP returns the message again on a
  later GetTicket.

The attachments a ticket names are fetched from TEP (GetAttachment) before the ticket is
stored, so that its apply step finds them (`received.stored_attachment`).

If the report itself is lost, TEP returns the same message again: it is recognised as a
duplicate by its SystemTransactionID and reported again."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from lxml import etree
from zeep.exceptions import Error as ZeepError

from integrations.choices import Environment
from integrations.inbox import UnknownFault
from integrations.models import Partner
from integrations.tep import client, messages, operations, received
from integrations.tep.faults import TepFault
from integrations.tep.messages import ProcessingStatus, TicketMessageProcessingResult
from integrations.tep.models import ReceiveMode, TepConnection
from integrations.tep.namespaces import TYPES_NS
from integrations.xml import XmlRejected, parse_xml

logger = logging.getLogger(__name__)

LIMIT = timedelta(seconds=60)  # the seed's
MARGIN = timedelta(seconds=1)  # for a call slower on the way than the one before
MIN_INTERVAL = LIMIT + MARGIN
RECEIPTS_PER_CALL = 20  # the seed's maximum Count
TICKET_SLOT = "last_ticket_poll_at"
RECEIPT_SLOT = "last_receipt_poll_at"
# What a call to TEP can fail with, beyond a fault it answers.
CALL_ERRORS = (requests.RequestException, ZeepError, client.ResponseInvalid, TepFault)


def polling_partner_ids() -> list[int]:
    """The active TEP partners that receive by polling."""
    return list(
        TepConnection.objects.filter(
            receive_mode=ReceiveMode.POLLING, partner__is_active=True, partner__protocol="tep"
        )
        .order_by("partner_id")
        .values_list("partner_id", flat=True)
    )


def min_interval(environment: str) -> timedelta:
    """How long a partner of `environment` must be left between two calls of one kind."""
    if environment == Environment.SIMULATOR:
        return timedelta(seconds=settings.TEP_SIMULATOR_POLL_SECONDS) + MARGIN
    return MIN_INTERVAL


def claim_slot(partner_id: int, slot: str, now: datetime) -> bool:
    """Take the partner's slot for one call (`TICKET_SLOT` or `RECEIPT_SLOT`) if its last call is
    at least `min_interval` old, under the connection's row lock; False: not yet (or the partner
    no longer polls)."""
    with transaction.atomic():
        tep = (
            TepConnection.objects.select_for_update(of=("self",))
            .filter(
                partner_id=partner_id, receive_mode=ReceiveMode.POLLING, partner__is_active=True
            )
            .first()
        )
        if tep is None:
            return False
        last = getattr(tep, slot)
        environment = Partner.objects.values_list("environment", flat=True).get(pk=partner_id)
        if last is not None and now - last < min_interval(environment):
            return False
        setattr(tep, slot, now)
        tep.save(update_fields=[slot])
        return True


@dataclass(frozen=True)
class PollResult:
    """What one poll of a partner did. `ticket`: the ProcessingStatus reported, "none" when no
    message waited, "unreported" when one could not be reported, None when GetTicket was not
    called (its slot not free); `receipts`: how many were received, None when not called."""

    ticket: str | None = None
    receipts: int | None = None


def poll_partner(partner_id: int, *, now: Callable[[], datetime] = timezone.now) -> PollResult:
    """One poll of one partner: GetTicket (and its report), then GetReceipt, each only if its
    slot is free. Runs outside any transaction: Success is reported after the inbox commit."""
    if connection.in_atomic_block:
        raise RuntimeError("poll_partner runs outside a transaction (Success after the commit)")
    partner = Partner.objects.filter(pk=partner_id, is_active=True).first()
    if partner is None:
        return PollResult()
    ticket = poll_ticket(partner) if claim_slot(partner_id, TICKET_SLOT, now()) else None
    receipts = poll_receipts(partner) if claim_slot(partner_id, RECEIPT_SLOT, now()) else None
    return PollResult(ticket=ticket, receipts=receipts)


def poll_ticket(partner: Partner) -> str:
    """GetTicket, the message stored, and ReportTicketResult; returns what was reported."""
    op = operations.TEP_OPERATIONS["GetTicket"]
    proxy = client.tep_client(partner, "ticket")
    try:
        with proxy._client.settings(raw_response=True):
            response = proxy[op.name]()
    except CALL_ERRORS as exc:
        logger.warning("GetTicket for %s failed: %s", partner, exc)
        return "unreported"
    try:
        answer = client.read_answer(op, response)
    except client.ResponseInvalid as exc:
        message_id, reference = _salvage(response.content)
        logger.warning("GetTicket for %s answered a message we cannot read: %s", partner, exc)
        if message_id is None:
            return "unreported"
        return report(partner, message_id, reference, ProcessingStatus.FAILURE)
    except CALL_ERRORS as exc:
        logger.warning("GetTicket for %s failed: %s", partner, exc)
        return "unreported"
    if answer is None:
        return "none"
    status, reference = take_ticket(partner, answer.ticket.to_element())
    return report(partner, answer.message_id, reference, status)


def take_ticket(partner: Partner, ticket: etree._Element) -> tuple[ProcessingStatus, str]:
    """Fetch the attachments it names, store the ticket message in the inbox and commit; what
    to report, and the reference."""
    facts = received.ticket_facts(ticket)
    their_reference = facts.receiver_reference or facts.sender_reference or ""
    try:
        fetch_attachments(partner, messages.Ticket.from_element(ticket))
    except CALL_ERRORS as exc:
        # TEP gives the message again later, and the attachment is fetched then.
        logger.warning("GetAttachment for %s failed: %s", partner, exc)
        return ProcessingStatus.UNAVAILABLE, their_reference
    except DatabaseError:
        logger.exception("Storing an attachment of %s failed", partner)
        return ProcessingStatus.UNAVAILABLE, their_reference
    try:
        with transaction.atomic():
            stored = received.store_ticket(partner, ticket)
    except received.TicketNotYetKnown:
        return ProcessingStatus.UNAVAILABLE, their_reference
    except UnknownFault:
        return ProcessingStatus.NOT_FOUND, their_reference
    except DatabaseError:
        logger.exception("Storing a ticket message of %s failed", partner)
        return ProcessingStatus.UNAVAILABLE, their_reference
    return ProcessingStatus.SUCCESS, stored.ticket_reference


def fetch_attachments(partner: Partner, ticket: messages.Ticket) -> None:
    """Fetch from TEP (GetAttachment) each attachment the ticket names that we do not hold yet,
    and keep it for the ticket's apply step (`received.stored_attachment`). One our attachment
    checks refuse, or TEP will never give, is not kept: the apply step records the ticket's
    reference to it only. One TEP cannot give just now raises (the message is reported
    Unavailable, and comes again)."""
    for named in ticket.attachments:
        if not named.uri or received.stored_attachment(partner, named.uri) is not None:
            continue
        asked = messages.AttachmentUri(filename=named.filename, uri=named.uri)
        try:
            attachment = client.call(partner, "attachment", "GetAttachment", AttachmentUri=asked)
        except (TepFault, client.ResponseInvalid) as refused:
            if isinstance(refused, TepFault) and refused.retryable:
                raise
            # TEP will never give it (a fault it does not retry, an answer we cannot read):
            # the message must not wait for it.
            logger.warning("Attachment %s from %s not given: %s", named.uri, partner, refused)
            continue
        try:
            received.check_attachment(attachment.filename, attachment.payload)
        except TepFault as refused:
            logger.warning("Attachment %s from %s refused: %s", named.uri, partner, refused)
            continue
        received.store_fetched_attachment(partner, named.uri, attachment.to_element())


def report(partner: Partner, message_id: int, reference: str, status: ProcessingStatus) -> str:
    """ReportTicketResult; the status reported, or "unreported" when the call failed (TEP then
    returns the message again)."""
    result = TicketMessageProcessingResult(
        message_id=message_id, ticket_reference=reference, processing_status=status
    )
    try:
        client.call(partner, "ticket", "ReportTicketResult", TicketMessageProcessingResult=result)
    except CALL_ERRORS as exc:
        logger.warning("ReportTicketResult %s for %s failed: %s", status, partner, exc)
        return "unreported"
    return str(status)


def _salvage(body: bytes) -> tuple[int | None, str]:
    """The MessageID (and a ticket reference) of a GetTicket answer that breaks our contract, to
    report it Failure; None when even that cannot be read."""
    try:
        root = parse_xml(body)
    except XmlRejected:
        return None, ""
    text = root.findtext(f".//{{{TYPES_NS}}}MessageID")
    reference = root.findtext(f".//{{{TYPES_NS}}}Sender/{{{TYPES_NS}}}TicketReference") or ""
    if text is None or not text.strip().isdigit():
        return None, reference.strip()
    return int(text.strip()), reference.strip()


def poll_receipts(partner: Partner) -> int | None:
    """GetReceipt (at most `RECEIPTS_PER_CALL`), each recorded; how many came, None on failure."""
    try:
        receipts = client.call(partner, "ticket", "GetReceipt", Count=RECEIPTS_PER_CALL)
    except CALL_ERRORS as exc:
        logger.warning("GetReceipt for %s failed: %s", partner, exc)
        return None
    if receipts:
        from integrations.tep.receipts import record_receipt

        for receipt in receipts:
            record_receipt(partner, receipt)
    return len(receipts)
