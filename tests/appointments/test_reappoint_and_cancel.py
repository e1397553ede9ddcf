"""Re-appointing a raised Service Outage fault (query + reserve + amendFaultReport with the new
key), cancelling an appointment on our side, and the fault services that carry the key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentState
from appointments.errors import (
    AppointmentError,
    AppointmentNotAllowed,
    AppointmentNotFound,
    AppointmentRefused,
    AppointmentSupplierUnavailable,
)
from appointments.events import SupplierAppointmentEvent
from appointments.gateways import Slot
from appointments.models import Appointment
from appointments.services import (
    appointment_apply_supplier_event,
    appointment_cancel,
    appointment_reappoint,
    appointment_reserve,
)
from faults.choices import EventKind, PartnerOperation
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.models import Fault
from faults.services import fault_appointment_clear, fault_appointment_set
from integrations.cityfibre import soap
from integrations.cityfibre.schema import validate_outbound
from integrations.models import OutboundMessage
from integrations.xml import parse_xml
from tests.appointments.conftest import AGENT, first_slot, query, second_slot
from tests.helpers import SUPPLIER, bring_to, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(tlos_draft, booked) -> Fault:
    return bring_to(Fault.objects.get(pk=tlos_draft.pk), "in-progress")


def amends(fault: Fault) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(fault=fault, operation=PartnerOperation.AMEND).order_by("id")
    )


# --- re-appoint ------------------------------------------------------------------------------
def test_reappointing_sends_a_valid_amend_with_the_new_key_and_slot(supplier, raised, booked):
    new = appointment_reappoint(fault_id=raised.pk, actor=AGENT, query=query(), slot=second_slot())

    booked.refresh_from_db()
    raised.refresh_from_db()
    assert booked.state == AppointmentState.SUPERSEDED
    assert (new.state, new.is_reappointment, new.fault_id) == (
        AppointmentState.ATTACHED,
        True,
        raised.pk,
    )
    assert raised.appointment_reservation_key == new.reservation_key == "RES0002KEY"
    # Query then reserve, both flagged as a re-appointment.
    assert [call[0] for call in supplier.calls[-2:]] == ["query", "reserve"]
    assert all(call[2].reappointment for call in supplier.calls[-2:])

    (amend,) = amends(raised)
    assert amend.message_type == "amendFaultReport"
    assert amend.payload["appointment"] == {
        "reservation_key": "RES0002KEY",
        "date": second_slot().date.isoformat(),
        "start_time": "08:00",
        "end_time": "13:00",
    }
    assert "<appointmentReservationKey>RES0002KEY</appointmentReservationKey>" in amend.body
    assert f"<appointmentDate>{second_slot().date.isoformat()}</appointmentDate>" in amend.body
    validate_outbound(soap.unwrap(parse_xml(amend.body.encode())))  # against the supplier's XSD


def test_a_reappointment_is_on_the_faults_timeline(supplier, raised, booked):
    appointment_reappoint(fault_id=raised.pk, actor=AGENT, query=query(), slot=second_slot())

    amended = events(raised, EventKind.AMENDED)[-1]
    assert amended.data["changes"]["appointment_reservation_key"] == [
        booked.reservation_key,
        "RES0002KEY",
    ]
    assert "RES0002KEY" in amended.message


def test_a_slot_no_longer_offered_is_refused_and_nothing_changes(supplier, raised, booked):
    full = Slot(date=first_slot().date, start_time="13:00", end_time="18:00")

    with pytest.raises(AppointmentRefused, match="no longer offers"):
        appointment_reappoint(fault_id=raised.pk, actor=AGENT, query=query(), slot=full)

    booked.refresh_from_db()
    assert booked.state == AppointmentState.ATTACHED
    assert Appointment.objects.count() == 1
    assert amends(raised) == []
    assert supplier.calls[-1][0] == "query"


def test_supplier_down_while_reappointing_changes_nothing(supplier, raised, booked):
    supplier.down = True

    with pytest.raises(AppointmentSupplierUnavailable):
        appointment_reappoint(fault_id=raised.pk, actor=AGENT, query=query(), slot=second_slot())

    booked.refresh_from_db()
    assert booked.state == AppointmentState.ATTACHED
    assert amends(raised) == []


def test_a_draft_is_not_reappointed(supplier, tlos_draft, booked):
    with pytest.raises(AppointmentNotAllowed, match="is a draft"):
        appointment_reappoint(
            fault_id=tlos_draft.pk, actor=AGENT, query=query(), slot=second_slot()
        )
    assert [call[0] for call in supplier.calls] == ["reserve"]  # the booking only


def test_a_closed_fault_is_not_reappointed(supplier, tlos_draft, booked):
    closed = bring_to(Fault.objects.get(pk=tlos_draft.pk), "closed")

    with pytest.raises(AppointmentNotAllowed, match="is closed"):
        appointment_reappoint(fault_id=closed.pk, actor=AGENT, query=query(), slot=second_slot())


def test_a_raised_fault_of_another_type_is_not_reappointed(supplier, make_fault):
    impaired = bring_to(make_fault(fault_type="Impaired Service"), "accepted")

    with pytest.raises(AppointmentError, match="Only a Service Outage"):
        appointment_reappoint(fault_id=impaired.pk, actor=AGENT, query=query(), slot=second_slot())


# --- cancel ----------------------------------------------------------------------------------
def test_an_unused_reservation_is_cancelled_once(partner, supplier):
    reserved = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())

    appointment_cancel(appointment_id=reserved.pk, actor=AGENT, reason="Customer rang back.")
    appointment_cancel(appointment_id=reserved.pk, actor=AGENT)

    reserved.refresh_from_db()
    assert (reserved.state, reserved.cancelled) == (AppointmentState.CANCELLED, True)
    assert [h.kind for h in reserved.history.all()] == ["reserved", "cancelled"]
    assert "Customer rang back." in reserved.history.last().message


def test_cancelling_a_drafts_appointment_takes_the_key_off_the_fault(tlos_draft, booked):
    appointment_cancel(appointment_id=booked.pk, actor=AGENT)

    tlos_draft.refresh_from_db()
    assert tlos_draft.appointment_reservation_key == ""
    assert tlos_draft.appointment_valid_until is None
    assert "taken off the fault" in events(tlos_draft, EventKind.AMENDED)[-1].message


def test_cancelling_a_raised_faults_appointment_is_recorded_and_the_key_kept(raised, booked):
    appointment_cancel(appointment_id=booked.pk, actor=AGENT, reason="Site closed.")

    raised.refresh_from_db()
    assert raised.appointment_reservation_key == booked.reservation_key
    last = events(raised, EventKind.AMENDED)[-1]
    assert "cancelled on our side" in last.message
    assert "Site closed." in last.message
    assert amends(raised) == []


def test_a_completed_appointment_cannot_be_cancelled(raised, booked):
    appointment_apply_supplier_event(
        fault_id=raised.pk,
        event=SupplierAppointmentEvent(reservation_key=booked.reservation_key, closure_code="FR"),
        actor=SUPPLIER,
    )

    with pytest.raises(AppointmentNotAllowed, match="nothing to cancel"):
        appointment_cancel(appointment_id=booked.pk, actor=AGENT)


def test_cancelling_an_unknown_appointment_is_a_404(db):
    with pytest.raises(AppointmentNotFound):
        appointment_cancel(appointment_id=999_999, actor=AGENT)


# --- the fault's side ------------------------------------------------------------------------
def test_a_key_over_36_characters_is_refused(tlos_draft):
    with pytest.raises(FaultValidationError) as error:
        fault_appointment_set(
            fault_id=tlos_draft.pk, actor=AGENT, reservation_key="K" * 37, valid_until=None
        )

    assert (
        "At most 36 characters (it has 37)" in error.value.errors["appointment_reservation_key"][0]
    )


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        ({"date": "20-01-2030"}, "date"),
        ({"start_time": "8am", "end_time": "13:00"}, "start_time"),
        ({"start_time": "13:00", "end_time": "08:00"}, "end_time"),
    ],
)
def test_a_malformed_slot_is_refused(tlos_draft, slot, field):
    with pytest.raises(FaultValidationError) as error:
        fault_appointment_set(
            fault_id=tlos_draft.pk, actor=AGENT, reservation_key="K1", valid_until=None, slot=slot
        )
    assert field in error.value.errors


def test_setting_the_same_key_again_sends_nothing(raised, booked):
    for _ in range(2):
        fault_appointment_set(
            fault_id=raised.pk,
            actor=AGENT,
            reservation_key="NEWKEY1",
            valid_until=booked.valid_until,
        )

    (amend,) = amends(raised)
    assert amend.payload == {"changes": {}, "appointment": {"reservation_key": "NEWKEY1"}}


def test_a_finished_fault_takes_no_appointment(tlos_draft, booked):
    closed = bring_to(Fault.objects.get(pk=tlos_draft.pk), "closed")

    with pytest.raises(TransitionNotAllowed):
        fault_appointment_set(
            fault_id=closed.pk, actor=AGENT, reservation_key="K2", valid_until=None
        )


def test_another_type_takes_no_appointment(make_fault):
    impaired = make_fault(fault_type="Impaired Service")

    with pytest.raises(FaultValidationError, match="Only a Service Outage"):
        fault_appointment_set(
            fault_id=impaired.pk,
            actor=AGENT,
            reservation_key="K2",
            valid_until=timezone.now() + timedelta(hours=1),
        )


def test_only_a_drafts_key_is_cleared(raised):
    with pytest.raises(TransitionNotAllowed):
        fault_appointment_clear(fault_id=raised.pk, actor=AGENT)
