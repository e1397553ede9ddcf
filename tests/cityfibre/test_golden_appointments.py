"""Golden tests for the supplier's appointment notifications (samples 26, 28, 30 and 32): fed
through the webhook, applied by the inbox, and written out as the appointment rows they leave.

Each test raises the Service Outage fault the samples refer to (SP-123ABC) with our reservation of
the samples' slot (key 1234568, 2012-01-20 08:00-13:00) attached, brought to the status a real
fault would be in when the notification arrives. The expected values are read off the sample
files. Where a sample says something surprising, the test says so.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from appointments.choices import AppointmentEventKind, AppointmentState, MissedSide
from appointments.events import MissedFlags, SupplierAppointmentEvent
from appointments.models import Appointment, AppointmentEvent
from faults.choices import ClosureCode, EventKind, FaultType
from faults.models import Fault, FaultEvent
from integrations.choices import InboundStatus
from integrations.cityfibre import soap
from integrations.cityfibre.mapping import notification_to_appointment_events
from integrations.cityfibre.parsers import parse_notification
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from integrations.xml import parse_xml
from tests.cityfibre.conftest import addressed_to, read_answer, sample
from tests.factories import BuyerIdentifierFactory, FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

REFERENCE = "SP-123ABC"
KEY = "1234568"
DAY = date(2012, 1, 20)
JUNE_1 = datetime(2018, 6, 1, tzinfo=UTC)
SENT = datetime(2018, 6, 9, 11, 15, 17, 100, UTC)  # 2018-06-09T11:15:17.0001Z
A = AppointmentState
K = AppointmentEventKind


@dataclass
class Fed:
    fault: Fault
    appointment: Appointment
    inbound: InboundMessage
    events: list[FaultEvent]  # what applying the notification added to the fault's timeline
    history: list[AppointmentEvent]  # ... and to the appointment's history

    def of_kind(self, kind: str) -> list[FaultEvent]:
        return [event for event in self.events if event.kind == kind]

    def appointment_notes(self) -> list[FaultEvent]:
        return [
            event
            for event in self.of_kind(EventKind.SUPPLIER_DATA)
            if (event.data.get("appointment") or {}).get("reservation_key") == KEY
        ]


@pytest.fixture
def spbuyerid(cityfibre_partner):
    """Sample 32 names buyer identifier SPBUYERID, not SPDEV1 like every other sample."""
    return BuyerIdentifierFactory(partner=cityfibre_partner, code="SPBUYERID")


@pytest.fixture
def make_fault(cityfibre_partner, spdev1):
    """A Service Outage fault raised with our reservation of the samples' slot, at `prior`."""

    def make(prior: str, *, booked: bool = True, buyer: str = "") -> Fault:
        """`buyer`: the code of the buyer identifier it is raised under (SPDEV1 by default)."""
        identifier = cityfibre_partner.buyer_identifiers.get(code=buyer) if buyer else spdev1
        fault = FaultFactory(
            supplier=cityfibre_partner,
            buyer_identifier=identifier,
            buyer_fault_reference=REFERENCE,
            fault_type=FaultType.SERVICE_OUTAGE,
            appointment_reservation_key=KEY,
            appointment_valid_until=timezone.now() + timedelta(hours=2),
        )
        fault = bring_to(fault, prior, start=JUNE_1)
        if booked:
            Appointment.objects.create(
                partner=cityfibre_partner,
                fault=fault,
                reservation_key=KEY,
                appointment_date=DAY,
                start_time="08:00",
                end_time="13:00",
                product_name="ftthl2r",
                address_key="10002491172",
                state=A.ATTACHED,
            )
        return fault

    return make


@pytest.fixture
def deliver(client, post_notification):
    """Post a body through the webhook, then apply it as the inbox task would."""

    def deliver_(fault: Fault, body: bytes) -> Fed:
        last_event = FaultEvent.objects.filter(fault=fault).order_by("-id").first()
        last_history = AppointmentEvent.objects.order_by("-id").first()
        response = post_notification(client, body)
        assert response.status_code == 200, response.content
        assert read_answer(response).response_code == 200
        inbound = InboundMessage.objects.order_by("-id").first()
        assert inbox_apply(inbound_id=inbound.pk) == InboundStatus.APPLIED, inbound.last_error
        inbound.refresh_from_db()
        (appointment,) = Appointment.objects.filter(fault=fault, reservation_key=KEY)
        return Fed(
            fault=Fault.objects.get(pk=fault.pk),
            appointment=appointment,
            inbound=inbound,
            events=list(
                FaultEvent.objects.filter(fault=fault, id__gt=last_event.pk).order_by("id")
            ),
            history=list(
                AppointmentEvent.objects.filter(
                    appointment=appointment, id__gt=last_history.pk if last_history else 0
                ).order_by("id")
            ),
        )

    return deliver_


