"""ETA_MISSING, contributed by the appointments app: a fault the supplier accepted 4 hours ago (the
shipped threshold) and still works on, with neither an expected resolution time from the
supplier nor a booked engineer appointment. Raised when that has held for the threshold and not
before; solved by the sweep when the supplier's time arrives or an appointment is booked. The
supplier's time is the fault's `supplier_expected_resolution_at`, set by the supplier path from
what each protocol's reader maps (TMF621's `expectedResolutionDate`)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from appointments.choices import AppointmentState
from appointments.models import Appointment
from faults.choices import FaultStatus, Party
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.rules import registered_types
from faults.exceptions.services import exceptions_sweep
from faults.exceptions.shipped import ship_rules
from faults.models import FaultUpdate
from faults.services import Actor, fault_apply_supplier_report
from integrations.tmf621.tickets import ticket_to_report
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # accepted then
THRESHOLD = timedelta(hours=4)


@pytest.fixture(autouse=True)
def shipped(db):
    ship_rules(TicketExceptionRule, CallToAction)


def accepted(status: str = FaultStatus.IN_PROGRESS, **fields):
    # The supplier keeps talking, so NO_SUPPLIER_UPDATE stays quiet and only this rule speaks.
    return FaultFactory(
        status=status, accepted_at=T0, submitted_at=T0, last_supplier_message_at=T0, **fields
    )


def open_eta(fault):
    return TicketException.objects.filter(
        fault=fault, rule__type_name="ETA_MISSING", solved_at__isnull=True
    )


def book(fault, state: str = AppointmentState.CONFIRMED, key: str = "K1", **fields):
    return Appointment.objects.create(
        partner=fault.supplier,
        fault=fault,
        reservation_key=key,
        appointment_date=date(2026, 11, 26),
        start_time="08:00",
        end_time="13:00",
        state=state,
        **fields,
    )


def supplier_expects(fault, when: str, sent_at: datetime = T0 + timedelta(hours=5)) -> None:
    """The supplier's expected resolution arriving: a TMF621 ticket's expectedResolutionDate,
    read by the real reader and applied by the supplier path."""
    report = ticket_to_report(
        {"id": "TT-1", "expectedResolutionDate": when}, sent_at=sent_at, holds_pause_sla=True
    )
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=Actor.partner("m-1"))


def test_it_is_registered_by_the_appointments_app():
    assert "ETA_MISSING" in registered_types()


def test_raised_at_the_threshold_not_before_with_words_for_a_person():
    fault = accepted()

    exceptions_sweep(now=T0 + THRESHOLD - timedelta(minutes=1))
    assert not open_eta(fault).exists()

    exceptions_sweep(now=T0 + THRESHOLD)
    (raised,) = open_eta(fault)
    supplier = fault.supplier.name
    assert raised.subject == f"No fix time from {supplier} 4 hours after acceptance"
    assert raised.comment == (
        f"{supplier} accepted the fault at 2026-11-24 10:00 UTC and has given neither an "
        "expected resolution time nor an engineer appointment. Ask for one."
    )


def test_the_admins_threshold_is_the_one_used():
    TicketExceptionRule.objects.filter(type_name="ETA_MISSING").update(threshold_hours=1.5)
    fault = accepted()

    exceptions_sweep(now=T0 + timedelta(minutes=89))
    assert not open_eta(fault).exists()
    exceptions_sweep(now=T0 + timedelta(minutes=90))
    assert open_eta(fault).get().subject.endswith("1.5 hours after acceptance")


def test_the_suppliers_expected_resolution_time_solves_it():
    fault = accepted()
    exceptions_sweep(now=T0 + THRESHOLD)
    assert open_eta(fault).exists()

    supplier_expects(fault, "2026-11-25T16:00:00Z")
    fault.refresh_from_db()
    assert fault.supplier_expected_resolution_at == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    exceptions_sweep(now=T0 + THRESHOLD + timedelta(minutes=5))

    (solved,) = TicketException.objects.filter(fault=fault, rule__type_name="ETA_MISSING")
    assert solved.solved_automatically
    assert solved.solved_reason == "its condition no longer holds"


def test_a_booked_appointment_solves_it_and_a_cancelled_or_missed_one_does_not_count():
    fault = accepted()
    book(fault, AppointmentState.CANCELLED, key="K0", cancelled=True)
    missed = book(fault, AppointmentState.MISSED, key="K1", missed=True)
    exceptions_sweep(now=T0 + THRESHOLD)
    assert open_eta(fault).exists()

    # A re-appointment supersedes the missed one (one active appointment per fault).
    Appointment.objects.filter(pk=missed.pk).update(state=AppointmentState.SUPERSEDED)
    book(fault, AppointmentState.ATTACHED, key="K2")
    exceptions_sweep(now=T0 + THRESHOLD + timedelta(minutes=5))
    assert not open_eta(fault).exists()


def test_a_fault_with_a_time_or_a_visit_from_the_start_never_raises():
    with_time = accepted()
    supplier_expects(with_time, "2026-11-25T16:00:00Z")
    with_visit = accepted()
    book(with_visit, AppointmentState.CONFIRMED)

    exceptions_sweep(now=T0 + THRESHOLD * 3)

    assert not open_eta(with_time).exists()
    assert not open_eta(with_visit).exists()


def test_words_in_the_updates_are_no_time_only_the_suppliers_field_is():
    # Whoever writes the supplier's usual sentence among the updates gives no fix time.
    fault = accepted()
    for party in (Party.BUYER, Party.SELLER):
        FaultUpdate.objects.create(
            fault=fault,
            description="The supplier expects to resolve it by 2026-11-25 16:00 UTC.",
            updated_by=party,
            fingerprint=party,
        )
    exceptions_sweep(now=T0 + THRESHOLD)
    assert open_eta(fault).exists()


def test_a_time_set_on_the_fault_clears_it_whatever_the_protocol():
    fault = accepted(supplier_expected_resolution_at=T0 + timedelta(days=1))
    exceptions_sweep(now=T0 + THRESHOLD)
    assert not open_eta(fault).exists()


def test_an_older_message_does_not_replace_the_suppliers_newer_time():
    fault = accepted()
    supplier_expects(fault, "2026-11-25T16:00:00Z", sent_at=T0 + timedelta(hours=5))
    supplier_expects(fault, "2026-11-25T09:00:00Z", sent_at=T0 + timedelta(hours=3))
    fault.refresh_from_db()
    assert fault.supplier_expected_resolution_at == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)

    supplier_expects(fault, "2026-11-26T12:00:00Z", sent_at=T0 + timedelta(hours=6))
    fault.refresh_from_db()
    assert fault.supplier_expected_resolution_at == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "status",
    [FaultStatus.ACCEPTED, FaultStatus.OPEN, FaultStatus.IN_PROGRESS, FaultStatus.REOPENED],
)
def test_every_status_of_a_fault_being_worked_raises(status):
    fault = accepted(status)
    exceptions_sweep(now=T0 + THRESHOLD)
    assert open_eta(fault).exists()


@pytest.mark.parametrize(
    "status",
    [FaultStatus.PENDING, FaultStatus.ON_HOLD, FaultStatus.RESOLVED, FaultStatus.CLOSED],
)
def test_a_fault_not_being_worked_raises_nothing_and_leaving_work_solves_it(status):
    fault = accepted(status)
    exceptions_sweep(now=T0 + THRESHOLD)
    assert not open_eta(fault).exists()


def test_a_fault_put_on_hold_has_its_exception_solved():
    fault = accepted()
    exceptions_sweep(now=T0 + THRESHOLD)
    assert open_eta(fault).exists()

    type(fault).objects.filter(pk=fault.pk).update(status=FaultStatus.ON_HOLD)
    exceptions_sweep(now=T0 + THRESHOLD + timedelta(minutes=5))
    assert not open_eta(fault).exists()
