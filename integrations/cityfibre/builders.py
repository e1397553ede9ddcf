"""What we send the supplier, built with lxml and validated against its XSD before it is returned.

Elements are unqualified (no namespace) like the supplier's samples, in the samples' order where
they show one, else the XSD's (the XSD uses xs:all, so the order is cosmetic). Times are ISO 8601
in UTC with a "Z". A message that fails the XSD raises `OutboundMessageInvalid`: that is a bug in
our data or code, and it must fail loudly rather than reach the supplier.

Builders return the message element; `soap.wrap` turns it into the bytes we POST.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from lxml import etree

from faults.models import Fault, FaultAttachment, FaultComment
from faults.validators import NOT_XML_CHARACTER
from integrations.cityfibre.messages import OutboundAppointment
from integrations.cityfibre.schema import OutboundMessageInvalid, validate_outbound

__all__ = [
    "API_VERSION",
    "CONTACT_ELEMENTS",
    "FIELD_ELEMENTS",
    "build_add_fault_report",
    "build_amend_fault_report",
    "build_notify_response",
    "build_request_fault_report_update",
    "build_resolve_response",
    "format_datetime",
]

API_VERSION = "1.0"
BUYER_IDENTIFIER_MAX = 36

# The supplier's element for each fault field: the one table of these names. The amend builder
# writes from it, and integrations.cityfibre.reasons reads it backwards to name an element the
# supplier refuses by the label the agent knows.
# amendFaultReport's fields, at the top of the message and in faultDetails:
_TOP_FIELDS = {"service_id": "serviceAffected", "priority": "priorityLevel"}
_DETAIL_FIELDS = {
    "description": "description",
    "fault_type": "type",
    "fault_start_time": "faultStartTime",
    "fault_location": "faultLocation",
    "site_access_details": "siteAccessDetails",
    "triage_complete": "triageComplete",
    "triage_findings": "triageFindings",
}
# Each contact (the prefix of its fault fields) -> its element.
_CONTACTS = {
    "reporter": "reporterContactDetails",
    "end_user": "endUserContactDetails",
    "site_access_contact": "siteAccessContactDetails",
}
FIELD_ELEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "buyer_fault_reference": "buyerFaultReference",
        "maintainer_fault_reference": "maintainerFaultReference",
        "parent": "parentFaultReference",
        **_TOP_FIELDS,
        **_DETAIL_FIELDS,
        "status": "status",
        "status_reason": "statusReason",
        "appointment_reservation_key": "appointmentReservationKey",
        "closure_code": "closureCode",
    }
)
CONTACT_ELEMENTS: Mapping[str, str] = MappingProxyType(_CONTACTS)
_CONTACT_PARTS = ("name", "phone", "email")
_CONTACT_FIELDS = {f"{prefix}_{part}" for prefix in _CONTACTS for part in _CONTACT_PARTS}
AMENDABLE_MESSAGE_FIELDS = frozenset(_TOP_FIELDS) | frozenset(_DETAIL_FIELDS) | _CONTACT_FIELDS


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with "Z"; fractional seconds only when there are any (".0001Z" as in the
    samples). A naive datetime is taken to be UTC. The year has four digits whatever it is
    (xs:dateTime; the C library's %Y writes the year 508 as "508")."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    return NOT_XML_CHARACTER.sub("", str(value))  # dropped: XML cannot carry them


def _sub(parent: etree._Element, tag: str, value: object = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    text = _text(value)
    if text:
        element.text = text
    return element


def _header(
    tag: str, *, buyer_identifier: str, message_id: str, sent_at: datetime
) -> etree._Element:
    root = etree.Element(tag)
    _sub(root, "apiVersion", API_VERSION)
    _sub(root, "buyerIdentifier", buyer_identifier)
    _sub(root, "sentAt", sent_at)
    _sub(root, "messageId", message_id)
    return root


def _fault_header(tag: str, fault: Fault, message_id: str, sent_at: datetime) -> etree._Element:
    return _header(
        tag,
        buyer_identifier=fault.buyer_identifier.code,
        message_id=message_id,
        sent_at=sent_at,
    )


def _contact(
    parent: etree._Element, tag: str, name: str, phone: str, email: str, *, always: bool = False
) -> None:
    if not (always or name or phone or email):
        return
    element = etree.SubElement(parent, tag)
    for part, value in (("name", name), ("phone", phone), ("email", email)):
        if value:
            _sub(element, part, value)


def _fault_contact(parent: etree._Element, fault: Fault, prefix: str, **kw: bool) -> None:
    name, phone, email = (getattr(fault, f"{prefix}_{part}") for part in _CONTACT_PARTS)
    _contact(parent, _CONTACTS[prefix], name, phone, email, **kw)


def _appointment(parent: etree._Element, appointment: OutboundAppointment | None) -> None:
    if appointment is None:
        return
    element = etree.SubElement(parent, "appointment")
    if appointment.date is not None:
        _sub(element, "appointmentDate", appointment.date.isoformat())
    if appointment.start_time is not None:
        _sub(element, "appointmentStartTime", appointment.start_time.strftime("%H:%M"))
    if appointment.end_time is not None:
        _sub(element, "appointmentEndTime", appointment.end_time.strftime("%H:%M"))
    _sub(element, "appointmentReservationKey", appointment.reservation_key)


def _attachments(parent: etree._Element, attachments: Iterable[FaultAttachment]) -> None:
    """Attachment details (seed 004: "can include the details for the files to upload"). Only an
    attachment's own URL is sent: a stored file has no public URL until the attachments work
    publishes one."""
    attachments = list(attachments)
    if not attachments:
        return
    element = etree.SubElement(parent, "attachments")
    for attachment in attachments:
        item = etree.SubElement(element, "attachment")
        _sub(item, "filename", attachment.filename)
        if attachment.url:
            _sub(item, "url", attachment.url)
        _sub(item, "uploaded", bool(attachment.uploaded))


def _validated(root: etree._Element) -> etree._Element:
    validate_outbound(root)
    return root


def build_add_fault_report(
    *,
    fault: Fault,
    message_id: str,
    sent_at: datetime,
    appointment: OutboundAppointment | None = None,
    attachments: Iterable[FaultAttachment] = (),
) -> etree._Element:
    """addFaultReport: the whole fault, in the order of the supplier's sample 04."""
    root = _fault_header("addFaultReport", fault, message_id, sent_at)
    _sub(root, "reportDateTime", fault.submitted_at or sent_at)
    _fault_contact(root, fault, "reporter")
    _fault_contact(root, fault, "end_user")
    _sub(root, "serviceAffected", fault.service_id)
    _sub(root, "buyerFaultReference", fault.buyer_fault_reference)
    if fault.maintainer_fault_reference:
        _sub(root, "maintainerFaultReference", fault.maintainer_fault_reference)
    if fault.parent is not None:
        _sub(root, "parentFaultReference", fault.parent.buyer_fault_reference)

    details = etree.SubElement(root, "faultDetails")
    if fault.description:
        _sub(details, "description", fault.description)
    _sub(details, "type", fault.fault_type)
    _sub(details, "faultStartTime", fault.fault_start_time)
    _sub(details, "faultLocation", fault.fault_location)
    _sub(details, "siteAccessDetails", fault.site_access_details)
    _fault_contact(details, fault, "site_access_contact", always=True)
    _sub(details, "triageComplete", fault.triage_complete)
    _sub(details, "triageFindings", fault.triage_findings)

    _attachments(root, attachments)
    _appointment(root, appointment)
    _sub(root, "priorityLevel", fault.priority)
    return _validated(root)