@pytest.fixture
def feed(make_fault, deliver):
    def feed_(number: int, prior: str, *, body: bytes | None = None) -> Fed:
        body = body or sample(number)
        return deliver(make_fault(prior, buyer=addressed_to(body)), body)

    return feed_


def flags(appointment: Appointment) -> dict[str, bool]:
    return {
        name: getattr(appointment, name)
        for name in (
            "seller_missed",
            "amended",
            "missed_cancelled",
            "end_user_missed",
            "end_user_pre_agreed",
            "mborc",
        )
    }


NO_FLAGS = dict.fromkeys(
    (
        "seller_missed",
        "amended",
        "missed_cancelled",
        "end_user_missed",
        "end_user_pre_agreed",
        "mborc",
    ),
    False,
)


def assert_one_note(fed: Fed, kind: str) -> None:
    """One history row of `kind` at the notification's sent time by its message, and one note
    on the fault's timeline for it: the mapping adds no second one of its own."""
    (row,) = fed.history
    assert (row.kind, row.at, row.actor_ref) == (kind, SENT, fed.inbound.message_id)
    (note,) = fed.appointment_notes()
    assert (note.at, note.actor_ref) == (SENT, fed.inbound.message_id)


# --- the mapping -----------------------------------------------------------------------------
def events_of(number: int) -> list[SupplierAppointmentEvent]:
    return notification_to_appointment_events(
        parse_notification(soap.unwrap(parse_xml(sample(number))))
    )


SLOT = {"reservation_key": KEY, "date": DAY, "start_time": "08:00", "end_time": "13:00"}


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (
            26,
            SupplierAppointmentEvent(
                **SLOT, confirmation_status="Confirmed", cancelled=True, message_ref="CF-00003"
            ),
        ),
        (
            28,
            SupplierAppointmentEvent(
                **SLOT, confirmation_status="Confirmed", closure_code="FR", message_ref="CF-00003"
            ),
        ),
        # "Confirmed or Failed" is neither: no status (the parser flags it).
        (30, SupplierAppointmentEvent(**SLOT, message_ref="CF-00003")),
        (32, SupplierAppointmentEvent(**SLOT, missed=MissedFlags(), message_ref="CF-00001")),
    ],
    ids=["26", "28", "30", "32"],
)
def test_each_sample_is_one_appointment_event(number, expected):
    (event,) = events_of(number)

    assert event == SupplierAppointmentEvent(**{**expected.__dict__, "sent_at": SENT})


def test_a_status_notification_with_an_appointment_and_a_missed_one_gives_both_in_order():
    notification = parse_notification(
        parse_xml(
            sample(32).replace(
                b"</faultDetails>",
                b"</faultDetails><appointments><appointment>"
                b"<appointmentReservationKey>K2</appointmentReservationKey>"
                b"<appointmentConfirmationStatus>Failed</appointmentConfirmationStatus>"
                b"</appointment></appointments>",
            )
        )
    )

    first, second = notification_to_appointment_events(notification)

    assert (first.reservation_key, first.confirmation_status, first.missed) == (
        "K2",
        "Failed",
        None,
    )
    assert (second.reservation_key, second.missed) == (KEY, MissedFlags())


# --- 30: confirmation ------------------------------------------------------------------------
def test_30_confirmation_as_published_confirms_nothing(feed):
    fed = feed(30, "in-progress")

    appointment = fed.appointment
    # Surprising: the sample's status is the documentation's "Confirmed or Failed", which is
    # neither; the appointment stays as it was and the message is flagged once.
    assert (appointment.state, appointment.confirmation_status) == (A.ATTACHED, "")
    assert fed.history == []
    assert fed.appointment_notes() == []
    (anomaly,) = fed.of_kind(EventKind.ANOMALY)
    assert "not Confirmed or Failed: 'Confirmed or Failed'" in anomaly.message


@pytest.mark.parametrize(
    ("status", "state", "kind"),
    [("Confirmed", A.CONFIRMED, K.CONFIRMED), ("Failed", A.FAILED, K.CONFIRMATION_FAILED)],
)
def test_30_confirmed_or_failed(feed, status, state, kind):
    body = sample(30).replace(b"Confirmed or Failed", status.encode())

    fed = feed(30, "in-progress", body=body)

    appointment = fed.appointment
    assert (appointment.state, appointment.confirmation_status) == (state, status)
    assert appointment.cancelled is False
    assert appointment.closure_code == ""
    assert appointment.missed is False
    assert fed.of_kind(EventKind.ANOMALY) == []
    assert_one_note(fed, kind)


