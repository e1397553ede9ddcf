"""The XML the simulator writes: its synchronous answers and its notifications, every one checked
against the supplier's XSD before it leaves (a simulator that sends what the real supplier could
not would prove nothing). Elements are unqualified and ordered like the supplier's samples.

The one exception is deliberate: appointment notifications mirror samples 26/28/30, whose
`<appointments><appointment>` wrapper the XSD does not allow (real traffic looks like them). The
rest of such a notification is checked strictly; the wrapper's deviation is returned, to be
recorded with the notification. (`appointment_shape="xsd"` writes one `<appointment>` instead.)

Django-free on purpose: the project's builders need model instances; these work from the
simulator's own records.
"""

import copy
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from integrations.cityfibre import soap
from integrations.cityfibre.schema import schema_deviations, validate_outbound
from integrations.cityfibre.simulator.slots import SimReservation
from integrations.cityfibre.simulator.state import SimFault

__all__ = [
    "API_VERSION",
    "build_appointment_notification",
    "build_notification",
    "fault_response",
    "format_datetime",
    "generic_response",
    "local_name",
    "merge_amendment",
    "notification_errors",
    "soap_fault",
]

API_VERSION = "1.0"
BUYER_IDENTIFIER_MAX = 36  # the XSD's buyerIdentifier type
# faultDetails children in the samples' order; status and statusReason are the supplier's own.
_DETAIL_ORDER = (
    "description",
    "type",
    "status",
    "statusReason",
    "faultStartTime",
    "faultLocation",
    "siteAccessDetails",
    "siteAccessContactDetails",
    "triageComplete",
    "triageFindings",
)
# What an amendment cannot change: the header, the references, and the lists merged on their own.
_NOT_AMENDED = frozenset(
    {
        "apiVersion",
        "buyerIdentifier",
        "sentAt",
        "messageId",
        "reportDateTime",
        "buyerFaultReference",
        "maintainerFaultReference",
        "comment",
        "updates",
        "attachments",
        "faultDetails",
    }
)


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with "Z", fractional seconds only when there are any."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element) -> Iterable[etree._Element]:
    return (child for child in element if isinstance(child.tag, str))


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text:
        element.text = text
    return element


def _header(root_name: str, *, buyer_identifier: str, message_id: str, sent_at: datetime):
    root = etree.Element(root_name)
    _sub(root, "apiVersion", API_VERSION)
    _sub(root, "buyerIdentifier", buyer_identifier[:BUYER_IDENTIFIER_MAX])
    _sub(root, "sentAt", format_datetime(sent_at))
    _sub(root, "messageId", message_id)
    return root


def fault_response(
    root_name: str,
    *,
    message_id: str,
    buyer_identifier: str,
    buyer_fault_reference: str,
    status: str,
    response_code: int,
    error: str = "",
    sent_at: datetime,
) -> etree._Element:
    """receivedFaultReport / receivedAmendFaultReport (the XSD's receivedFaultReportType)."""
    root = _header(
        root_name, buyer_identifier=buyer_identifier, message_id=message_id, sent_at=sent_at
    )
    _sub(root, "buyerFaultReference", buyer_fault_reference)
    _sub(root, "status", status)
    _sub(root, "responseCode", str(response_code))
    if error:
        _sub(root, "errorMessage", error)
    validate_outbound(root)
    return root


def generic_response(
    root_name: str,
    *,
    message_id: str,
    buyer_identifier: str,
    response_code: int,
    error: str = "",
    sent_at: datetime,
) -> etree._Element:
    """receivedResolvedResponse / receivedRequestFaultReportUpdate (genericResponseType)."""
    root = _header(
        root_name, buyer_identifier=buyer_identifier, message_id=message_id, sent_at=sent_at
    )
    _sub(root, "responseCode", str(response_code))
    if error:
        _sub(root, "errorMessage", error)
    validate_outbound(root)
    return root


