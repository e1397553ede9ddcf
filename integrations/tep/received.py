"""What we receive from TEP, the same way in both receive modes (hosted endpoints and polling):
a ticket message identified for the inbox and stored once, an attachment kept until the ticket
that names it is applied.

Stored forms (what `integrations.tep.inbound` reads back from `InboundMessage.body`):

* a ticket message: its Ticket element alone, renamed `{TYPES_NS}Ticket` whatever it was called
  where it came (`PostTicket/Ticket`, `RestfulTicketRequest/InputTicket`, `GetTicketResult/
  Ticket`), so one parser reads every mode; `message_type` is `Ticket.New`, `Ticket.Update` or
  `Ticket.Add`, `message_id` its SystemTransactionID (lower case), `sent_at` its
  RequestDateTime (TEP's, when it took the message from the sender: the order the inbox applies
  a fault's messages in, and what stale statuses are judged by);
* an attachment TEP delivered (PostAttachment), or we fetched from TEP (GetAttachment, polling):
  its Attachment element, `message_type` `Attachment`, stored already applied (nothing to apply
  until a ticket names it), found again by the URI the ticket names it by (`stored_attachment`:
  the one we answered PostAttachment with, `attachment_uri`, or TEP's).

The SystemTransactionID is the message's identity (the seed: no two ticket messages share one),
so a message whose id was stored before is a duplicate whatever its bytes (TEP may stamp a new
RequestDateTime on a redelivery): counted, acknowledged again, never applied twice.

A New ticket from the partner opens a fault with us once applied; the reference that fault
will have is promised now (`promised_reference`), since our synchronous answer
(PartnerPostTicketResponse) and ReportTicketResult must carry it before the inbox applies the
message. The apply step creates the fault under that reference."""

import copy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from lxml import etree

from faults.errors import FaultValidationError
from faults.services.attachment_checks import attachment_check
from integrations.choices import InboundStatus
from integrations.edge import Identified, Subject
from integrations.inbox import Received, UnknownFault, inbox_store
from integrations.models import InboundMessage, Partner
from integrations.tep.faults import VALIDATION, TepFault
from integrations.tep.namespaces import TYPES_NS
from integrations.tep.schema import ATTACHMENT_EXTENSIONS

__all__ = [
    "ATTACHMENT",
    "StoredTicket",
    "TicketNotYetKnown",
    "attachment_uri",
    "canonical_ticket",
    "check_attachment",
    "identify_ticket",
    "promised_reference",
    "store_attachment",
    "store_fetched_attachment",
    "store_ticket",
    "stored_attachment",
]

TICKET_TAG = etree.QName(TYPES_NS, "Ticket").text
ATTACHMENT_TAG = etree.QName(TYPES_NS, "Attachment").text
ATTACHMENT = "Attachment"
TICKET_PREFIX = "Ticket."
NEW = "New"
_URI_PREFIX = "urn:uuid:"


class TicketNotYetKnown(Exception):
    """The message names a ticket the partner opened whose New is stored but not applied yet
    (or failed to apply): a temporary inability, answered Unavailable so that TEP sends it
    again, never NotFound (which TEP takes for a purged ticket)."""


@dataclass(frozen=True)
class TicketFacts:
    message_type: str
    system_transaction_id: str
    request_datetime: datetime | None
    sender_reference: str | None
    receiver_reference: str | None


@dataclass(frozen=True)
class StoredTicket:
    inbound_id: int
    created: bool  # False: a duplicate (already stored)
    ticket_reference: str  # ours: for PartnerPostTicketResponse and ReportTicketResult


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return element.find(f"{{{TYPES_NS}}}{name}")