# --- 26: cancelled ---------------------------------------------------------------------------
def test_26_appointment_cancelled(feed):
    fed = feed(26, "in-progress")

    appointment = fed.appointment
    assert appointment.state == A.CANCELLED
    assert appointment.cancelled is True
    assert appointment.confirmation_status == "Confirmed"
    assert appointment.closure_code == ""
    assert fed.fault.status == "in-progress"
    assert_one_note(fed, K.SUPPLIER_CANCELLED)


# --- 28: completed ---------------------------------------------------------------------------
def test_28_appointment_completed_with_fr(feed):
    fed = feed(28, "in-progress")

    appointment = fed.appointment
    assert appointment.state == A.COMPLETED
    assert (appointment.closure_code, appointment.closure_label) == ("FR", "Fault Resolved")
    assert appointment.get_closure_code_display() == "Fault Resolved"
    assert appointment.confirmation_status == "Confirmed"
    assert appointment.cancelled is False
    assert appointment.completed_at == SENT
    # The fault keeps the closure code among its details too.
    assert (fed.fault.closure_code, fed.fault.closure_code_label) == ("FR", "Fault Resolved")
    assert fed.of_kind(EventKind.SUPPLIER_DATA)[0].message == "Supplier updated: Closure code"
    assert_one_note(fed, K.COMPLETED)


@pytest.mark.parametrize("code", [c for c in ClosureCode.values if c != "FR"])
def test_28_with_each_closure_code(feed, code):
    body = sample(28).replace(b">FR<", f">{code}<".encode())

    fed = feed(28, "in-progress", body=body)

    appointment = fed.appointment
    assert appointment.state == A.COMPLETED
    assert (appointment.closure_code, appointment.closure_label) == (
        code,
        ClosureCode(code).label,
    )
    assert fed.fault.closure_code == code
    assert fed.of_kind(EventKind.ANOMALY) == []


def test_28_with_an_unknown_closure_code_is_stored_and_flagged_not_refused(feed):
    body = sample(28).replace(b">FR<", b">XYZ<")

    fed = feed(28, "in-progress", body=body)

    assert fed.inbound.status == InboundStatus.APPLIED
    assert fed.appointment.closure_code == "XYZ"
    assert fed.appointment.closure_label == ""
    assert any("'XYZ'" in anomaly.message for anomaly in fed.of_kind(EventKind.ANOMALY))


# --- 32: missed ------------------------------------------------------------------------------
def test_32_appointment_missed(feed, spbuyerid):
    fed = feed(32, "pending")

    appointment = fed.appointment
    assert appointment.state == A.MISSED
    assert appointment.missed is True
    assert appointment.missed_at == SENT
    # Surprising: the "missed appointment" sample says N to every flag, so nobody is counted.
    assert flags(appointment) == NO_FLAGS
    assert appointment.missed_side == MissedSide.NONE
    assert fed.fault.status == "accepted"
    assert_one_note(fed, K.MISSED)


@pytest.mark.parametrize(
    ("element", "field", "side"),
    [
        ("sellerMissedAppointment", "seller_missed", MissedSide.SELLER),
        ("Amended", "amended", MissedSide.NONE),
        ("Cancelled", "missed_cancelled", MissedSide.NONE),
        ("endUserMissedAppointment", "end_user_missed", MissedSide.END_USER),
        ("endUserPreAgreed", "end_user_pre_agreed", MissedSide.NONE),
        ("MBORC", "mborc", MissedSide.MBORC),
    ],
)
def test_32_with_each_flag(feed, spbuyerid, element, field, side):
    tag = element.encode()
    body = sample(32).replace(b"<%s>N</%s>" % (tag, tag), b"<%s>Y</%s>" % (tag, tag))

    fed = feed(32, "pending", body=body)

    appointment = fed.appointment
    assert flags(appointment) == {**NO_FLAGS, field: True}
    assert (appointment.missed, appointment.missed_side) == (True, side)


# --- across samples --------------------------------------------------------------------------
def test_an_appointment_we_never_booked_is_recorded(make_fault, deliver):
    fault = make_fault("in-progress", booked=False)

    fed = deliver(fault, sample(28))

    appointment = fed.appointment
    assert appointment.partner == fault.supplier
    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        DAY,
        "08:00",
        "13:00",
    )
    assert (appointment.state, appointment.closure_code) == (A.COMPLETED, "FR")
    assert [row.kind for row in fed.history] == [K.DISCOVERED, K.COMPLETED]


def test_confirmed_then_completed(make_fault, deliver):
    fault = make_fault("in-progress")

    deliver(fault, sample(30).replace(b"Confirmed or Failed", b"Confirmed"))
    fed = deliver(fault, sample(28))

    assert fed.appointment.state == A.COMPLETED
    kinds = fed.appointment.history.order_by("id").values_list("kind", flat=True)
    assert list(kinds) == [K.CONFIRMED, K.COMPLETED]
    assert fed.fault.closure_code == "FR"