def soap_fault(code: str, text: str) -> bytes:
    """A SOAP 1.1 Fault, for what no response element of the XSD can answer (an unknown
    operation, a body that names none)."""
    envelope = etree.Element(f"{{{soap.SOAP_ENV_NS}}}Envelope", nsmap={"soap": soap.SOAP_ENV_NS})
    body = etree.SubElement(envelope, f"{{{soap.SOAP_ENV_NS}}}Body")
    fault = etree.SubElement(body, f"{{{soap.SOAP_ENV_NS}}}Fault")
    _sub(fault, "faultcode", f"soap:{code}")
    _sub(fault, "faultstring", text)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _copy_child(target: etree._Element, source: etree._Element, name: str) -> None:
    found = source.find(name)
    if found is not None:
        target.append(copy.deepcopy(found))


def _details(parent: etree._Element, fault: SimFault) -> None:
    details = etree.SubElement(parent, "faultDetails")
    reported = fault.report.find("faultDetails")
    for name in _DETAIL_ORDER:
        if name == "status":
            _sub(details, "status", fault.status)
        elif name == "statusReason":
            if fault.status_reason:
                _sub(details, "statusReason", fault.status_reason)
        elif reported is not None:
            _copy_child(details, reported, name)


def _updates(parent: etree._Element, fault: SimFault) -> None:
    if not fault.updates:
        return
    updates = etree.SubElement(parent, "updates")
    for entry in fault.updates:
        update = etree.SubElement(updates, "update")
        _sub(update, "description", entry.description)
        _sub(update, "updatedBy", entry.updated_by)
        _sub(update, "updatedTime", format_datetime(entry.updated_time))


def _build(fault: SimFault, *, message_id: str, sent_at: datetime) -> etree._Element:
    """The parts the supplier's notification samples carry. Not echoed: the raise's appointment,
    attachments and priority, which no status sample repeats (appointment notifications are
    their own kind, and our side records each appointment it is told about)."""
    report = fault.report
    root = _header(
        "notifyFaultReportUpdate",
        buyer_identifier=fault.buyer_identifier,
        message_id=message_id,
        sent_at=sent_at,
    )
    if report.find("reportDateTime") is not None:
        _copy_child(root, report, "reportDateTime")
    else:
        _sub(root, "reportDateTime", format_datetime(fault.created_at))
    for name in ("reporterContactDetails", "endUserContactDetails", "serviceAffected"):
        _copy_child(root, report, name)
    _sub(root, "buyerFaultReference", fault.buyer_fault_reference)
    # Always present (the documents mark it required), empty until the fault is accepted.
    _sub(root, "maintainerFaultReference", fault.maintainer_fault_reference)
    _copy_child(root, report, "parentFaultReference")
    _details(root, fault)
    _updates(root, fault)
    if fault.comment is not None:
        comment = etree.SubElement(root, "comment")
        _sub(comment, "value", fault.comment.value)
        _sub(comment, "commentedBy", fault.comment.commented_by)
        _sub(comment, "commentedTime", format_datetime(fault.comment.commented_time))
    if fault.resolve_accepted is not None:
        _sub(root, "resolveAccepted", "true" if fault.resolve_accepted else "false")
    # Copied elements keep the namespaces in scope where they came from (a SOAP envelope's).
    etree.cleanup_namespaces(root)
    return root


def build_notification(fault: SimFault, *, message_id: str, sent_at: datetime) -> etree._Element:
    """notifyFaultReportUpdate: the supplier's full view of the fault, XSD-valid."""
    root = _build(fault, message_id=message_id, sent_at=sent_at)
    validate_outbound(root)
    return root


