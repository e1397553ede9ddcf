"""The API's changes to faults, each through the fault services the UI uses (raise, submit,
amend, comment, attach, cancel, accept or reject a resolution), one transaction per request: a
refusal at any step keeps nothing.

* `ticket_create` (POST): the fault is created as a draft with the ticket's attributes, notes
  and files; when it carries everything the supplier needs it is raised at once (submitted, so
  the supplier's call is queued in the outbox like the UI's); otherwise it stays a draft, which
  the ticket shows as `pending` with what is missing (`representation.draft_reason`), and
  `draft_kept` is sent for the hub. A later PATCH that completes it raises it.
* `ticket_update` (PATCH, merge patch): attributes and details through `fault_amend`, notes
  and files added (`note` and `attachment` list what to add; an item already on the ticket is
  not added twice), and a status the buyer may set: `cancelled` (cancel), `closed` (accept the
  resolution), `inProgress` or MEF 124's `reopened` (reject it; `statusChangeReason` says why).
* `ticket_delete` (DELETE): cancels a draft; a ticket raised with the supplier is not deleted
  (409: PATCH `status: cancelled` withdraws it).

The supplier: the `relatedParty` with role `supplier`; without one, the only active supplier
when there is exactly one (a buyer with one supplier need not name it); otherwise 400 naming
the missing `relatedParty` and the suppliers to choose from: a fault is always some supplier's
(its buyer identifiers, its rules), so the supplier cannot wait for a later PATCH. The service
and the fault type can: a ticket without them is kept as a pending draft that names them.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from faults.choices import TERMINAL_STATUSES, EventKind, FaultStatus
from faults.models import Fault
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_amend,
    fault_attachment_add,
    fault_cancel,
    fault_comment_add,
    fault_create_draft,
    fault_lock,
    fault_reject_resolution,
    fault_submit,
)
from faults.services.audit import fault_event_record
from integrations.models import BuyerIdentifier, Partner
from integrations.packages import enabled_packages
from integrations.tmf621_api.errors import TicketError, invalid
from integrations.tmf621_api.models import TicketAttributes
from integrations.tmf621_api.reading import MEF_STORED, TicketInput, read_create, read_update
from integrations.tmf621_api.representation import missing_for_raise, status_of

# Sent inside the transaction when a POSTed ticket is kept as a draft (what the supplier needs is
# missing): the hub's InformationRequired event. Arguments: fault.
draft_kept = Signal()

# The TMF statuses a buyer may set, and what each one asks of the fault.
CANCEL = "cancelled"
ACCEPT_RESOLUTION = "closed"
REJECT_RESOLUTION = ("inProgress", "reopened")
BUYER_STATUSES = (CANCEL, ACCEPT_RESOLUTION, *REJECT_RESOLUTION)


# --- the supplier ------------------------------------------------------------------------------
def active_suppliers() -> list[Partner]:
    protocols = [package.protocol for package in enabled_packages() if package.supplies]
    return list(Partner.objects.filter(is_active=True, protocol__in=protocols).order_by("slug"))


def _supplier(slug: str | None) -> Partner:
    suppliers = active_suppliers()
    if slug is None:
        if len(suppliers) == 1:
            return suppliers[0]
        choices = ", ".join(partner.slug for partner in suppliers) or "none is active"
        raise invalid(
            "The ticket names no supplier.",
            [
                'relatedParty: add the supplier, {"id": <supplier>, "role": "supplier", '
                f'"@referredType": "Organization"}}; suppliers: {choices}'
            ],
        )
    for partner in suppliers:
        if partner.slug == slug:
            return partner
    choices = ", ".join(partner.slug for partner in suppliers) or "none is active"
    raise invalid(
        f"No active supplier {slug[:60]!r}.",
        [f"relatedParty: the supplier's id is one of: {choices}"],
    )


def _buyer_identifier(supplier: Partner, code: str | None) -> BuyerIdentifier | None:
    if code is None:
        return None  # the supplier's default (fault_create_draft refuses when it has none)
    found = BuyerIdentifier.objects.filter(partner=supplier, code=code, is_active=True).first()
    if found is None:
        raise invalid(
            f"{supplier.name} knows us by no buyer identifier {code[:40]!r}.",
            ["relatedParty: the buyer's id is one of our active buyer identifiers with it"],
        )
    return found


# --- what is stored beside the fault -----------------------------------------------------------
# Attributes kept as sent in the ticket's document (the others have columns).
DOCUMENT_KEYS = frozenset({"requestedResolutionDate", *MEF_STORED})


def _store(attributes: TicketAttributes, ticket: TicketInput) -> None:
    document = attributes.document
    for column, value in ticket.stored.items():
        if column in DOCUMENT_KEYS:
            document[column] = value
        elif hasattr(attributes, column):
            setattr(attributes, column, value)
    if ticket.related_entity is not None:
        document["relatedEntity"] = ticket.related_entity
    if ticket.related_party is not None:
        document["relatedParty"] = ticket.related_party
    if ticket.sent_priority is not None:
        document["priority"] = {"sent": ticket.sent_priority, "means": ticket.fault["priority"]}
    if ticket.attachment_refs:
        refs = document.setdefault("attachmentRef", [])
        refs += [item for item in ticket.attachment_refs if item not in refs]


# The ticket's own attributes (not the fault's) whose change is recorded on the fault's audit
# trail, by their names in the ticket, which are the hub's `fieldPath`s.
TRACKED_COLUMNS = {
    "severity": "severity",
    "ticketType": "ticket_type",
    "externalId": "external_id",
    "name": "name",
    "channel": "channel",
}
TRACKED_DOCUMENT = ("relatedEntity", "relatedParty", *sorted(DOCUMENT_KEYS))


def _snapshot(attributes: TicketAttributes) -> dict[str, Any]:
    values = {wire: getattr(attributes, column) for wire, column in TRACKED_COLUMNS.items()}
    values.update({key: attributes.document.get(key) for key in TRACKED_DOCUMENT})
    return values


def _record_attribute_changes(
    fault: Fault, before: dict[str, Any], after: dict[str, Any], actor: Actor
) -> None:
    """An audit row (so a domain event, and the hub's AttributeValueChange) for the ticket
    attributes a PATCH changed; the fault's last update moves with it."""
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        return
    fault_event_record(
        fault=fault,
        kind=EventKind.AMENDED,
        actor=actor,
        at=timezone.now(),
        message=f"Trouble ticket changed through the TMF621 API: {', '.join(changes)}.",
        data={"changes": changes},
    )
    fault.save(update_fields=["updated_at"])


def _add_notes(fault: Fault, attributes: TicketAttributes, ticket: TicketInput, actor: Actor):
    """Each note not on the ticket yet (same id, or same text) becomes a comment."""
    sent = attributes.document.setdefault("note", {})
    known_ids = {note.get("id") for note in sent.values() if note.get("id")}
    known_texts = set(fault.comments.values_list("text", flat=True))
    for note in ticket.notes:
        if note.get("id") in known_ids or note["text"] in known_texts:
            continue
        comment = fault_comment_add(fault_id=fault.pk, actor=actor, text=note["text"])
        sent[str(comment.pk)] = note
        known_texts.add(note["text"])


def _add_files(fault: Fault, attributes: TicketAttributes, ticket: TicketInput, actor: Actor):
    sent = attributes.document.setdefault("attachment", {})
    known_ids = {item.get("id") for item in sent.values() if item.get("id")}
    for metadata, content in ticket.files:
        if metadata.get("id") and metadata["id"] in known_ids:
            continue
        upload = SimpleUploadedFile(
            metadata["name"], content, metadata.get("mimeType") or "application/octet-stream"
        )
        attachment = fault_attachment_add(fault_id=fault.pk, actor=actor, upload=upload)
        sent[str(attachment.pk)] = {
            key: value for key, value in metadata.items() if key not in ("size", "url")
        }


def _raise_when_ready(fault: Fault, attributes: TicketAttributes, actor: Actor) -> Fault:
    """Submit a draft that came through this API once nothing is missing."""
    if fault.status != FaultStatus.DRAFT or not attributes.document.get("raise_when_complete"):
        return fault
    if missing_for_raise(fault):
        return fault
    return fault_submit(fault_id=fault.pk, actor=actor)


# --- POST --------------------------------------------------------------------------------------
@transaction.atomic
def ticket_create(*, body: Any, actor: Actor) -> Fault:
    ticket = read_create(body)
    supplier = _supplier(ticket.supplier)
    buyer_identifier = _buyer_identifier(supplier, ticket.buyer_identifier)
    fields = dict(ticket.fault)
    # Without the service or the fault type the fault is kept as a draft that names them
    # (`representation.draft_reason`); the PATCH that brings them raises it.
    fault = fault_create_draft(
        actor=actor,
        supplier=supplier,
        buyer_identifier=buyer_identifier,
        service_id=fields.pop("service_id", ""),
        fault_type=fields.pop("fault_type", ""),
        **fields,
    )
    attributes = TicketAttributes(fault=fault, document={"raise_when_complete": True})
    _store(attributes, ticket)
    attributes.save()  # before the notes' and files' events, which read the ticket
    _add_notes(fault, attributes, ticket, actor)
    _add_files(fault, attributes, ticket, actor)
    attributes.save(update_fields=["document", "updated_at"])
    fault = _raise_when_ready(fault, attributes, actor)
    if fault.status == FaultStatus.DRAFT:
        draft_kept.send(sender=TicketAttributes, fault=fault)
    return fault


# --- PATCH -------------------------------------------------------------------------------------
def _attributes_for(fault: Fault) -> TicketAttributes:
    attributes = TicketAttributes.objects.filter(fault=fault).first()
    return attributes or TicketAttributes(fault=fault)


def _check_identity(fault: Fault, ticket: TicketInput) -> None:
    problems = []
    if ticket.supplier is not None and ticket.supplier != fault.supplier.slug:
        problems.append("relatedParty: the supplier cannot be changed")
    if ticket.buyer_identifier is not None and (
        ticket.buyer_identifier != fault.buyer_identifier.code
    ):
        problems.append("relatedParty: the buyer identifier cannot be changed")
    if problems:
        raise invalid("Invalid change to the trouble ticket.", problems)


def _status_change(fault: Fault, ticket: TicketInput, actor: Actor) -> Fault:
    wanted = ticket.status
    if wanted is None or wanted == status_of(fault.status):
        return fault
    if wanted not in BUYER_STATUSES:
        raise TicketError(
            409,
            f"A buyer cannot set the status {wanted!r}: the supplier moves the ticket there.",
            f"Set status to {CANCEL} (withdraw the ticket), {ACCEPT_RESOLUTION} (accept a "
            f"resolution) or {' or '.join(REJECT_RESOLUTION)} (reject a resolution, with a "
            "statusChangeReason).",
        )
    if wanted == CANCEL:
        return fault_cancel(fault_id=fault.pk, actor=actor, reason=ticket.reason)
    if fault.status != FaultStatus.RESOLVED:
        raise TicketError(
            409,
            f"The ticket is {status_of(fault.status)}: only a resolved ticket can be "
            f"{'closed' if wanted == ACCEPT_RESOLUTION else 'reopened'} by the buyer.",
            "Accept (closed) or reject (inProgress/reopened) a resolution once the supplier "
            "has resolved the ticket.",
        )
    if wanted == ACCEPT_RESOLUTION:
        return fault_accept_resolution(fault_id=fault.pk, actor=actor)
    return fault_reject_resolution(fault_id=fault.pk, actor=actor, reason=ticket.reason)


@transaction.atomic
def ticket_update(*, fault: Fault, body: Any, actor: Actor) -> Fault:
    ticket = read_update(body)
    fault = fault_lock(fault_id=fault.pk)
    _check_identity(fault, ticket)
    if ticket.reason and ticket.status is None:
        raise invalid(
            "statusChangeReason goes with a status.",
            ["statusChangeReason: send it with the status it explains"],
        )
    attributes = _attributes_for(fault)
    before = _snapshot(attributes)
    changes = dict(ticket.fault)
    if changes:
        fault = fault_amend(fault_id=fault.pk, actor=actor, changes=changes)
    elif (ticket.stored or ticket.related_party is not None) and fault.status in TERMINAL_STATUSES:
        fault_amend(fault_id=fault.pk, actor=actor, changes={})  # refuses a finished ticket
    _store(attributes, ticket)
    _record_attribute_changes(fault, before, _snapshot(attributes), actor)
    _add_notes(fault, attributes, ticket, actor)
    _add_files(fault, attributes, ticket, actor)
    attributes.save()
    fault = _status_change(fault, ticket, actor)
    return _raise_when_ready(fault, attributes, actor)


# --- DELETE ------------------------------------------------------------------------------------
@transaction.atomic
def ticket_delete(*, fault: Fault, actor: Actor) -> Fault:
    fault = fault_lock(fault_id=fault.pk)
    if fault.status != FaultStatus.DRAFT:
        if fault.submitted_at is None and fault.status == FaultStatus.CANCELLED:
            raise TicketError(
                409,
                "The ticket was already deleted (cancelled before it was raised).",
                "Nothing to do.",
            )
        raise TicketError(
            409,
            "The ticket has been raised with the supplier and cannot be deleted.",
            "PATCH it with status cancelled to withdraw it from the supplier.",
        )
    return fault_cancel(fault_id=fault.pk, actor=actor, reason="Deleted through the TMF621 API.")
