"""The appointments app's exception rule, APPOINTMENT_MISSED_BY_SUPPLIER: raised on a fault still
being worked whose appointment the supplier missed; not for a miss counted against the end user;
solved when a new appointment replaces the missed one."""

from datetime import UTC, date, datetime

import pytest

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.choices import FaultStatus
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.rules import registered_types
from faults.exceptions.services import exceptions_sweep
from faults.exceptions.shipped import ship_rules
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def shipped(db):
    ship_rules(TicketExceptionRule, CallToAction)


def missed(fault, side: str, key: str = "K1") -> Appointment:
    return Appointment.objects.create(
        partner=fault.supplier,
        fault=fault,
        reservation_key=key,
        appointment_date=date(2026, 11, 23),
        start_time="08:00",
        end_time="13:00",
        state=AppointmentState.MISSED,
        missed=True,
        missed_side=side,
    )


def open_missed(fault):
    return TicketException.objects.filter(
        fault=fault, rule__type_name="APPOINTMENT_MISSED_BY_SUPPLIER", solved_at__isnull=True
    )


def test_it_is_registered_by_the_appointments_app():
    assert "APPOINTMENT_MISSED_BY_SUPPLIER" in registered_types()


def test_a_miss_by_the_supplier_raises_it_and_a_new_appointment_solves_it():
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    appointment = missed(fault, MissedSide.SELLER)

    exceptions_sweep(now=T0)
    (raised,) = open_missed(fault)
    assert raised.subject == f"{fault.supplier.name} missed the engineer appointment"
    assert "Mon 23 Nov 2026, 08:00 to 13:00" in raised.comment

    Appointment.objects.filter(pk=appointment.pk).update(state=AppointmentState.SUPERSEDED)
    Appointment.objects.create(
        partner=fault.supplier,
        fault=fault,
        reservation_key="K2",
        appointment_date=date(2026, 11, 26),
        state=AppointmentState.CONFIRMED,
    )
    exceptions_sweep(now=T0)
    assert not open_missed(fault).exists()


def test_a_miss_by_the_end_user_or_on_a_resolved_fault_raises_nothing():
    theirs = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=T0)
    missed(theirs, MissedSide.END_USER)
    resolved = FaultFactory(status=FaultStatus.RESOLVED)
    missed(resolved, MissedSide.SELLER, key="K3")

    exceptions_sweep(now=T0)

    assert not open_missed(theirs).exists()
    assert not open_missed(resolved).exists()