def _appointment(reservation: SimReservation, event: str) -> etree._Element:
    """appointmentType, children in the samples' order (26, 28, 30)."""
    element = etree.Element("appointment")
    _sub(element, "appointmentReservationKey", reservation.key)
    _sub(element, "appointmentDate", reservation.slot.date.isoformat())
    _sub(element, "appointmentStartTime", reservation.slot.start_time)
    _sub(element, "appointmentEndTime", reservation.slot.end_time)
    _sub(element, "appointmentConfirmationStatus", reservation.confirmation_status)
    if reservation.closure_code:
        _sub(element, "appointmentClosureCode", reservation.closure_code)
    if event in ("completed", "cancelled"):
        _sub(element, "appointmentCancelled", "true" if reservation.cancelled else "false")
    return element


def _missed_appointment(reservation: SimReservation) -> etree._Element:
    """missedAppointmentType, as sample 32."""
    element = etree.Element("missedAppointment")
    _sub(element, "appointmentReservationKey", reservation.key)
    _sub(element, "appointmentDate", reservation.slot.date.isoformat())
    _sub(element, "appointmentStartTime", reservation.slot.start_time)
    _sub(element, "appointmentEndTime", reservation.slot.end_time)
    for name, value in reservation.missed.items():
        _sub(element, name, value)
    return element


def build_appointment_notification(
    fault: SimFault,
    reservation: SimReservation,
    *,
    event: str,
    shape: str,
    message_id: str,
    sent_at: datetime,
) -> tuple[etree._Element, list[str]]:
    """notifyFaultReportUpdate about the fault's appointment: the full report, and either
    `faultDetails/missedAppointment` (a miss) or the appointment after the updates. Returns the
    element and how it deviates from the XSD (only ever the samples' wrapper)."""
    root = _build(fault, message_id=message_id, sent_at=sent_at)
    if event == "missed":
        details = root.find("faultDetails")
        assert details is not None  # a raise without one is refused
        details.append(_missed_appointment(reservation))
        validate_outbound(root)
        return root, []
    appointment = _appointment(reservation, event)
    anchor = root.find("updates")
    anchor = root.find("faultDetails") if anchor is None else anchor
    assert anchor is not None
    if shape == "xsd":
        anchor.addnext(appointment)
        validate_outbound(root)
        return root, []
    validate_outbound(root)  # all of it but the wrapper, strictly
    wrapper = etree.Element("appointments")
    wrapper.append(appointment)
    anchor.addnext(wrapper)
    return root, schema_deviations(root)


def notification_errors(fault: SimFault) -> list[str]:
    """Why a notification of this fault would break the XSD ([] if it would not): an amendment
    is refused when it would leave the fault in such a state."""
    sent_at = datetime.now(UTC)
    return schema_deviations(_build(fault, message_id="CF-CHECK", sent_at=sent_at))


def _replace_or_append(parent: etree._Element, new: etree._Element) -> None:
    old = parent.find(local_name(new))
    if old is None:
        parent.append(new)
    else:
        parent.replace(old, new)


def merge_amendment(report: etree._Element, amend: etree._Element) -> etree._Element:
    """The report with an amendFaultReport's fields applied ("If missing, we assume it's
    unchanged"): elements replaced whole, faultDetails child by child (its status is a request,
    not data), attachments by filename. The caller's trees are left as they were."""
    merged = copy.deepcopy(report)
    for child in _children(amend):
        name = local_name(child)
        if name not in _NOT_AMENDED:
            _replace_or_append(merged, copy.deepcopy(child))
    details = amend.find("faultDetails")
    if details is not None:
        target = merged.find("faultDetails")
        if target is None:
            target = etree.SubElement(merged, "faultDetails")
        for child in _children(details):
            if local_name(child) not in ("status", "statusReason"):
                _replace_or_append(target, copy.deepcopy(child))
    attachments = amend.find("attachments")
    if attachments is not None:
        target = merged.find("attachments")
        if target is None:
            target = etree.SubElement(merged, "attachments")
        known = {item.findtext("filename"): item for item in target.findall("attachment")}
        for item in attachments.findall("attachment"):
            new = copy.deepcopy(item)
            old = known.get(item.findtext("filename"))
            if old is None:
                target.append(new)
            else:
                target.replace(old, new)
    return merged
