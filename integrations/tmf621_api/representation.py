"""A fault as a TMF621 v4 TroubleTicket: what our API answers and what the hub's events carry.

`ticket(fault, base_url=…)` is the whole resource; `fields=` names a projection (each attribute
is computed only when asked for). Where an attribute was sent by the client (severity, ticket
type, external id, name, channel, notes, attachments), it is returned as sent
(`TicketAttributes`); otherwise it is derived from the fault the way the TMF621 supplier package
describes our faults (`integrations.tmf621.builders`), so a fault raised in the UI reads like
one raised through the API.

* `status` in TMF's words (`mapping.to_tmf`); a draft, which waits on the buyer for what the
  supplier needs, is `pending`, and its `statusChangeReason` names what is missing.
* `statusChange`: every status our audit trail recorded, oldest first (a re-open is its own
  entry, even where TMF's word stays `inProgress`).
* `expectedResolutionDate`: the supplier's expected resolution time once it gave one, else our
  SLA's due time.
* `relatedParty`: our buyer identifier, the contacts, and the supplier (`role: supplier`,
  `id`: the partner's slug) with the supplier's ticket reference once it gave one
  (`troubleTicketId`, an attribute of the `SupplierRef` sub-class, as TMF630 extends a type);
  and who in our NOC works the fault: its owner (`role: owner`, `id`: the username,
  `@referredType: Individual`) and team (`role: team`, `id`: the team's name). These are ours
  to say: a client's own parties with those roles are not returned, and an assignment is no
  change a supplier is sent (`faults.services.ownership`).
* `note`: the fault's comments (ours and the supplier's); a note a client sent is returned as
  sent (its id, author, date). `attachment`: metadata, with the content at `url`.

Everything read here is loaded by `query.ticket_queryset` in a fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest

from faults.choices import FaultStatus, Party
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services.validation import fault_check_ready_to_submit
from integrations.tmf621 import builders, mapping
from integrations.tmf621_api.details import DETAILS, wire_name

API_PATH = "/tmf-api/troubleTicket/v4/"
DEBUG_BASE_URL = f"http://127.0.0.1:8000{API_PATH}"
RESOURCE = "troubleTicket"
DRAFT_STATUS = "pending"  # a draft waits on the buyer: TMF's `pending`
DEFAULT_CHANNEL = {"id": "noc", "name": "NOC fault management", "@type": "ChannelRef"}
SUPPLIER_ROLE = "supplier"
BUYER_ROLE = "buyer"
OWNER_ROLE = "owner"
TEAM_ROLE = "team"


# --- where the API is --------------------------------------------------------------------------
def _with_slash(url: str) -> str:
    return url if url.endswith("/") else f"{url}/"


def configured_base_url() -> str:
    """The API's absolute base as configured (`TMF_API_BASE_URL`), else the development server's
    in DEBUG, else "" (the caller has no request to take it from: the hub)."""
    configured = getattr(settings, "TMF_API_BASE_URL", "")
    if configured:
        return _with_slash(configured)
    return DEBUG_BASE_URL if settings.DEBUG else ""


def api_base_url(request: HttpRequest) -> str:
    """The API's absolute base, ending with `/tmf-api/troubleTicket/v4/`: the setting when
    there is one (behind a proxy the request's host may not be the public one), else the
    request's own scheme and host."""
    configured = getattr(settings, "TMF_API_BASE_URL", "")
    if configured:
        return _with_slash(configured)
    return request.build_absolute_uri(API_PATH)


def ticket_href(base_url: str, ticket_id: str) -> str:
    return f"{base_url}{RESOURCE}/{quote(ticket_id, safe='')}"


# --- small readers -------------------------------------------------------------------------------
def _date(value: datetime | None) -> str | None:
    return builders.format_datetime(value) if value is not None else None


def attributes_of(fault: Fault) -> Any:
    """The fault's `TicketAttributes`, or None for a fault raised elsewhere."""
    try:
        return fault.tmf_ticket
    except ObjectDoesNotExist:
        return None


def _document(fault: Fault) -> dict[str, Any]:
    attributes = attributes_of(fault)
    return attributes.document if attributes is not None else {}


def _sent(fault: Fault, field: str) -> str:
    attributes = attributes_of(fault)
    return getattr(attributes, field) if attributes is not None else ""


def status_of(status: str) -> str:
    """Our status in TMF's words, a draft as `pending`."""
    return DRAFT_STATUS if status == FaultStatus.DRAFT else mapping.to_tmf(status) or status


def missing_for_raise(fault: Fault) -> list[str]:
    """What the supplier still needs before the fault can be raised, one sentence each naming
    the ticket attribute that carries it ([] when nothing is missing)."""
    try:
        fault_check_ready_to_submit(fault)
    except FaultValidationError as exc:
        return [
            f"{wire_name(field)}: {' '.join(messages)}"
            if field not in _HOW_TO_SEND
            else _HOW_TO_SEND[field]
            for field, messages in exc.errors.items()
        ]
    return []


# A draft may lack what the create refused before (issue 13): its reason says how to send it.
_HOW_TO_SEND = {
    "service_id": (
        "relatedEntity: the service the fault is on, "
        '{"id": <service ID>, "role": "service", "@referredType": "Service"}'
    ),
    "fault_type": (
        "troubleTicketCharacteristic faultType (Service Outage, Impaired Service or Performance "
        "Issue), or observedImpact (down, degraded or intermittent): which fault it is"
    ),
}


def draft_reason(fault: Fault) -> str:
    missing = missing_for_raise(fault)
    if not missing:
        return "Not raised with the supplier yet."
    return "Information required before the fault is raised with the supplier: " + "; ".join(
        missing
    )


def _status_events(fault: Fault) -> list[Any]:
    """The audit rows that set a status, oldest first (prefetched by the ticket queryset)."""
    return [event for event in fault.events.all() if event.to_status]


# --- the attributes --------------------------------------------------------------------------
def _status_change_reason(fault: Fault) -> str:
    if fault.status == FaultStatus.DRAFT:
        return draft_reason(fault)
    if fault.status_reason:
        return fault.status_reason
    events = _status_events(fault)
    return events[-1].message if events else ""


def _status_change_date(fault: Fault) -> str | None:
    events = _status_events(fault)
    return _date(events[-1].at if events else fault.created_at)


def _status_change(fault: Fault) -> list[dict[str, str]]:
    changes = []
    for event in _status_events(fault):
        change = {
            "status": status_of(event.to_status),
            "changeDate": _date(event.at),
            "@type": "StatusChange",
        }
        if event.message:
            change["changeReason"] = event.message
        changes.append(change)
    return changes


def _related_entity(fault: Fault) -> list[dict[str, Any]] | None:
    sent = _document(fault).get("relatedEntity")
    if sent:
        return sent
    if not fault.service_id:
        return None  # a draft kept until its buyer says which service it is on
    entity = {"id": fault.service_id, "role": "service", "@referredType": "Service"}
    if fault.product_name:
        entity["name"] = fault.product_name
    return [entity]


def _supplier_party(fault: Fault) -> dict[str, str]:
    supplier = fault.supplier
    party = {
        "id": supplier.slug,
        "name": supplier.name,
        "role": SUPPLIER_ROLE,
        "@referredType": "Organization",
    }
    if fault.maintainer_fault_reference:
        party.update(
            {
                "troubleTicketId": fault.maintainer_fault_reference,
                "@type": "SupplierRef",
                "@baseType": "RelatedParty",
            }
        )
    return party


def _noc_parties(fault: Fault) -> list[dict[str, str]]:
    """The fault's owner and team in our NOC, as related parties (none when unassigned)."""
    parties = []
    if fault.owner is not None:
        owner = fault.owner
        parties.append(
            {
                "id": owner.get_username(),
                "name": owner.get_full_name() or owner.get_username(),
                "role": OWNER_ROLE,
                "@referredType": "Individual",
            }
        )
    if fault.team is not None:
        parties.append(
            {
                "id": fault.team.name,
                "name": fault.team.name,
                "role": TEAM_ROLE,
                "@referredType": "Organization",
            }
        )
    return parties


def _related_party(fault: Fault) -> list[dict[str, Any]]:
    ours = builders.related_parties(fault, builders._values(fault))
    sent = [
        party
        for party in _document(fault).get("relatedParty", [])
        if party.get("role") not in (SUPPLIER_ROLE, BUYER_ROLE, OWNER_ROLE, TEAM_ROLE)
    ]
    if sent:
        ours = [party for party in ours if party["role"] == BUYER_ROLE] + sent
    return [*ours, *_noc_parties(fault), _supplier_party(fault)]


def _comment_note(comment: Any, sent: dict[str, Any] | None) -> dict[str, Any]:
    if sent is not None:
        return {**sent, "text": comment.text}
    author = comment.author.get_username() if comment.author_id else ""
    if not author:
        author = "supplier" if comment.commented_by == Party.SELLER else "buyer"
    return {
        "id": f"comment-{comment.pk}",
        "author": author,
        "date": _date(comment.commented_time),
        "text": comment.text,
        "@type": "Note",
    }


def _note(fault: Fault) -> list[dict[str, Any]]:
    sent = _document(fault).get("note", {})
    return [_comment_note(comment, sent.get(str(comment.pk))) for comment in fault.comments.all()]


def attachment_url(base_url: str, fault: Fault, attachment_id: int) -> str:
    return f"{ticket_href(base_url, fault.buyer_fault_reference)}/attachment/{attachment_id}"


def _attachment(fault: Fault, base_url: str) -> list[dict[str, Any]]:
    document = _document(fault)
    sent = document.get("attachment", {})
    items = []
    for attachment in fault.attachments.all():
        item = {
            "id": str(attachment.pk),
            "name": attachment.filename,
            "mimeType": builders._mime_type(attachment.filename),
            "@type": "AttachmentRefOrValue",
            **sent.get(str(attachment.pk), {}),
        }
        if attachment.size_bytes is not None:
            item["size"] = {"amount": attachment.size_bytes, "units": "bytes"}
        item["url"] = attachment.url or attachment_url(base_url, fault, attachment.pk)
        items.append(item)
    return items + list(document.get("attachmentRef", []))


def _characteristics(fault: Fault) -> list[dict[str, Any]]:
    items = []
    for detail in DETAILS:
        value = getattr(fault, detail.field)
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            value = _date(value)
        items.append(
            {
                "name": detail.name,
                "value": value,
                "valueType": detail.value_type,
                "@type": "BooleanCharacteristic"
                if detail.value_type == "boolean"
                else "StringCharacteristic",
            }
        )
    return items


def _priority(fault: Fault) -> int | str:
    """As sent (a word, MEF 124's `critical`) while it still means the fault's priority;
    otherwise ours (1 highest to 5)."""
    sent = _document(fault).get("priority")
    if sent and sent.get("means") == fault.priority:
        return sent["sent"]
    return fault.priority


def expected_resolution(fault: Fault) -> datetime | None:
    """When the fault should be fixed: the supplier's own expected time once it gave one (its
    latest word), else our SLA's due time (the `expectedResolutionDate` filter reads the same)."""
    return fault.supplier_expected_resolution_at or fault.sla_due_at


def _derived_name(fault: Fault) -> str | None:
    """`<fault type> on <service>`, the name our supplier messages give a fault (the `name`
    filter matches it); none for a draft still missing either."""
    if not (fault.fault_type and fault.service_id):
        return None
    return f"{fault.fault_type} on {fault.service_id}"[: builders.NAME_MAX]


Builder = Callable[[Fault, str], Any]

# Every attribute of the resource, in the order it is answered. A builder answering None means the
# ticket has no value for it (a date not reached yet): the attribute is left out.
ATTRIBUTES: dict[str, Builder] = {
    "id": lambda fault, base: fault.buyer_fault_reference,
    "href": lambda fault, base: ticket_href(base, fault.buyer_fault_reference),
    "name": lambda fault, base: _sent(fault, "name") or _derived_name(fault),
    "description": lambda fault, base: fault.description,
    "severity": lambda fault, base: _sent(fault, "severity") or builders.severity(fault),
    "ticketType": lambda fault, base: _sent(fault, "ticket_type") or builders.TICKET_TYPE,
    "priority": lambda fault, base: _priority(fault),
    "status": lambda fault, base: status_of(fault.status),
    "statusChangeReason": lambda fault, base: _status_change_reason(fault),
    "statusChangeDate": lambda fault, base: _status_change_date(fault),
    "statusChange": lambda fault, base: _status_change(fault),
    "creationDate": lambda fault, base: _date(fault.created_at),
    "lastUpdate": lambda fault, base: _date(fault.updated_at),
    "expectedResolutionDate": lambda fault, base: _date(expected_resolution(fault)),
    "requestedResolutionDate": lambda fault, base: _document(fault).get("requestedResolutionDate"),
    "resolutionDate": lambda fault, base: _date(fault.resolved_at),
    "externalId": lambda fault, base: _sent(fault, "external_id") or None,
    "channel": lambda fault, base: (
        (attributes_of(fault) and attributes_of(fault).channel) or DEFAULT_CHANNEL
    ),
    "relatedEntity": lambda fault, base: _related_entity(fault),
    "relatedParty": lambda fault, base: _related_party(fault),
    "note": lambda fault, base: _note(fault),
    "attachment": _attachment,
    "troubleTicketCharacteristic": lambda fault, base: _characteristics(fault),
    # MEF 124's buyer attributes: the fault start time, and what a MEF client sent.
    "issueStartDate": lambda fault, base: (
        _document(fault).get("issueStartDate") or _date(fault.fault_start_time)
    ),
    "observedImpact": lambda fault, base: _document(fault).get("observedImpact"),
    "relatedContactInformation": lambda fault, base: _document(fault).get(
        "relatedContactInformation"
    ),
    "@type": lambda fault, base: "TroubleTicket",
}
FIELD_NAMES = frozenset(ATTRIBUTES)


def ticket(fault: Fault, *, base_url: str, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The fault as a v4 TroubleTicket: every attribute, or only those in `fields` (each a name
    of `ATTRIBUTES`; the caller refuses any other)."""
    names = ATTRIBUTES if fields is None else [name for name in ATTRIBUTES if name in set(fields)]
    body = {}
    for name in names:
        value = ATTRIBUTES[name](fault, base_url)
        if value is not None:
            body[name] = value
    return body
