"""A parsed notifyFaultReportUpdate in the domain's terms; no XML and no database here.

`notification_to_report` is the fault's part, a `faults.services.SupplierReport`: the status and
its reason (worded by `reasons`), the supplier's reference (not its samples' placeholder), the
updates and the comment, the triage details and the latest closure code, the late-repair figures,
and whatever could not be read as anomalies a person will see. `notification_to_appointment_events`
is the appointments' part: one `appointments.events.SupplierAppointmentEvent` per appointment the
notification lists (confirmed or failed, cancelled, completed with a closure code), in its order,
then the missed appointment with its flags.

The adapter applies both (`CityFibreAdapter.apply_inbound`): the report to the fault, then each
event through the appointments service, which records it on the appointment and the timeline.
"""

from datetime import time

from appointments.events import MissedFlags, SupplierAppointmentEvent
from faults.services import CommentEntry, LateRepair, SupplierReport
from integrations.cityfibre.messages import (
    MissedAppointment,
    Notification,
    NotifiedAppointment,
)
from integrations.cityfibre.reasons import reason_text


def _hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def _appointment_event(
    appointment: NotifiedAppointment, notification: Notification
) -> SupplierAppointmentEvent:
    return SupplierAppointmentEvent(
        reservation_key=appointment.reservation_key,
        date=appointment.date,
        start_time=_hhmm(appointment.start_time),
        end_time=_hhmm(appointment.end_time),
        confirmation_status=appointment.confirmation_status or "",
        cancelled=bool(appointment.cancelled),
        closure_code=appointment.closure_code,
        sent_at=notification.as_of,
        message_ref=notification.message_id,
    )


def _missed_event(
    missed: MissedAppointment, notification: Notification
) -> SupplierAppointmentEvent:
    """The supplier's Y/N flags; one it sent unreadably (already a problem of the message) is
    taken as N."""
    return SupplierAppointmentEvent(
        reservation_key=missed.reservation_key,
        date=missed.date,
        start_time=_hhmm(missed.start_time),
        end_time=_hhmm(missed.end_time),
        missed=MissedFlags(
            seller_missed=bool(missed.seller_missed),
            amended=bool(missed.amended),
            cancelled=bool(missed.cancelled),
            end_user_missed=bool(missed.end_user_missed),
            end_user_pre_agreed=bool(missed.end_user_pre_agreed),
            mborc=bool(missed.mborc),
        ),
        sent_at=notification.as_of,
        message_ref=notification.message_id,
    )


def notification_to_appointment_events(
    notification: Notification,
) -> list[SupplierAppointmentEvent]:
    """Each appointment the notification lists (confirmation, cancellation, completion with a
    closure code), in its order, then its missed appointment."""
    events = [_appointment_event(a, notification) for a in notification.appointments]
    if notification.missed_appointment is not None:
        events.append(_missed_event(notification.missed_appointment, notification))
    return events


def _maintainer_reference(value: str) -> str:
    """The supplier's samples carry "(Not in report; only after creation)" where no reference
    exists yet: a parenthesised note is not a reference."""
    value = value.strip()
    return "" if value.startswith("(") and value.endswith(")") else value


def notification_to_report(notification: Notification) -> SupplierReport:
    details = notification.details
    closure_codes = [a.closure_code for a in notification.appointments if a.closure_code]
    # An unreadable value (an unknown status, a placeholder instead of a date) is an anomaly:
    # the supplier sent something outside its own vocabulary and a person should see it.
    anomalies = []
    if notification.problems:
        anomalies.append(
            (
                "Parts of the message could not be read: " + "; ".join(notification.problems),
                {"problems": notification.problems},
            )
        )
    late = notification.late_repair_notification
    comment = notification.comment
    return SupplierReport(
        sent_at=notification.as_of,
        status=details.status,
        status_reason=reason_text(details.status_reason),
        maintainer_fault_reference=_maintainer_reference(notification.maintainer_fault_reference),
        updates=tuple(notification.updates),
        comments=(
            (CommentEntry(comment.value, comment.commented_by, comment.commented_time),)
            if comment
            else ()
        ),
        details={
            "triage_complete": details.triage_complete,
            "triage_findings": details.triage_findings,
            "closure_code": closure_codes[-1] if closure_codes else "",
        },
        late_repair=(
            LateRepair(
                total_days=late.total_delay_days,
                seller_days=late.seller_delay_days,
                non_seller_days=late.non_seller_delay_days,
                exclusions=[
                    {
                        "reason": e.reason,
                        "days": e.days,
                        "start": e.start.isoformat() if e.start else None,
                        "end": e.end.isoformat() if e.end else None,
                    }
                    for e in late.exclusions
                ],
            )
            if late
            else None
        ),
        anomalies=tuple(anomalies),
    )
