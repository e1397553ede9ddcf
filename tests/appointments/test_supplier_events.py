"""The supplier's appointment news applied by `appointment_apply_supplier_event`: confirmation,
cancellation, completion with each closure code, missed with each flag, keys we never saw,
anomalies, late and repeated notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentEventKind, AppointmentState, MissedSide
from appointments.events import MissedFlags, SupplierAppointmentEvent
from appointments.models import Appointment
from appointments.selectors import missed_appointment_counts
from appointments.services import (
    appointment_apply_supplier_event,
    appointment_reappoint,
    appointment_reserve,
)
from faults.choices import ClosureCode, EventKind
from faults.models import Fault, FaultEvent
from tests.appointments.conftest import AGENT, first_slot, query, second_slot
from tests.helpers import SUPPLIER, bring_to, events

pytestmark = pytest.mark.django_db
S = AppointmentState


@pytest.fixture
def raised(tlos_draft, booked) -> Fault:
    return bring_to(Fault.objects.get(pk=tlos_draft.pk), "accepted")


@pytest.fixture
def apply(raised, booked):
    """Apply news about the booked appointment (or another key) to the raised fault."""

    def apply(**fields) -> Appointment | None:
        fields.setdefault("reservation_key", booked.reservation_key)
        fields.setdefault("message_ref", "CF-00001")
        event = SupplierAppointmentEvent(**fields)
        result = appointment_apply_supplier_event(fault_id=raised.pk, event=event, actor=SUPPLIER)
        if result is not None:
            result.refresh_from_db()
        return result

    return apply


def timeline(fault: Fault) -> list[FaultEvent]:
    return events(fault, EventKind.SUPPLIER_DATA)


# --- confirmation and cancellation -----------------------------------------------------------
def test_a_confirmation_confirms_the_appointment(apply, raised, booked):
    appointment = apply(confirmation_status="Confirmed")

    assert appointment.pk == booked.pk
    assert (appointment.state, appointment.confirmation_status) == (S.CONFIRMED, "Confirmed")
    assert appointment.history.last().kind == AppointmentEventKind.CONFIRMED
    assert timeline(raised)[-1].message == (
        f"Appointment {booked.reservation_key} ({booked.slot_display}): confirmed."
    )
    assert timeline(raised)[-1].actor_ref == SUPPLIER.ref


def test_a_failed_confirmation_is_recorded(apply):
    appointment = apply(confirmation_status="failed")

    assert (appointment.state, appointment.confirmation_status) == (S.FAILED, "Failed")


def test_a_confirmation_status_outside_the_vocabulary_is_an_anomaly(apply, raised):
    # Sample 30 carries the placeholder text of the supplier's documentation.
    appointment = apply(confirmation_status="Confirmed or Failed")
    apply(confirmation_status="Confirmed or Failed")

    assert (appointment.state, appointment.confirmation_status) == (S.ATTACHED, "")
    (anomaly,) = events(raised, EventKind.ANOMALY)
    assert "'Confirmed or Failed' is neither Confirmed nor Failed" in anomaly.message


def test_a_cancellation_by_the_supplier(apply, raised):
    appointment = apply(confirmation_status="Confirmed", cancelled=True)

    assert (appointment.state, appointment.cancelled) == (S.CANCELLED, True)
    assert appointment.history.last().kind == AppointmentEventKind.SUPPLIER_CANCELLED
    assert "cancelled by the supplier" in timeline(raised)[-1].message


# --- completion ------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ClosureCode.values)
def test_each_closure_code_completes_the_appointment_with_its_label(apply, raised, code):
    appointment = apply(confirmation_status="Confirmed", closure_code=code, cancelled=False)

    assert appointment.state == S.COMPLETED
    assert appointment.closure_code == code
    assert appointment.closure_label == ClosureCode(code).label
    assert appointment.get_closure_code_display() == ClosureCode(code).label
    assert appointment.completed_at is not None
    assert appointment.history.last().kind == AppointmentEventKind.COMPLETED
    assert f"closure code {code} ({ClosureCode(code).label})" in timeline(raised)[-1].message
    assert events(raised, EventKind.ANOMALY) == []


def test_a_closure_code_in_lower_case_is_read_as_the_code(apply):
    appointment = apply(closure_code=" fr ")

    assert (appointment.closure_code, appointment.closure_label) == ("FR", "Fault Resolved")


def test_an_unknown_closure_code_is_stored_as_sent_and_flagged_once(apply, raised):
    appointment = apply(closure_code="XYZ")
    again = apply(closure_code="XYZ")

    assert (appointment.state, appointment.closure_code, appointment.closure_label) == (
        S.COMPLETED,
        "XYZ",
        "",
    )
    assert again.history.count() == appointment.history.count()
    (anomaly,) = events(raised, EventKind.ANOMALY)
    assert "closure code 'XYZ' is not one of FR, FNR, HAZ" in anomaly.message
    assert anomaly.data == {"closure_code": "XYZ"}


# --- missed ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "field", "side"),
    [
        ("seller_missed", "seller_missed", MissedSide.SELLER),
        ("amended", "amended", MissedSide.NONE),
        ("cancelled", "missed_cancelled", MissedSide.NONE),
        ("end_user_missed", "end_user_missed", MissedSide.END_USER),
        ("end_user_pre_agreed", "end_user_pre_agreed", MissedSide.NONE),
        ("mborc", "mborc", MissedSide.MBORC),
    ],
)
def test_each_missed_flag_is_stored_and_the_side_derived(apply, raised, flag, field, side):
    appointment = apply(missed=MissedFlags(**{flag: True}))

    assert appointment.state == S.MISSED
    assert appointment.missed is True
    assert appointment.missed_side == side
    assert appointment.missed_at is not None
    flags = ["seller_missed", "amended", "missed_cancelled", "end_user_missed"]
    flags += ["end_user_pre_agreed", "mborc"]
    assert {name: getattr(appointment, name) for name in flags} == {
        name: name == field for name in flags
    }
    assert appointment.history.last().kind == AppointmentEventKind.MISSED
    assert "missed (" in timeline(raised)[-1].message


@pytest.mark.parametrize(
    ("flags", "side"),
    [
        (MissedFlags(seller_missed=True, mborc=True, end_user_missed=True), MissedSide.SELLER),
        (MissedFlags(mborc=True, end_user_missed=True), MissedSide.MBORC),
        (MissedFlags(), MissedSide.NONE),
    ],
)
def test_the_side_a_missed_appointment_counts_against(apply, flags, side):
    appointment = apply(missed=flags)

    assert (appointment.missed, appointment.missed_side) == (True, side)


def test_missed_appointments_are_counted_per_side(apply, partner, make_fault):
    apply(missed=MissedFlags(seller_missed=True))
    Appointment.objects.create(
        partner=partner,
        reservation_key="OTHER1",
        appointment_date=timezone.localdate(),
        missed=True,
        missed_side=MissedSide.END_USER,
        state=S.MISSED,
    )

    assert missed_appointment_counts() == {"seller": 1, "end-user": 1}
    assert missed_appointment_counts(date_to=timezone.localdate()) == {"end-user": 1}
    assert missed_appointment_counts(partner=partner, date_from=timezone.localdate()) == {
        "seller": 1,
        "end-user": 1,
    }


# --- idempotency and order -------------------------------------------------------------------
def test_the_same_notification_twice_changes_nothing_the_second_time(apply, raised):
    news = {"confirmation_status": "Confirmed", "closure_code": "FR"}
    first = apply(**news)
    rows = (first.history.count(), FaultEvent.objects.filter(fault=raised).count())

    second = apply(**news)

    assert (second.history.count(), FaultEvent.objects.filter(fault=raised).count()) == rows
    assert second.updated_at == first.updated_at


def test_a_late_confirmation_does_not_undo_a_completion(apply):
    apply(closure_code="FR")

    appointment = apply(confirmation_status="Confirmed")

    assert (appointment.state, appointment.confirmation_status) == (S.COMPLETED, "Confirmed")


def test_missed_after_completed_keeps_it_completed_with_the_flags(apply):
    apply(closure_code="FTA")

    appointment = apply(missed=MissedFlags(seller_missed=True))

    assert appointment.state == S.COMPLETED
    assert (appointment.missed, appointment.missed_side) == (True, MissedSide.SELLER)
    assert "kept as completed" in appointment.history.last().message


def test_the_supplier_moving_the_slot_is_recorded(apply, booked):
    day = booked.appointment_date + timedelta(days=3)

    appointment = apply(
        date=day, start_time="12:00", end_time="17:00", confirmation_status="Confirmed"
    )

    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        day,
        "12:00",
        "17:00",
    )
    assert appointment.history.last().message == (
        f"Moved from {booked.slot_display} to {day.isoformat()} 12:00-17:00; confirmed."
    )


def test_malformed_slot_times_are_flagged_and_the_stored_ones_kept(apply, raised, booked):
    appointment = apply(start_time="8am", end_time="1pm", confirmation_status="Confirmed")

    assert (appointment.start_time, appointment.state) == (booked.start_time, S.CONFIRMED)
    (anomaly,) = events(raised, EventKind.ANOMALY)
    assert "not a valid HH:MM slot" in anomaly.message


def test_news_of_a_superseded_appointment_is_stored_without_reviving_it(
    supplier, apply, raised, booked
):
    appointment_reappoint(fault_id=raised.pk, actor=AGENT, query=query(), slot=second_slot())

    old = apply(cancelled=True)

    assert (old.state, old.cancelled) == (S.SUPERSEDED, True)
    assert Appointment.objects.get(fault=raised, state=S.ATTACHED).is_reappointment


# --- keys ------------------------------------------------------------------------------------
def test_a_key_we_never_saw_is_recorded_and_becomes_the_current_appointment(apply, raised, booked):
    appointment = apply(
        reservation_key="CF-BOOKED-BY-PHONE",
        date=booked.appointment_date,
        start_time="09:00",
        end_time="12:00",
        confirmation_status="Confirmed",
    )

    booked.refresh_from_db()
    assert appointment.pk != booked.pk
    assert (appointment.state, appointment.fault_id) == (S.CONFIRMED, raised.pk)
    assert appointment.address_key == raised.address_key
    assert booked.state == S.SUPERSEDED
    assert [h.kind for h in appointment.history.all()] == ["discovered", "confirmed"]
    assert "which we had not seen" in timeline(raised)[-1].message
    assert timeline(raised)[-1].message.endswith(": confirmed.")


def test_the_faults_own_key_without_a_row_is_not_called_unseen(make_fault):
    fault = make_fault(
        appointment_reservation_key="SETBYHAND1",
        appointment_valid_until=timezone.now() + timedelta(hours=1),
    )
    fault = bring_to(fault, "accepted")

    appointment = appointment_apply_supplier_event(
        fault_id=fault.pk,
        event=SupplierAppointmentEvent(
            reservation_key="SETBYHAND1", confirmation_status="Confirmed"
        ),
        actor=SUPPLIER,
    )

    assert appointment.state == S.CONFIRMED
    assert "the fault's reservation, recorded" in timeline(fault)[-1].message


def test_a_reservation_made_without_a_fault_is_attached_by_the_suppliers_news(
    partner, supplier, make_fault
):
    reserved = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())
    fault = bring_to(
        make_fault(
            appointment_reservation_key=reserved.reservation_key,
            appointment_valid_until=reserved.valid_until,
        ),
        "accepted",
    )
    event = SupplierAppointmentEvent(reservation_key=reserved.reservation_key)

    appointment = appointment_apply_supplier_event(fault_id=fault.pk, event=event, actor=SUPPLIER)
    appointment_apply_supplier_event(fault_id=fault.pk, event=event, actor=SUPPLIER)

    appointment.refresh_from_db()
    assert (appointment.pk, appointment.fault_id) == (reserved.pk, fault.pk)
    assert appointment.state == S.ATTACHED
    assert [h.kind for h in appointment.history.all()] == ["reserved", "attached"]
    assert "reserved without a fault, attached" in timeline(fault)[-1].message


def test_news_without_a_key_applies_to_the_current_appointment(apply, booked):
    appointment = apply(reservation_key="", confirmation_status="Confirmed")

    assert (appointment.pk, appointment.state) == (booked.pk, S.CONFIRMED)


def test_news_without_a_key_and_no_appointment_is_an_anomaly(make_fault):
    fault = bring_to(make_fault(fault_type="Impaired Service"), "accepted")
    event = SupplierAppointmentEvent(reservation_key="", closure_code="FR")

    for _ in range(2):
        assert (
            appointment_apply_supplier_event(fault_id=fault.pk, event=event, actor=SUPPLIER) is None
        )

    (anomaly,) = events(fault, EventKind.ANOMALY)
    assert "without a reservation key" in anomaly.message


def test_a_key_over_36_characters_is_flagged_not_applied(apply, raised):
    assert apply(reservation_key="K" * 37, confirmation_status="Confirmed") is None

    (anomaly,) = events(raised, EventKind.ANOMALY)
    assert "37 characters" in anomaly.message
    assert Appointment.objects.filter(fault=raised).count() == 1
