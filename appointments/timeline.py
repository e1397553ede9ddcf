"""A fault's appointment history on its timeline (a contribution to `faults.timeline`)."""

from appointments.models import AppointmentEvent
from faults.contributions import TimelinePart, TimelineSource
from faults.models import Fault
from faults.timeline import TimelineActors, TimelineEntry


def _appointment_entry(event: AppointmentEvent, actors: TimelineActors) -> TimelineEntry:
    appointment = event.appointment
    who, who_detail = actors.name(event.actor_kind, event.actor_ref)
    return TimelineEntry(
        kind="appointment",
        label=f"Appointment {event.get_kind_display().lower()}",
        at=event.at,
        who=who,
        who_detail=who_detail,
        text=event.message,
        details={"reservation_key": appointment.reservation_key, "slot": appointment.slot_display},
        order=event.pk,
    )


def read_appointment_history(*, fault: Fault) -> TimelinePart:
    events = list(
        AppointmentEvent.objects.filter(appointment__fault_id=fault.pk).select_related(
            "appointment"
        )
    )

    def entries(actors: TimelineActors) -> list[TimelineEntry]:
        return [_appointment_entry(event, actors) for event in events]

    return TimelinePart(entries=entries)


# Above the messages exchanged with the supplier (ranks 20 and 30) at the same instant: what a
# message caused is listed above the message.
TIMELINE_SOURCE = TimelineSource(key="appointments", read=read_appointment_history, rank=10)