def _changed_value(name: str, value: object) -> object:
    """A value from the outbox payload, where datetimes travel as ISO strings."""
    if name == "fault_start_time" and isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise OutboundMessageInvalid([f"{name}: not a date-time: {value!r}"]) from None
    return value


def _changed_contact(
    parent: etree._Element, fault: Fault, prefix: str, changes: Mapping[str, object]
) -> None:
    """A contact block when any part of it changed. The whole block is sent (the supplier may
    replace the contact as a whole); a part cleared by the change is sent empty."""
    keys = [f"{prefix}_{part}" for part in _CONTACT_PARTS]
    if not any(key in changes for key in keys):
        return
    element = etree.SubElement(parent, _CONTACTS[prefix])
    for part, key in zip(_CONTACT_PARTS, keys, strict=True):
        value = changes[key] if key in changes else getattr(fault, key)
        if key in changes or value:
            _sub(element, part, value)


def build_amend_fault_report(
    *,
    fault: Fault,
    message_id: str,
    sent_at: datetime,
    changes: Mapping[str, object],
    status: str | None = None,
    status_reason: str = "",
    comment: FaultComment | None = None,
    attachments: Iterable[FaultAttachment] = (),
    appointment: OutboundAppointment | None = None,
) -> etree._Element:
    """amendFaultReport with only what changed (the XSD: "If missing, we assume it's unchanged").

    `changes` maps fault field names to their new values (the outbox payload of `fault_amend`);
    `status="cancelled"` (with `status_reason`) is an agent's cancel. The maintainer reference is
    sent when known: the supplier identifies a fault by both references."""
    unknown = sorted(set(changes) - AMENDABLE_MESSAGE_FIELDS)
    if unknown:
        raise OutboundMessageInvalid([f"{name}: not in amendFaultReport" for name in unknown])
    values = {name: _changed_value(name, value) for name, value in changes.items()}

    root = _fault_header("amendFaultReport", fault, message_id, sent_at)
    _changed_contact(root, fault, "reporter", values)
    _changed_contact(root, fault, "end_user", values)
    if "service_id" in values:
        _sub(root, "serviceAffected", values["service_id"])
    _sub(root, "buyerFaultReference", fault.buyer_fault_reference)
    if fault.maintainer_fault_reference:
        _sub(root, "maintainerFaultReference", fault.maintainer_fault_reference)

    detail_names = [name for name in _DETAIL_FIELDS if name in values]
    has_site_contact = any(key.startswith("site_access_contact_") for key in values)
    if detail_names or has_site_contact or status:
        details = etree.SubElement(root, "faultDetails")
        for name in ("description", "fault_type"):
            if name in values:
                _sub(details, _DETAIL_FIELDS[name], values[name])
        if status:
            _sub(details, "status", status)
            if status_reason:
                _sub(details, "statusReason", status_reason)
        for name in ("fault_start_time", "fault_location", "site_access_details"):
            if name in values:
                _sub(details, _DETAIL_FIELDS[name], values[name])
        _changed_contact(details, fault, "site_access_contact", values)
        for name in ("triage_complete", "triage_findings"):
            if name in values:
                _sub(details, _DETAIL_FIELDS[name], values[name])

    _appointment(root, appointment)
    if "priority" in values:
        _sub(root, "priorityLevel", values["priority"])
    if comment is not None:
        element = etree.SubElement(root, "comment")
        _sub(element, "value", comment.text)
        _sub(element, "commentedBy", comment.commented_by)
        _sub(element, "commentedTime", comment.commented_time)
    _attachments(root, attachments)
    return _validated(root)


