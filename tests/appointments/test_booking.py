"""Querying slots, reserving one and attaching it to a draft Service Outage fault; the TLOS rule
at submit; what happens when the supplier refuses or does not answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentEventKind, AppointmentState
from appointments.errors import (
    AppointmentError,
    AppointmentNotAllowed,
    AppointmentRefused,
    AppointmentSupplierError,
    AppointmentSupplierUnavailable,
)
from appointments.gateways import Slot
from appointments.models import Appointment, AppointmentEvent
from appointments.services import appointment_attach, appointment_reserve, appointment_slots_query
from faults.choices import EventKind, FaultStatus
from faults.errors import FaultValidationError
from faults.models import Fault, FaultEvent
from faults.services import fault_submit
from integrations.models import OutboundMessage
from tests.appointments.conftest import (
    AGENT,
    PRODUCT,
    UPRN,
    first_slot,
    query,
    second_slot,
    tomorrow,
)
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


def nothing_stored(fault: Fault | None = None, *, events_before: int = 0) -> None:
    assert not Appointment.objects.exists()
    assert not AppointmentEvent.objects.exists()
    if fault is not None:
        fault.refresh_from_db()
        assert fault.appointment_reservation_key == ""
        assert FaultEvent.objects.filter(fault=fault).count() == events_before


# --- query -----------------------------------------------------------------------------------
def test_slots_are_the_suppliers_for_the_trimmed_query(partner, supplier):
    slots = appointment_slots_query(
        partner=partner, query=query(address_key=f"  {UPRN} ", product_name=f" {PRODUCT}")
    )

    assert [(s.start_time, s.available) for s in slots] == [
        ("08:00", True),
        ("13:00", False),
        ("08:00", True),
    ]
    ((_kind, slug, asked),) = supplier.calls
    assert (slug, asked.address_key, asked.product_name) == (partner.slug, UPRN, PRODUCT)


def test_slots_may_be_asked_from_today(partner, supplier):
    assert appointment_slots_query(partner=partner, query=query(from_date=timezone.localdate()))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"address_key": ""}, "address_key", "Give the address key"),
        ({"address_key": "   "}, "address_key", "Give the address key"),
        ({"address_key": "1" * 64}, "address_key", "At most 63 characters (it has 64)"),
        ({"address_key": "1\x002"}, "address_key", "control character"),
        ({"address_key": "1\x012"}, "address_key", "control character"),
        ({"product_name": "ftth\x1bl2r"}, "product_name", "control character"),
        ({"from_date": timezone.localdate() - timedelta(days=1)}, "from_date", "in the past"),
        ({"from_date": "2030-01-01"}, "from_date", "YYYY-MM-DD"),
        ({"product_name": ""}, "product_name", "Give the product name"),
        ({"product_name": "p" * 81}, "product_name", "At most 80 characters (it has 81)"),
        ({"appointment_type": "visit"}, "appointment_type", "One of: fault, order"),
    ],
)
def test_a_bad_query_is_refused_before_the_supplier_is_asked(
    partner, supplier, changes, field, words
):
    with pytest.raises(AppointmentError) as error:
        appointment_slots_query(partner=partner, query=query(**changes))

    assert words in error.value.errors[field][0]
    assert error.value.status_code == 400
    assert supplier.calls == []


def test_a_partner_without_an_appointment_service_is_refused(db):
    other = PartnerFactory(slug="tmf-supplier", protocol="tmf621")

    with pytest.raises(AppointmentError) as error:
        appointment_slots_query(partner=other, query=query())

    assert "does not offer appointments" in error.value.errors["partner"][0]


def test_a_partner_whose_credentials_were_refused_is_not_asked(partner, supplier):
    partner.credentials_broken_at = timezone.now()
    partner.credentials_broken_reason = "HTTP 401 to reserveAppointment"

    with pytest.raises(AppointmentSupplierUnavailable, match="refused our credentials") as error:
        appointment_slots_query(partner=partner, query=query())

    assert error.value.status_code == 503
    assert supplier.calls == []


def test_an_inactive_partner_is_refused(partner, supplier):
    partner.is_active = False

    with pytest.raises(AppointmentError, match="not active"):
        appointment_slots_query(partner=partner, query=query())
    assert supplier.calls == []


def test_supplier_down_on_query_is_a_503_with_a_clear_message(partner, supplier):
    supplier.down = True

    with pytest.raises(AppointmentSupplierUnavailable) as error:
        appointment_slots_query(partner=partner, query=query())

    assert error.value.status_code == 503
    assert error.value.message == (
        "The supplier's appointment service is not answering; try again in a minute."
    )
    assert "connection refused" in error.value.detail


# --- reserve ---------------------------------------------------------------------------------
def test_a_reservation_without_a_fault_is_stored_as_reserved(partner, supplier):
    appointment = appointment_reserve(
        partner=partner, actor=AGENT, query=query(), slot=first_slot()
    )

    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.RESERVED
    assert appointment.fault is None
    assert appointment.reservation_key == "RES0001KEY"
    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        first_slot().date,
        "08:00",
        "13:00",
    )
    assert (appointment.address_key, appointment.product_name) == (UPRN, PRODUCT)
    assert appointment.valid_until > timezone.now()
    assert [h.kind for h in appointment.history.all()] == [AppointmentEventKind.RESERVED]
    assert appointment.history.get().actor_ref == "test-agent"


def test_reserve_and_attach_then_submit_raises_the_fault_with_the_key(tlos_draft, booked):
    fault = Fault.objects.get(pk=tlos_draft.pk)
    assert booked.state == AppointmentState.ATTACHED
    assert booked.fault_id == fault.pk
    assert fault.appointment_reservation_key == booked.reservation_key
    assert fault.appointment_valid_until == booked.valid_until
    (amended,) = events(fault, EventKind.AMENDED)
    assert booked.reservation_key in amended.message
    assert [h.kind for h in booked.history.all()] == ["reserved", "attached"]

    fault = fault_submit(fault_id=fault.pk, actor=AGENT)

    assert fault.status == FaultStatus.PENDING
    raise_message = OutboundMessage.objects.get(fault=fault)
    assert raise_message.message_type == "addFaultReport"
    assert (
        f"<appointmentReservationKey>{booked.reservation_key}</appointmentReservationKey>"
        in raise_message.body
    )


def test_a_reservation_is_attached_later_and_attaching_it_again_changes_nothing(
    partner, supplier, tlos_draft
):
    reserved = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())

    appointment_attach(appointment_id=reserved.pk, fault_id=tlos_draft.pk, actor=AGENT)
    appointment_attach(appointment_id=reserved.pk, fault_id=tlos_draft.pk, actor=AGENT)

    reserved.refresh_from_db()
    assert reserved.state == AppointmentState.ATTACHED
    assert reserved.history.count() == 2
    assert len(events(tlos_draft, EventKind.AMENDED)) == 1


def test_another_slot_for_the_draft_supersedes_the_first(partner, supplier, tlos_draft, booked):
    second = appointment_reserve(
        partner=partner, actor=AGENT, query=query(), slot=second_slot(), fault_id=tlos_draft.pk
    )

    booked.refresh_from_db()
    tlos_draft.refresh_from_db()
    assert booked.state == AppointmentState.SUPERSEDED
    assert second.state == AppointmentState.ATTACHED
    assert tlos_draft.appointment_reservation_key == second.reservation_key
    assert "Superseded by RES0002KEY" in booked.history.last().message


def test_attach_is_refused_to_a_fault_that_is_not_a_service_outage(partner, supplier, make_fault):
    impaired = make_fault(fault_type="Impaired Service")
    events_before = FaultEvent.objects.filter(fault=impaired).count()

    with pytest.raises(AppointmentError) as error:
        appointment_reserve(
            partner=partner, actor=AGENT, query=query(), slot=first_slot(), fault_id=impaired.pk
        )

    assert error.value.message == "Only a Service Outage (TLOS) fault carries an appointment."
    assert "'Impaired Service', not Service Outage" in error.value.errors["fault"][0]
    assert supplier.calls == []  # refused before the supplier held a slot for nothing
    nothing_stored(impaired, events_before=events_before)


def test_attach_is_refused_to_a_raised_fault(partner, supplier, tlos_draft, booked):
    other = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=second_slot())
    fault_submit(fault_id=tlos_draft.pk, actor=AGENT)

    with pytest.raises(AppointmentNotAllowed) as error:
        appointment_attach(appointment_id=other.pk, fault_id=tlos_draft.pk, actor=AGENT)

    assert error.value.status_code == 409
    assert "only to a draft" in error.value.message
    assert "Re-appoint" in error.value.message
    other.refresh_from_db()
    assert other.state == AppointmentState.RESERVED


def test_attach_is_refused_to_another_suppliers_fault(partner, supplier, db):
    elsewhere = FaultFactory(fault_type="Service Outage")
    reserved = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())

    with pytest.raises(AppointmentError, match="another supplier"):
        appointment_attach(appointment_id=reserved.pk, fault_id=elsewhere.pk, actor=AGENT)


def test_an_expired_reservation_cannot_be_attached(partner, supplier, tlos_draft):
    supplier.valid_for = timedelta(seconds=-1)
    reserved = appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())

    with pytest.raises(AppointmentError) as error:
        appointment_attach(appointment_id=reserved.pk, fault_id=tlos_draft.pk, actor=AGENT)

    assert "query the slots again and reserve a new one" in error.value.errors["appointment"][0]
    tlos_draft.refresh_from_db()
    assert tlos_draft.appointment_reservation_key == ""


def test_a_reservation_that_expired_before_submit_asks_the_agent_to_query_again(tlos_draft, booked):
    # Time passes: the supplier's hold ran out before the agent pressed submit.
    Fault.objects.filter(pk=tlos_draft.pk).update(
        appointment_valid_until=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(FaultValidationError) as error:
        fault_submit(fault_id=tlos_draft.pk, actor=AGENT)

    assert "query the slots again" in error.value.errors["appointment_reservation_key"][0]
    assert not OutboundMessage.objects.filter(fault=tlos_draft).exists()


def test_a_tlos_draft_without_a_reservation_is_not_submitted(tlos_draft):
    with pytest.raises(FaultValidationError) as error:
        fault_submit(fault_id=tlos_draft.pk, actor=AGENT)

    assert "reserve one first" in error.value.errors["appointment_reservation_key"][0]


def test_a_reservation_refused_by_the_supplier_stores_nothing(partner, supplier, tlos_draft):
    supplier.refuse = "The slot is no longer available."
    events_before = FaultEvent.objects.filter(fault=tlos_draft).count()

    with pytest.raises(AppointmentRefused) as error:
        appointment_reserve(
            partner=partner, actor=AGENT, query=query(), slot=first_slot(), fault_id=tlos_draft.pk
        )

    assert error.value.status_code == 409
    assert error.value.message == "The supplier refused: The slot is no longer available."
    nothing_stored(tlos_draft, events_before=events_before)


def test_supplier_down_on_reserve_stores_nothing(partner, supplier, tlos_draft):
    supplier.down = True
    events_before = FaultEvent.objects.filter(fault=tlos_draft).count()

    with pytest.raises(AppointmentSupplierUnavailable):
        appointment_reserve(
            partner=partner, actor=AGENT, query=query(), slot=first_slot(), fault_id=tlos_draft.pk
        )

    nothing_stored(tlos_draft, events_before=events_before)


def test_a_reservation_key_over_36_characters_from_the_supplier_is_not_stored(partner, supplier):
    supplier.key_override = "K" * 37

    with pytest.raises(AppointmentSupplierError, match="37 characters"):
        appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())

    nothing_stored()


@pytest.mark.parametrize(
    ("slot", "field", "words"),
    [
        (Slot(date=tomorrow(), start_time="8:00", end_time="13:00"), "start_time", "HH:MM"),
        (Slot(date=tomorrow(), start_time="08:00", end_time="24:00"), "end_time", "HH:MM"),
        (Slot(date=tomorrow(), start_time="08:60", end_time="13:00"), "start_time", "HH:MM"),
        (Slot(date=tomorrow(), start_time="13:00", end_time="08:00"), "end_time", "end after"),
        (Slot(date=tomorrow(), start_time="08:00", end_time="08:00"), "end_time", "end after"),
        (
            Slot(
                date=timezone.localdate() - timedelta(days=1), start_time="08:00", end_time="13:00"
            ),
            "date",
            "in the past",
        ),
    ],
)
def test_a_bad_slot_is_refused_before_the_supplier_is_asked(partner, supplier, slot, field, words):
    with pytest.raises(AppointmentError) as error:
        appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=slot)

    assert words in error.value.errors[field][0]
    assert supplier.calls == []


def test_a_reserved_fault_goes_through_the_lifecycle(tlos_draft, booked):
    fault = bring_to(Fault.objects.get(pk=tlos_draft.pk), "accepted")

    assert fault.appointment_reservation_key == booked.reservation_key
