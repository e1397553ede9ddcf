"""Applying a TEP partner's ticket messages from the inbox (`integrations.tep.inbound`): a New
that names none of our faults opens a fault of the supplier's; an Update moves a fault through
the supplier path (older messages never move it back); an Add brings notes only; notes are
merged by NoteId, contacts by e-mail. Every test stores real inbox rows the way the edge does
and applies them with `apply_ticket`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import SUPPLIER_INCIDENT, EventKind, FaultStatus, OpenedBy
from faults.models import Fault, FaultComment
from integrations.models import InboundMessage
from integrations.tep import messages
from integrations.tep.inbound import TicketNotApplicable, apply_ticket
from integrations.tep.received import promised_reference, store_attachment
from tests.factories import FaultFactory
from tests.helpers import bring_to, events
from tests.tep.apply.tickets import contact, detail, note, stored, ticket

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def apply(partner, message, **kwargs) -> Fault | None:
    row = stored(partner, message, **kwargs)
    apply_ticket(row)
    row.refresh_from_db()
    fault = (
        Fault.objects.filter(
            supplier=partner, maintainer_fault_reference=message.sender.ticket_reference
        )
        .order_by("-pk")
        .first()
    )
    return fault


def opening(at, theirs="INC-1001", **kwargs):
    return ticket(
        "New",
        theirs=theirs,
        at=at,
        details=kwargs.pop(
            "details",
            [
                detail("Status", "Active"),
                detail("Severity", "2-High"),
                detail("ServiceId", "SVC-0042"),
                detail("IncidentType", "Fibre Break"),
                detail("Description", "Duct damaged by roadworks; 40 circuits down."),
                detail("ReportedDateTime", "5/21/2012 1:00:00 PM"),
                detail("Weather", "Storm"),
            ],
        ),
        **kwargs,
    )


# --- New: the partner opens a fault with us -------------------------------------------------
def test_a_new_ticket_opens_a_fault_of_the_suppliers_under_the_promised_reference(
    partner, buyer_identifier, now
):
    message = opening(
        now,
        contacts=[
            contact(
                "noc@partner.example",
                "Desk",
                "Reporter",
                first_name="Partner",
                phone_number="0800 1",
            )
        ],
        notes=[note("N-1", "Engineers on their way.")],
    )
    row = stored(partner, message)

    apply_ticket(row)

    fault = Fault.objects.get(supplier=partner, maintainer_fault_reference="INC-1001")
    assert fault.buyer_fault_reference == promised_reference(partner, row.message_id)
    assert fault.opened_by == OpenedBy.SUPPLIER
    assert fault.fault_type == SUPPLIER_INCIDENT
    assert fault.status == FaultStatus.OPEN
    assert fault.buyer_identifier == buyer_identifier
    assert fault.service_id == "SVC-0042"
    assert fault.priority == 2
    assert fault.description == "Duct damaged by roadworks; 40 circuits down."
    assert fault.fault_start_time == datetime(2012, 5, 21, 13, 0, tzinfo=UTC)
    assert (fault.reporter_name, fault.reporter_email, fault.reporter_phone) == (
        "Partner Desk",
        "noc@partner.example",
        "0800 1",
    )
    assert [c.text for c in fault.comments.all()] == ["Engineers on their way."]
    created = events(fault, EventKind.CREATED)[0]
    assert created.data["their_type"] == "Fibre Break"
    assert created.data["details"] == {"Weather": "Storm"}
    # nothing moved past "open" and nothing odd was recorded
    assert not events(fault, EventKind.ANOMALY)


def test_a_resent_new_ticket_applies_to_the_fault_it_opened(partner, buyer_identifier, now):
    apply(partner, opening(now))
    again = opening(now + timedelta(minutes=1), details=[detail("Status", "In Progress")])

    apply(partner, again)

    faults = Fault.objects.filter(supplier=partner, opened_by=OpenedBy.SUPPLIER)
    assert faults.count() == 1
    assert faults.get().status == FaultStatus.IN_PROGRESS


def test_a_new_ticket_already_in_progress_opens_the_fault_in_progress(
    partner, buyer_identifier, now
):
    fault = apply(
        partner, opening(now, details=[detail("Status", "In Progress"), detail("ServiceId", "S1")])
    )
    assert fault.status == FaultStatus.IN_PROGRESS
    assert not events(fault, EventKind.ANOMALY)


def test_an_update_of_an_opened_fault_keeps_its_data_as_the_partner_states_it(
    partner, buyer_identifier, now
):
    apply(partner, opening(now, contacts=[contact("a@partner.example", "Ames", phone_number="1")]))
    update = ticket(
        "Update",
        at=now + timedelta(minutes=5),
        details=[detail("Severity", "Critical"), detail("Description", "Now 60 circuits down.")],
        contacts=[
            contact("A@partner.example", "Ames", phone_number="2"),  # same person, by e-mail
            contact("a@partner.example", "Someone Else", phone_number="3"),  # repeated: ignored
            contact("site@partner.example", "Site", "SiteContact"),
        ],
    )

    fault = apply(partner, update)

    assert fault.priority == 1
    assert fault.description == "Now 60 circuits down."
    assert (fault.reporter_name, fault.reporter_phone) == ("Ames", "2")
    assert fault.site_access_contact_email == "site@partner.example"
    changed = events(fault, EventKind.SUPPLIER_DATA)[-1]
    assert changed.data["priority"] == [2, 1]


def test_an_older_update_of_an_opened_fault_does_not_bring_back_older_data(
    partner, buyer_identifier, now
):
    apply(partner, opening(now - timedelta(minutes=30)))
    newer = ticket("Update", at=now - timedelta(minutes=10), details=[detail("Severity", "Low")])
    older = ticket(
        "Update",
        at=now - timedelta(minutes=20),
        details=[detail("Severity", "Critical")],
        notes=[note("N-5", "Escalated.")],
    )
    apply(partner, newer)

    fault = apply(partner, older)

    assert fault.priority == 4
    assert [c.text for c in fault.comments.all()] == ["Escalated."]


# --- Update: the supplier path ----------------------------------------------------------------
@pytest.fixture
def raised(partner, buyer_identifier):
    """A fault we raised with the partner, waiting for its acceptance."""
    return bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")


def test_an_update_moves_our_fault_through_the_supplier_path(raised, partner, now):
    update = ticket(
        "Update",
        theirs="PX-77",
        ours=raised.buyer_fault_reference,
        at=now,
        details=[detail("Status", "In Progress"), detail("StatusReason", "Engineer assigned")],
    )

    apply_ticket(stored(partner, update))

    raised.refresh_from_db()
    assert raised.status == FaultStatus.IN_PROGRESS
    assert raised.maintainer_fault_reference == "PX-77"
    assert raised.status_reason == "Engineer assigned"
    # the lost "accepted" was applied as a skipped step, and said so
    steps = [e.data["transition"] for e in events(raised, EventKind.STATUS)]
    assert steps[-2:] == ["accept", "start"]
    assert "skipped" in events(raised, EventKind.ANOMALY)[-1].message


def test_a_resolution_carries_the_partners_resolution_text(raised, partner, now):
    update = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now,
        details=[
            detail("Status", "Resolved"),
            detail("Resolution", "Spliced the fibre."),
            detail("ResolutionCode", "FR"),
            detail("ResolvedDateTime", "2026-11-28T09:30:00Z"),
        ],
    )
    apply_ticket(stored(partner, update))
    raised.refresh_from_db()
    assert raised.status == FaultStatus.RESOLVED
    assert raised.status_reason == "Spliced the fibre."
    assert raised.closure_code == "FR"
    assert raised.auto_close_due_at is not None
    assert any("2026-11-28 09:30" in u.description for u in raised.updates.all())


def test_an_older_update_adds_its_notes_but_never_moves_the_status_back(raised, partner, now):
    newer = ticket(
        "Update", ours=raised.buyer_fault_reference, at=now, details=[detail("Status", "Resolved")]
    )
    older = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now - timedelta(minutes=10),
        details=[detail("Status", "In Progress")],
        notes=[note("N-9", "Parts ordered.")],
    )
    apply_ticket(stored(partner, newer))

    apply_ticket(stored(partner, older))

    raised.refresh_from_db()
    assert raised.status == FaultStatus.RESOLVED
    assert len(events(raised, EventKind.STALE_STATUS)) == 1
    assert [c.text for c in raised.comments.all()] == ["Parts ordered."]


def test_a_status_word_outside_the_profile_is_an_anomaly_and_moves_nothing(raised, partner, now):
    update = ticket(
        "Update", ours=raised.buyer_fault_reference, at=now, details=[detail("Status", "Frobbed")]
    )
    apply_ticket(stored(partner, update))
    raised.refresh_from_db()
    assert raised.status == FaultStatus.PENDING
    anomaly = events(raised, EventKind.ANOMALY)[-1]
    assert "Frobbed" in anomaly.message
    assert anomaly.data["words"] == {"status": "Frobbed"}


def test_an_update_changes_no_data_of_a_fault_we_raised(raised, partner, now):
    before = (raised.description, raised.priority, raised.service_id)
    update = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now,
        details=[
            detail("Description", "theirs"),
            detail("Severity", "Low"),
            detail("ServiceId", "X"),
        ],
        contacts=[contact("eng@partner.example", "Engineer", "Engineer")],
    )
    apply_ticket(stored(partner, update))
    raised.refresh_from_db()
    assert (raised.description, raised.priority, raised.service_id) == before
    assert any("eng@partner.example" in u.description for u in raised.updates.all())


# --- notes ----------------------------------------------------------------------------------
def test_notes_are_merged_by_note_id_and_never_edited(raised, partner, now):
    first = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now,
        notes=[
            note("N-1", "Engineer dispatched."),
            note(f"{raised.buyer_fault_reference}/comment/5", "Our own note, echoed back"),
        ],
    )
    apply_ticket(stored(partner, first, note_times={"N-1": "5/21/2012 1:00:00 PM"}))
    second = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now + timedelta(minutes=1),
        notes=[note("N-1", "Engineer dispatched (edited)."), note("N-2", "On site.")],
    )

    apply_ticket(stored(partner, second))

    comments = list(FaultComment.objects.filter(fault=raised).order_by("id"))
    assert [c.text for c in comments] == ["Engineer dispatched.", "On site."]
    assert comments[0].commented_time == datetime(2012, 5, 21, 13, 0, tzinfo=UTC)
    assert {c.commented_by for c in comments} == {"seller"}


def test_an_add_message_brings_its_notes_and_nothing_else(raised, partner, now):
    add = ticket(
        "Add",
        ours=raised.buyer_fault_reference,
        at=now,
        details=[detail("Status", "Closed")],
        notes=[note("N-3", "A third party joins.")],
    )
    apply_ticket(stored(partner, add))
    raised.refresh_from_db()
    assert raised.status == FaultStatus.PENDING
    assert [c.text for c in raised.comments.all()] == ["A third party joins."]


# --- attachments ----------------------------------------------------------------------------
def _attachment(name: str, payload: bytes) -> str:
    return messages.Attachment(
        filename=name, payload=payload, system_transaction_id=messages.new_system_transaction_id()
    )


def test_an_attachment_tep_delivered_is_stored_with_the_fault_once(raised, partner, now):
    uri = store_attachment(partner, _attachment("photo.png", PNG).to_element())
    update = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now,
        attachments=[messages.AttachmentUri(filename="photo.png", uri=uri)],
    )
    apply_ticket(stored(partner, update))
    again = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now + timedelta(minutes=1),
        attachments=[messages.AttachmentUri(filename="photo.png", uri=uri)],
    )
    apply_ticket(stored(partner, again))

    files = list(raised.attachments.all())
    assert [f.filename for f in files] == ["photo.png"]
    assert files[0].file.read() == PNG


def test_an_attachment_whose_content_lies_about_its_type_is_refused(raised, partner, now):
    uri = store_attachment(
        partner, _attachment("report.pdf", b"MZ\x90\x00 an executable").to_element()
    )
    update = ticket(
        "Update",
        ours=raised.buyer_fault_reference,
        at=now,
        attachments=[messages.AttachmentUri(filename="report.pdf", uri=uri)],
    )
    apply_ticket(stored(partner, update))
    assert not raised.attachments.exists()
    assert "report.pdf was refused" in events(raised, EventKind.ANOMALY)[-1].message


# --- what cannot be applied -----------------------------------------------------------------
def test_an_update_that_names_no_fault_is_not_applied(partner, buyer_identifier, now):
    body = ticket("Update", at=now).to_element()
    from lxml import etree

    row = InboundMessage.objects.create(
        partner=partner,
        message_type="Ticket.Update",
        message_id="x-1",
        body_sha256="0" * 64,
        body=etree.tostring(body),
    )
    with pytest.raises(TicketNotApplicable):
        apply_ticket(row)
    assert not Fault.objects.exists()
