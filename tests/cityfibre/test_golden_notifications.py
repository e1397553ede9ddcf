"""Golden tests (style item 9): every notifyFaultReportUpdate sample the supplier publishes, fed
through the webhook and applied by the inbox, with the resulting fault written out.

Each test makes the fault the sample refers to (SP-123ABC, with the partner that knows buyer
identifier SPDEV1), submitted before the sample was sent and brought to the status a real fault
would be in when that notification arrives. The expected values are read off the sample files,
not computed. Where a sample leads somewhere surprising, the test says so instead of bending.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from appointments.models import Appointment
from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultEvent, SlaPause
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from tests.cityfibre.conftest import addressed_to, read_answer, sample
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

REFERENCE = "SP-123ABC"
JUNE_1 = datetime(2018, 6, 1, tzinfo=UTC)
# Samples 14 and 16 say sentAt 2018-05-16T12:01:00Z (three weeks before their own updates and
# reportDateTime); a fault they apply to must have been submitted before that.
MAY_1 = datetime(2018, 5, 1, tzinfo=UTC)
SENT = datetime(2018, 6, 9, 11, 15, 17, 100, UTC)  # 2018-06-09T11:15:17.0001Z
MAY_16 = datetime(2018, 5, 16, 12, 1, tzinfo=UTC)  # 2018-05-16T12:01:00Z
T_15 = datetime(2018, 6, 9, 15, 11, 11, 100, UTC)
T_16 = datetime(2018, 6, 9, 16, 11, 11, 100, UTC)
T_17 = datetime(2018, 6, 9, 17, 11, 11, 100, UTC)
ADDED_IMAGE = ("Added image.jpg", "buyer", T_15)
RESOLVED_UPDATES = [
    ADDED_IMAGE,
    ("Resolved - fault fixed.", "seller", T_16),
    ("Closed - buyer accepted resolution.", "seller", T_17),
]
KEY = "1234568"  # the appointment samples' reservation key
PRIOR_REFERENCE = "CS0001"  # what tests.helpers.bring_to's acceptance set

# sample, the status the fault is in when it arrives, where the XSD is broken
SAMPLES = [
    (12, "pending", "Element 'faultDetails': Missing child element(s)"),
    (14, "pending", "Element 'faultDetails': Missing child element(s)"),
    (16, "resolved", "Element 'faultDetails': Missing child element(s)"),
    (18, "accepted", "Element 'appointments': This element is not expected."),
    (20, "in-progress", "The value 'Seller' is not an element of the set {'buyer', 'seller'}"),
    (22, "pending", "Expected is one of ( triageComplete, triageFindings, missedAppointment )"),
    (24, "in-progress", "Expected is one of ( triageComplete, triageFindings, missedAppointment )"),
    (26, "in-progress", "Element 'appointments': This element is not expected."),
    (28, "in-progress", "Element 'appointments': This element is not expected."),
    (30, "in-progress", "Element 'appointments': This element is not expected."),
    (32, "pending", "Expected is one of ( statusReason, triageComplete, triageFindings )."),
    (34, "accepted", "Element 'faultDetails': Missing child element(s)"),
]
SENT_IN_MAY = {14, 16}


@dataclass
class Fed:
    fault: Fault
    inbound: InboundMessage
    events: list[FaultEvent]  # what applying the notification added to the timeline

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    def of_kind(self, kind: str) -> list[FaultEvent]:
        return [event for event in self.events if event.kind == kind]


@pytest.fixture
def spbuyerid(cityfibre_partner):
    """Sample 32 names buyer identifier SPBUYERID, not SPDEV1 like every other sample."""
    return BuyerIdentifierFactory(partner=cityfibre_partner, code="SPBUYERID")


@pytest.fixture
def make_fault(cityfibre_partner, spdev1):
    def make(
        prior: str, *, start: datetime = JUNE_1, reference: str = REFERENCE, buyer: str = ""
    ) -> Fault:
        """A fault at `prior`, raised under `buyer` (a code; SPDEV1 by default)."""
        identifier = cityfibre_partner.buyer_identifiers.get(code=buyer) if buyer else spdev1
        draft = FaultFactory(
            supplier=cityfibre_partner, buyer_identifier=identifier, buyer_fault_reference=reference
        )
        return bring_to(draft, prior, start=start)

    return make


@pytest.fixture
def deliver(client, post_notification):
    """Post a body through the webhook, then apply it as the inbox task would."""

    def deliver_(fault: Fault, body: bytes) -> Fed:
        last = FaultEvent.objects.filter(fault=fault).order_by("-id").first()
        response = post_notification(client, body)
        assert response.status_code == 200, response.content
        assert read_answer(response).response_code == 200
        inbound = InboundMessage.objects.order_by("-id").first()
        assert inbox_apply(inbound_id=inbound.pk) == InboundStatus.APPLIED, inbound.last_error
        inbound.refresh_from_db()
        events = FaultEvent.objects.filter(fault=fault, id__gt=last.pk).order_by("id")
        return Fed(Fault.objects.get(pk=fault.pk), inbound, list(events))

    return deliver_


@pytest.fixture
def feed(make_fault, deliver):
    def feed_(number: int, prior: str, *, start: datetime | None = None) -> Fed:
        start = start or (MAY_1 if number in SENT_IN_MAY else JUNE_1)
        body = sample(number)
        return deliver(make_fault(prior, start=start, buyer=addressed_to(body)), body)

    return feed_


def appointment_notes(fed: Fed) -> list[FaultEvent]:
    """The timeline notes the appointments service wrote for the samples' appointment (what
    they say is tested in test_golden_appointments.py); the mapping writes none of its own."""
    return [
        event
        for event in fed.of_kind(EventKind.SUPPLIER_DATA)
        if (event.data.get("appointment") or {}).get("reservation_key") == KEY
    ]


def updates(fault: Fault) -> list[tuple]:
    return [
        (update.description, update.updated_by, update.updated_time)
        for update in fault.updates.order_by("updated_time", "id")
    ]


# --- every sample ------------------------------------------------------------------------------
@pytest.mark.parametrize(("number", "prior", "deviation"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_every_sample_is_acknowledged_applied_and_its_deviations_kept(
    feed, spbuyerid, number, prior, deviation
):
    fed = feed(number, prior)

    assert fed.inbound.status == InboundStatus.APPLIED
    assert fed.inbound.fault == fed.fault
    assert fed.inbound.last_error == ""
    assert any(deviation in line for line in fed.inbound.deviations), fed.inbound.deviations
    # The samples' "(Not in report; only after creation)" is a placeholder, never a reference.
    assert "(" not in fed.fault.maintainer_fault_reference
    assert EventKind.STALE_STATUS not in fed.kinds()
    assert fed.fault.last_supplier_message_at == (MAY_16 if number in SENT_IN_MAY else SENT)


# --- sample by sample ------------------------------------------------------------------------
def test_12_accepted(feed):
    fed = feed(12, "pending")

    fault = fed.fault
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.status_reason == ""
    assert fault.maintainer_fault_reference == "CF-XYZZY"
    assert fault.accepted_at == SENT
    assert updates(fault) == []
    assert [(e.kind, e.from_status, e.to_status, e.message) for e in fed.events] == [
        (EventKind.SUPPLIER_DATA, "", "", "Supplier's reference CF-XYZZY"),
        (EventKind.STATUS, "pending", "accepted", ""),
    ]
    assert fed.events[-1].actor_ref == "CF-00001"


def test_14_cancelled(feed):
    fed = feed(14, "pending")

    fault = fed.fault
    assert fault.status == FaultStatus.CANCELLED
    assert fault.status_reason == ""
    assert fault.maintainer_fault_reference == ""
    # Surprising: the sample was sent 2018-05-16, before its own "Cancelled" update (06-09).
    assert fault.cancelled_at == MAY_16
    assert updates(fault) == [("Cancelled", "seller", T_15)]
    assert fed.kinds() == [EventKind.STATUS]


def test_16_closed(feed):
    fed = feed(16, "resolved")

    fault = fed.fault
    assert fault.status == FaultStatus.CLOSED
    assert fault.closed_at == MAY_16
    assert fault.auto_close_due_at is None
    assert fault.maintainer_fault_reference == PRIOR_REFERENCE
    assert updates(fault) == RESOLVED_UPDATES
    (status,) = fed.of_kind(EventKind.STATUS)
    assert (status.from_status, status.to_status, status.data["transition"]) == (
        "resolved",
        "closed",
        "close",
    )


def test_16_closed_is_ignored_when_the_fault_was_resolved_after_it_was_sent(feed):
    # Surprising but by design: sample 16's sentAt (2018-05-16) is older than a resolution on
    # 2018-06-01, so its "closed" is stale; its updates are still merged.
    fed = feed(16, "resolved", start=JUNE_1)

    assert fed.fault.status == FaultStatus.RESOLVED
    (stale,) = fed.of_kind(EventKind.STALE_STATUS)
    assert stale.to_status == "closed"
    assert "older than the supplier's last status" in stale.message
    assert updates(fed.fault) == RESOLVED_UPDATES


def test_18_in_progress_with_an_appointment(feed):
    fed = feed(18, "accepted")

    fault = fed.fault
    assert fault.status == FaultStatus.IN_PROGRESS
    assert fault.maintainer_fault_reference == PRIOR_REFERENCE
    assert updates(fault) == [ADDED_IMAGE]
    assert appointment_notes(fed) == fed.of_kind(EventKind.SUPPLIER_DATA) != []
    assert fed.of_kind(EventKind.ANOMALY) == []


def test_20_on_hold_without_sent_at(feed):
    fed = feed(20, "in-progress")

    fault = fed.fault
    assert fault.status == FaultStatus.ON_HOLD
    # No sentAt in this sample: the time is its reportDateTime.
    assert fed.inbound.sent_at == SENT
    assert fault.supplier_status_sent_at == SENT
    # "Buyer" and "Seller" (outside the XSD's enumeration) are stored as buyer and seller.
    assert updates(fault) == [("Created", "buyer", MAY_16), ("On-hold", "seller", MAY_16)]
    pause = SlaPause.objects.get(fault=fault)
    assert (pause.started_at, pause.ended_at) == (SENT, None)


def test_22_rejected(feed):
    fed = feed(22, "pending")

    fault = fed.fault
    assert fault.status == FaultStatus.REJECTED
    assert fault.status_reason == "Missing data"
    assert fault.rejected_at == SENT
    assert fault.maintainer_fault_reference == ""
    assert updates(fault) == [
        (
            "Fault report rejected, not enough information",
            "seller",
            datetime(2018, 6, 9, 13, 15, 17, 100, UTC),
        )
    ]
    (status,) = fed.of_kind(EventKind.STATUS)
    assert status.message == "Missing data"


def test_24_resolved(feed):
    fed = feed(24, "in-progress")

    fault = fed.fault
    assert fault.status == FaultStatus.RESOLVED
    assert fault.status_reason == "Fault fixed at user end."
    assert fault.resolved_at == SENT
    assert fault.auto_close_due_at == SENT + timedelta(hours=48)
    # Surprising: the resolved notification already lists "Closed - buyer accepted resolution."
    # (and dates its updates hours after its own sentAt).
    assert updates(fault) == RESOLVED_UPDATES


def test_26_appointment_cancelled(feed):
    fed = feed(26, "in-progress")

    fault = fed.fault
    assert fault.status == FaultStatus.IN_PROGRESS
    assert EventKind.STATUS not in fed.kinds()
    assert appointment_notes(fed) == fed.of_kind(EventKind.SUPPLIER_DATA) != []
    appointment = Appointment.objects.get(fault=fault, reservation_key=KEY)
    assert (appointment.cancelled, appointment.confirmation_status) == (True, "Confirmed")


def test_28_appointment_completed_sets_the_closure_code(feed):
    fed = feed(28, "in-progress")

    fault = fed.fault
    assert fault.status == FaultStatus.IN_PROGRESS
    assert fault.closure_code == "FR"
    assert fault.closure_code_label == "Fault Resolved"
    closure, *notes = fed.of_kind(EventKind.SUPPLIER_DATA)
    assert closure.message == "Supplier updated: Closure code"
    assert notes == appointment_notes(fed) != []


def test_30_appointment_confirmation_carries_a_placeholder(feed):
    fed = feed(30, "in-progress")

    fault = fed.fault
    assert fault.status == FaultStatus.IN_PROGRESS
    assert appointment_notes(fed) == fed.of_kind(EventKind.SUPPLIER_DATA) != []
    assert Appointment.objects.get(fault=fault, reservation_key=KEY).confirmation_status == ""
    # Surprising: the sample's status is the documentation's "Confirmed or Failed", which is
    # neither; it is shown as an anomaly rather than guessed.
    (anomaly,) = fed.of_kind(EventKind.ANOMALY)
    assert anomaly.message == (
        "Parts of the message could not be read: appointments/appointment[1]/"
        "appointmentConfirmationStatus: not Confirmed or Failed: 'Confirmed or Failed'"
    )


def test_32_appointment_missed_as_published_names_an_unknown_buyer(
    client, post_notification, make_fault
):
    # Surprising: sample 32 says buyerIdentifier SPBUYERID where every other sample says SPDEV1;
    # to a partner that only knows SPDEV1 it is an unknown buyer.
    fault = make_fault("pending")

    response = post_notification(client, sample(32))

    assert response.status_code == 400
    assert read_answer(response).error_message == '{"buyerIdentifier": "Unknown buyer identifier"}'
    assert InboundMessage.objects.count() == 0
    assert Fault.objects.get(pk=fault.pk).status == FaultStatus.PENDING


def test_32_appointment_missed(feed, spbuyerid):
    fed = feed(32, "pending")

    fault = fed.fault
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.maintainer_fault_reference == "CF-XYZZY"
    reference, *notes = fed.of_kind(EventKind.SUPPLIER_DATA)
    assert reference.message == "Supplier's reference CF-XYZZY"
    assert notes == appointment_notes(fed) != []
    # Surprising: the "missed appointment" sample says N to every flag, so nobody missed it.
    appointment = Appointment.objects.get(fault=fault, reservation_key=KEY)
    assert (appointment.missed, appointment.missed_side) == (True, "")


def test_34_amended_brings_a_comment(feed):
    fed = feed(34, "accepted")

    fault = fed.fault
    assert fault.status == FaultStatus.ACCEPTED
    assert EventKind.STATUS not in fed.kinds()
    assert updates(fault) == [ADDED_IMAGE]
    assert [(c.text, c.commented_by, c.commented_time) for c in fault.comments.all()] == [
        ("We have a question about the property.", "seller", T_15)
    ]
    (comment,) = fed.of_kind(EventKind.COMMENT)
    assert comment.message == "We have a question about the property."


# --- across samples ----------------------------------------------------------------------------
def test_a_fault_through_its_life_keeps_each_update_once(
    client, post_notification, make_fault, deliver
):
    fault = make_fault("pending")

    for number in (12, 18, 30, 20, 24):
        deliver(fault, sample(number))
    assert post_notification(client, sample(24)).status_code == 200  # sent again
    fed = deliver(fault, sample(16))

    # Surprising: 12, 18, 20 and 24 share one sentAt, and 16 (closed) was sent on 2018-05-16,
    # before all of them, so the life ends resolved with the close ignored as stale.
    assert fed.fault.status == FaultStatus.RESOLVED
    assert fed.kinds() == [EventKind.STALE_STATUS]
    assert updates(fed.fault) == [
        ("Created", "buyer", MAY_16),
        ("On-hold", "seller", MAY_16),
        *RESOLVED_UPDATES,
    ]
    transitions = FaultEvent.objects.filter(fault=fault, kind=EventKind.STATUS).order_by("id")
    assert [e.to_status for e in transitions] == [
        "pending",
        "accepted",
        "in-progress",
        "on-hold",
        "resolved",
    ]
    assert InboundMessage.objects.filter(status=InboundStatus.APPLIED).count() == 6
    assert InboundMessage.objects.get(message_id="CF-00004").duplicates_received == 1


@pytest.mark.parametrize(
    ("number", "prior", "skipped", "final"),
    [
        (18, "pending", ["accepted"], "in-progress"),
        (20, "pending", ["accepted"], "on-hold"),
        (24, "pending", ["accepted"], "resolved"),
        (16, "in-progress", ["resolved"], "closed"),
    ],
)
def test_a_status_that_skips_steps_is_walked_with_an_anomaly(feed, number, prior, skipped, final):
    fed = feed(number, prior)

    assert fed.fault.status == final
    (anomaly,) = fed.of_kind(EventKind.ANOMALY)
    assert anomaly.message.startswith(f"Supplier reported '{final}' while the fault is '{prior}'")
    steps = fed.of_kind(EventKind.STATUS)
    assert [e.to_status for e in steps] == [*skipped, final]
    assert [e.data.get("skipped_step", False) for e in steps] == [True] * len(skipped) + [False]


def test_a_late_repair_notification_is_stored(make_fault, deliver):
    # No published sample carries lateRepairNotification: sample 24 with one in the XSD's shape.
    late = b"""<lateRepairNotification>
        <totalDelayInDays>5</totalDelayInDays>
        <sellerDelayDays>3</sellerDelayDays>
        <nonSellerDelayDays>2</nonSellerDelayDays>
        <exclusions><exclusion>
            <exclusionReason>EUA</exclusionReason>
            <numberOfDays>2</numberOfDays>
            <startDateTime>2018-06-02T09:00:00Z</startDateTime>
            <endDateTime>2018-06-04T09:00:00Z</endDateTime>
        </exclusion></exclusions>
    </lateRepairNotification></notifyFaultReportUpdate>"""
    body = sample(24).replace(b"</notifyFaultReportUpdate>", late)

    fed = deliver(make_fault("in-progress"), body)

    fault = fed.fault
    assert fault.status == FaultStatus.RESOLVED
    assert (
        fault.late_repair_total_days,
        fault.late_repair_seller_days,
        fault.late_repair_non_seller_days,
    ) == (5, 3, 2)
    assert fault.late_repair_exclusions == [
        {
            "reason": "EUA",
            "days": 2,
            "start": "2018-06-02T09:00:00+00:00",
            "end": "2018-06-04T09:00:00+00:00",
        }
    ]
    assert "Late repair notification: 5 day(s) late, 3 caused by the supplier" in [
        e.message for e in fed.of_kind(EventKind.SUPPLIER_DATA)
    ]


# --- unsupported input -----------------------------------------------------------------------
def test_an_unknown_status_changes_nothing_but_is_an_anomaly(make_fault, deliver):
    body = sample(12).replace(b"<status>accepted</status>", b"<status>escalated</status>")

    fed = deliver(make_fault("pending"), body)

    assert fed.fault.status == FaultStatus.PENDING
    assert EventKind.STATUS not in fed.kinds()
    (anomaly,) = fed.of_kind(EventKind.ANOMALY)
    assert "faultDetails/status: not a known status: 'escalated'" in anomaly.message
    # The rest of the message is still applied.
    assert fed.fault.maintainer_fault_reference == "CF-XYZZY"


def test_a_status_the_fault_cannot_reach_changes_nothing_but_is_an_anomaly(make_fault, deliver):
    fed = deliver(make_fault("closed"), sample(12))

    assert fed.fault.status == FaultStatus.CLOSED
    (anomaly,) = fed.of_kind(EventKind.ANOMALY)
    assert anomaly.message == (
        "Supplier reported 'accepted' while the fault is 'closed': no such move; "
        "status not changed."
    )


def test_a_notification_for_another_partners_fault_is_an_unknown_reference(
    client, post_notification, make_fault, cityfibre_partner
):
    make_fault("pending")
    other = PartnerFactory(slug="other-supplier")
    theirs = FaultFactory(
        supplier=other,
        buyer_identifier=BuyerIdentifierFactory(partner=other, code="SPDEV1"),
        buyer_fault_reference="SP-THEIRS",
    )
    bring_to(theirs, "pending", start=JUNE_1)
    body = sample(12).replace(b">SP-123ABC<", b">SP-THEIRS<")

    response = post_notification(client, body)

    assert response.status_code == 400
    assert read_answer(response).error_message == (
        '{"buyerFaultReference": "No fault found with that reference"}'
    )
    assert InboundMessage.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.status == FaultStatus.PENDING
    assert theirs.maintainer_fault_reference == ""
