"""The supplier Ticketing API plugged into the spine: which message each domain operation
becomes, where it goes, what the answers mean, and how a notification is applied."""

from datetime import date, datetime, time
from typing import Any

from appointments.services import appointment_apply_supplier_event
from faults.choices import PartnerOperation
from faults.models import Fault, FaultAttachment, FaultComment
from faults.services import Actor, fault_apply_supplier_report
from integrations.adapters import (
    PartnerAdapter,
    UnsupportedOperation,
    outbound_anomaly,
    outbound_raise_refused,
)
from integrations.cityfibre import builders, soap
from integrations.cityfibre.mapping import (
    notification_to_appointment_events,
    notification_to_report,
)
from integrations.cityfibre.messages import OutboundAppointment
from integrations.cityfibre.parsers import (
    MessageUnreadable,
    parse_generic_response,
    parse_notification,
)
from integrations.cityfibre.reasons import reason_text
from integrations.http import CallResult, OutboundRequest
from integrations.models import InboundMessage, OutboundMessage
from integrations.xml import XmlRejected, parse_xml


def _answer_error(body: bytes) -> tuple[str, str | None]:
    """The reason (in words: `reason_text`) and status of a supplier's answer, as far as it
    can be read."""
    try:
        answer = parse_generic_response(soap.unwrap(parse_xml(body)))
    except (XmlRejected, MessageUnreadable, soap.SoapFault) as exc:
        return str(exc), None
    return reason_text(answer.error_message), answer.status


def _appointment(fault: Fault) -> OutboundAppointment | None:
    """The reservation a Service Outage raise carries (the supplier needs only its key)."""
    key = fault.appointment_reservation_key
    return OutboundAppointment(reservation_key=key) if key else None


def _outbound_appointment(data: dict[str, Any] | None) -> OutboundAppointment | None:
    """A re-appointment's new slot, from the amend payload: {"reservation_key", "date"
    (ISO), "start_time", "end_time" ("HH:MM")}."""
    if not data:
        return None
    return OutboundAppointment(
        reservation_key=data["reservation_key"],
        date=date.fromisoformat(data["date"]) if data.get("date") else None,
        start_time=time.fromisoformat(data["start_time"]) if data.get("start_time") else None,
        end_time=time.fromisoformat(data["end_time"]) if data.get("end_time") else None,
    )


class CityFibreAdapter(PartnerAdapter):
    operations = frozenset(PartnerOperation.values)
    inbound_apply_is_local = True  # a notification is parsed and applied, nothing fetched

    def build_outbound(
        self,
        *,
        fault: Fault,
        operation: str,
        payload: dict[str, Any],
        message_id: str,
        at: datetime,
    ) -> OutboundRequest:
        common = {"fault": fault, "message_id": message_id, "sent_at": at}
        if operation == PartnerOperation.RAISE:
            element = builders.build_add_fault_report(**common, appointment=_appointment(fault))
        elif operation == PartnerOperation.AMEND:
            attachments = FaultAttachment.objects.filter(pk__in=payload.get("attachment_ids", []))
            element = builders.build_amend_fault_report(
                **common,
                changes=payload.get("changes", {}),
                attachments=list(attachments),
                appointment=_outbound_appointment(payload.get("appointment")),
            )
        elif operation == PartnerOperation.COMMENT:
            comment = FaultComment.objects.get(pk=payload["comment_id"])
            element = builders.build_amend_fault_report(**common, changes={}, comment=comment)
        elif operation == PartnerOperation.CANCEL:
            element = builders.build_amend_fault_report(
                **common, changes={}, status="cancelled", status_reason=payload.get("reason", "")
            )
        elif operation == PartnerOperation.RESOLUTION_ANSWER:
            element = builders.build_resolve_response(
                **common, accepted=payload["accepted"], reason=payload.get("reason", "")
            )
        elif operation == PartnerOperation.REQUEST_UPDATE:
            element = builders.build_request_fault_report_update(**common)
        else:
            raise UnsupportedOperation(f"The supplier Ticketing API has no '{operation}'.")
        return soap.request(element)

    def on_delivered(self, message: OutboundMessage, result: CallResult) -> None:
        error, status = _answer_error(result.body)
        if message.message_type == "addFaultReport" and status == "rejected":
            outbound_raise_refused(message, error or "rejected by the supplier")

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        error, _status = _answer_error(result.body)
        reason = error or f"HTTP {result.status_code}"
        message.last_error = reason
        if message.message_type == "addFaultReport":
            outbound_raise_refused(message, reason)
        else:
            outbound_anomaly(
                message,
                f"The supplier refused our {message.message_type}: {reason}",
                http_status=result.status_code,
            )

    def apply_inbound(self, message: InboundMessage) -> None:
        """The fault's part of the notification, then each appointment event, in the inbox's
        transaction: all of it is applied or none."""
        notification = parse_notification(soap.unwrap(parse_xml(bytes(message.body))))
        actor = Actor.partner(notification.message_id)
        fault_apply_supplier_report(
            fault_id=message.fault_id, report=notification_to_report(notification), actor=actor
        )
        for event in notification_to_appointment_events(notification):
            appointment_apply_supplier_event(fault_id=message.fault_id, event=event, actor=actor)