def build_resolve_response(
    *, fault: Fault, message_id: str, sent_at: datetime, accepted: bool, reason: str = ""
) -> etree._Element:
    """resolveResponse: our answer to a resolved fault; a rejection carries `rejectedReason`."""
    root = _fault_header("resolveResponse", fault, message_id, sent_at)
    _sub(root, "resolveAccepted", bool(accepted))
    _sub(root, "buyerFaultReference", fault.buyer_fault_reference)
    if fault.maintainer_fault_reference:
        _sub(root, "maintainerFaultReference", fault.maintainer_fault_reference)
    if not accepted and reason.strip():
        _sub(root, "rejectedReason", reason.strip())
    return _validated(root)


def build_request_fault_report_update(
    *, fault: Fault, message_id: str, sent_at: datetime
) -> etree._Element:
    """requestFaultReportUpdate: ask for a full notification (needs the maintainer reference)."""
    root = _fault_header("requestFaultReportUpdate", fault, message_id, sent_at)
    _sub(root, "maintainerFaultReference", fault.maintainer_fault_reference)
    _sub(root, "buyerFaultReference", fault.buyer_fault_reference)
    return _validated(root)


def build_notify_response(
    *,
    buyer_identifier: str,
    message_id: str,
    sent_at: datetime,
    response_code: int,
    error_message: str | None = None,
) -> etree._Element:
    """receivedNotifyFaultReportUpdate: our answer to a notification, echoing its message id.

    The XSD declares no such element (and the published samples of it are not well-formed), so
    it is built in the XSD's genericResponseType shape and not validated here: it answers
    untrusted input and must never raise. The buyer identifier is cut to the type's 36
    characters, since an unknown one is echoed as it came."""
    root = _header(
        "receivedNotifyFaultReportUpdate",
        buyer_identifier=(buyer_identifier or "")[:BUYER_IDENTIFIER_MAX],
        message_id=message_id or "",
        sent_at=sent_at,
    )
    _sub(root, "responseCode", int(response_code))
    if error_message:
        _sub(root, "errorMessage", error_message)
    return root