def _text(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = _child(element, name)
    if child is None:
        return None
    return (child.text or "").strip()


def _as_element(ticket: object) -> etree._Element:
    if isinstance(ticket, etree._Element):
        return ticket
    return ticket.to_element()  # a messages.Ticket


def parse_request_datetime(text: str | None) -> datetime | None:
    """RequestDateTime (xs:dateTime) as an aware datetime; without a zone, UTC (WCF writes
    UTC times without one)."""
    if not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # xs:dateTime may carry more than the six fraction digits Python reads (WCF writes seven).
    head, dot, rest = value.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ticket_facts(ticket: object) -> TicketFacts:
    element = _as_element(ticket)
    return TicketFacts(
        message_type=_text(element, "MessageType") or "",
        system_transaction_id=(_text(element, "SystemTransactionID") or "").lower(),
        request_datetime=parse_request_datetime(_text(element, "RequestDateTime")),
        sender_reference=_text(_child(element, "Sender"), "TicketReference"),
        receiver_reference=_text(_child(element, "Receiver"), "TicketReference"),
    )


def identify_ticket(ticket: object) -> Identified:
    """A ticket message (a `messages.Ticket` or its element, validated) for the inbox.

    New: a ticket the partner opens, no subject (the fault is created when it is applied).
    Update and Add: about a ticket we both know, named by our reference (Receiver.TicketReference,
    which TEP fills on updates), or else by the partner's (Sender.TicketReference, the fault's
    supplier reference). TEP knows no buyer identifiers: the fault is looked up under any of
    the partner's active ones."""
    facts = ticket_facts(ticket)
    if facts.message_type == NEW:
        subject = Subject(buyer_identifier=None)
    elif facts.receiver_reference:
        subject = Subject(buyer_identifier=None, buyer_fault_reference=facts.receiver_reference)
    else:
        subject = Subject(
            buyer_identifier=None, partner_fault_reference=facts.sender_reference or ""
        )
    return Identified(
        message_type=f"{TICKET_PREFIX}{facts.message_type}",
        message_id=facts.system_transaction_id,
        subject=subject,
        sent_at=facts.request_datetime,
    )


def promised_reference(partner: Partner | int, system_transaction_id: str) -> str:
    """Our reference for the fault a partner's New ticket opens: the same for the same message
    (so a redelivery is answered alike), fitting the reference rule (`faults.validators`)."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    seed = f"{partner_id}:{system_transaction_id.lower()}".encode()
    return f"TEP-{hashlib.sha256(seed).hexdigest()[:16].upper()}"


def canonical_ticket(ticket: etree._Element) -> bytes:
    """The ticket element as stored: renamed `{TYPES_NS}Ticket`, namespaces tidied."""
    copied = copy.deepcopy(ticket)
    copied.tag = TICKET_TAG
    etree.cleanup_namespaces(copied)
    return etree.tostring(copied, encoding="utf-8")


def _duplicate(partner: Partner, message_id: str) -> int | None:
    rows = InboundMessage.objects.filter(partner=partner, message_id=message_id)
    inbound_id = rows.order_by("id").values_list("id", flat=True).first()
    if inbound_id is not None:
        InboundMessage.objects.filter(pk=inbound_id).update(
            duplicates_received=F("duplicates_received") + 1
        )
    return inbound_id


def _reference_of(inbound_id: int, facts: TicketFacts, partner: Partner) -> str:
    if facts.message_type == NEW:
        return promised_reference(partner, facts.system_transaction_id)
    if facts.receiver_reference:
        return facts.receiver_reference
    found = (
        InboundMessage.objects.filter(pk=inbound_id)
        .values_list("fault__buyer_fault_reference", flat=True)
        .first()
    )
    return found or ""


def _new_still_waiting(partner: Partner, facts: TicketFacts) -> bool:
    """Whether the ticket the message names is one the partner opened with a New we stored but
    have not applied (waiting, or failed): by our promised reference, or the partner's."""
    from integrations.xml import parse_xml

    waiting = InboundMessage.objects.filter(
        partner=partner,
        message_type=f"{TICKET_PREFIX}{NEW}",
        status__in=(InboundStatus.RECEIVED, InboundStatus.FAILED),
    ).values_list("message_id", "body")
    for message_id, body in waiting:
        if facts.receiver_reference:
            if facts.receiver_reference == promised_reference(partner, message_id):
                return True
        elif ticket_facts(parse_xml(bytes(body))).sender_reference == facts.sender_reference:
            return True
    return False


def store_ticket(
    partner: Partner,
    ticket: etree._Element,
    *,
    remote_addr: str | None = None,
    client_cert_fingerprint: str = "",
) -> StoredTicket:
    """Store a (validated) ticket message in the inbox once; the inbox applies it after the
    caller's transaction commits. Raises `UnknownFault` when an Update or Add names no ticket
    of ours (answered NotFound / Ticket Not Found), `TicketNotYetKnown` when it names one whose
    New is still waiting (answered Unavailable)."""
    facts = ticket_facts(ticket)
    identified = identify_ticket(ticket)
    duplicate = _duplicate(partner, identified.message_id)
    if duplicate is not None:
        return StoredTicket(duplicate, False, _reference_of(duplicate, facts, partner))
    subject = identified.subject
    received = Received(
        partner=partner,
        message_type=identified.message_type,
        message_id=identified.message_id,
        body=canonical_ticket(ticket),
        buyer_identifier=None,
        buyer_fault_reference=subject.buyer_fault_reference,
        partner_fault_reference=subject.partner_fault_reference,
        sent_at=identified.sent_at,
        remote_addr=remote_addr,
        client_cert_fingerprint=client_cert_fingerprint,
    )
    try:
        stored = inbox_store(received)
    except UnknownFault:
        if _new_still_waiting(partner, facts):
            raise TicketNotYetKnown(facts.receiver_reference or facts.sender_reference) from None
        raise
    return StoredTicket(
        stored.inbound_id, stored.created, _reference_of(stored.inbound_id, facts, partner)
    )


# --- attachments TEP delivers before the ticket that names them ---------------------------------
def attachment_uri(system_transaction_id: str) -> str:
    """The URI we answer PostAttachment with: the attachment message's own id."""
    return f"{_URI_PREFIX}{system_transaction_id.lower()}"


def _keep_attachment(
    partner: Partner,
    message_id: str,
    attachment: etree._Element,
    *,
    remote_addr: str | None = None,
    client_cert_fingerprint: str = "",
) -> None:
    copied = copy.deepcopy(attachment)
    copied.tag = ATTACHMENT_TAG
    etree.cleanup_namespaces(copied)
    with transaction.atomic():
        if _duplicate(partner, message_id) is not None:
            return
        stored = inbox_store(
            Received(
                partner=partner,
                message_type=ATTACHMENT,
                message_id=message_id,
                body=etree.tostring(copied, encoding="utf-8"),
                buyer_identifier=None,
                remote_addr=remote_addr,
                client_cert_fingerprint=client_cert_fingerprint,
            )
        )
        # Before the commit, so the apply task queued by the inbox finds nothing to do.
        InboundMessage.objects.filter(pk=stored.inbound_id, status=InboundStatus.RECEIVED).update(
            status=InboundStatus.APPLIED, applied_at=F("received_at")
        )


def store_attachment(
    partner: Partner,
    attachment: etree._Element,
    *,
    remote_addr: str | None = None,
    client_cert_fingerprint: str = "",
) -> str:
    """Keep a (checked) attachment TEP posted us until a ticket names it; returns its URI.
    Stored in the inbox as already applied: there is nothing to apply until the ticket comes,
    whose apply step takes it (`stored_attachment`)."""
    system_transaction_id = (_text(attachment, "SystemTransactionID") or "").lower()
    _keep_attachment(
        partner,
        system_transaction_id,
        attachment,
        remote_addr=remote_addr,
        client_cert_fingerprint=client_cert_fingerprint,
    )
    return attachment_uri(system_transaction_id)


def _fetched_key(uri: str) -> str:
    """The inbox message id of an attachment fetched from TEP by its URI (any length)."""
    return f"uri:{hashlib.sha256(uri.strip().encode()).hexdigest()}"


def store_fetched_attachment(partner: Partner, uri: str, attachment: etree._Element) -> None:
    """Keep a (checked) attachment we fetched from TEP (GetAttachment) under the URI the ticket
    names it by, for the ticket's apply step."""
    _keep_attachment(partner, _fetched_key(uri), attachment)


def stored_attachment(partner: Partner, uri: str) -> bytes | None:
    """The stored Attachment element (bytes) the URI names, or None: one TEP posted us (by the
    URI we answered with) or one we fetched from TEP (by its URI); for the apply step of a
    ticket naming it, and for GetAttachment."""
    if uri.lower().startswith(_URI_PREFIX):
        message_id = uri[len(_URI_PREFIX) :].strip().lower()
    else:
        message_id = _fetched_key(uri)
    body = (
        InboundMessage.objects.filter(
            partner=partner, message_type=ATTACHMENT, message_id=message_id
        )
        .values_list("body", flat=True)
        .first()
    )
    return bytes(body) if body is not None else None


def check_attachment(filename: str, payload: bytes) -> None:
    """The project's attachment checks (`faults.services.attachment_checks`: name, extension,
    size, content matching its type) and the seed's allow-list, less what ours refuses (ours is
    stricter where it is); raises TepFault 3000 with every reason."""
    extension = PurePath(filename).suffix.lower().lstrip(".")
    ours = {allowed.lower() for allowed in settings.ATTACHMENT_ALLOWED_EXTENSIONS}
    if extension not in ATTACHMENT_EXTENSIONS & ours:
        raise TepFault(VALIDATION, f"Files of type '.{extension}' are not accepted.")
    try:
        attachment_check(SimpleUploadedFile(filename, payload))
    except FaultValidationError as exc:
        reasons = [reason for errors in exc.errors.values() for reason in errors]
        raise TepFault(VALIDATION, " ".join(reasons) or str(exc)) from None
