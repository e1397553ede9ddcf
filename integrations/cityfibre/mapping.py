"""From the supplier's notification to the domain's SupplierReport: the only place that knows
both vocabularies."""

from faults.services import CommentEntry, LateRepair, SupplierReport
from integrations.cityfibre.messages import (
    MissedAppointment,
    Notification,
    NotifiedAppointment,
)

MISSED_FLAGS = {
    "seller_missed": "seller missed",
    "end_user_missed": "end user missed",
    "mborc": "MBORC",
    "amended": "amended",
    "cancelled": "cancelled",
    "end_user_pre_agreed": "end user pre-agreed",
}


def _slot(appointment: NotifiedAppointment | MissedAppointment) -> str:
    day = appointment.date.isoformat() if appointment.date else "?"
    start = appointment.start_time.strftime("%H:%M") if appointment.start_time else "?"
    end = appointment.end_time.strftime("%H:%M") if appointment.end_time else "?"
    return f"{day} {start}-{end} (key {appointment.reservation_key or '?'})"


def _appointment_note(appointment: NotifiedAppointment) -> tuple[str, dict]:
    if appointment.closure_code:
        what = f"Appointment completed, closure code {appointment.closure_code}"
    elif appointment.cancelled:
        what = "Appointment cancelled"
    elif appointment.confirmation_status:
        what = f"Appointment {appointment.confirmation_status.lower()}"
    else:
        what = "Appointment"
    data = {
        "appointment": {
            "reservation_key": appointment.reservation_key,
            "date": appointment.date.isoformat() if appointment.date else None,
            "start_time": appointment.start_time.strftime("%H:%M")
            if appointment.start_time
            else None,
            "end_time": appointment.end_time.strftime("%H:%M") if appointment.end_time else None,
            "confirmation_status": appointment.confirmation_status,
            "cancelled": appointment.cancelled,
            "closure_code": appointment.closure_code,
        }
    }
    return f"{what}: {_slot(appointment)}", data


def _missed_note(missed: MissedAppointment) -> tuple[str, dict]:
    flags = [label for name, label in MISSED_FLAGS.items() if getattr(missed, name)]
    data = {
        "missed_appointment": {
            "reservation_key": missed.reservation_key,
            "date": missed.date.isoformat() if missed.date else None,
            **{name: getattr(missed, name) for name in MISSED_FLAGS},
        }
    }
    return f"Missed appointment {_slot(missed)}: {', '.join(flags) or 'no side given'}", data


def _maintainer_reference(value: str) -> str:
    """The supplier's samples carry "(Not in report; only after creation)" where no reference
    exists yet: a parenthesised note is not a reference."""
    value = value.strip()
    return "" if value.startswith("(") and value.endswith(")") else value


def notification_to_report(notification: Notification) -> SupplierReport:
    details = notification.details
    closure_codes = [a.closure_code for a in notification.appointments if a.closure_code]
    notes = [_appointment_note(a) for a in notification.appointments]
    if notification.missed_appointment is not None:
        notes.append(_missed_note(notification.missed_appointment))
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
        status_reason=details.status_reason,
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
        timeline_notes=tuple(notes),
        anomalies=tuple(anomalies),
    )
