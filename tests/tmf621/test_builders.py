"""Golden tests of what we send a TMF621 supplier: each request, as the outbox stores it after the
domain change that asks for it, is valid against the official v4 schema with the profile and
against the seed's field table, and departs from plain v4 only where `schema.PROFILE` says.
The raise of a realistic fault is compared whole with its golden file; a fault whose data cannot
make a valid request is refused to the agent, and nothing is stored."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from faults.choices import FaultStatus, FaultType, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_amend,
    fault_apply_supplier_status,
    fault_attachment_add,
    fault_cancel,
    fault_comment_add,
    fault_reject_resolution,
    fault_submit,
)
from faults.services.raising import AMENDABLE_FIELDS
from integrations.models import OutboundMessage
from integrations.tmf621 import builders, schema
from integrations.tmf621.adapter import Tmf621Adapter
from tests.factories import FaultFactory
from tests.tmf621.conftest import BUYER_CODE

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "golden"
AGENT = Actor.system("test-agent")
SUPPLIER = Actor.partner("tmf-event")
LOG = b"08:14:58 ONT LOS\n08:15:02 ONT LOS cleared\n08:15:40 ONT LOS\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
# Where the profile departs from v4 (a property's own schema, or a status v4 does not list).
PROFILE_PROPERTIES = {d.prop for d in schema.PROFILE if d.schema is not None}
PROFILE_STATUSES = {d.prop for d in schema.PROFILE if d.schema is None}


def v4_departures(kind: str, body: dict) -> set[str]:
    """The paths where plain v4 refuses the body, each checked to be a PROFILE deviation."""
    paths = set()
    for error in schema.v4_errors(kind, body):
        path, _, problem = error.partition(": ")
        if path == "status":
            assert any(f"'{word}' is not one of" in problem for word in PROFILE_STATUSES), error
        else:
            assert path in PROFILE_PROPERTIES, error
        paths.add(path)
    return paths


def assert_valid(kind: str, method: str, body: dict) -> None:
    assert schema.validation_errors(kind, body) == []
    assert schema.field_table_errors(body, method=method) == []


@pytest.fixture
def fault(tmf_partner):
    """A realistic impaired-service fault, as an agent fills the raise form."""
    fault = FaultFactory(
        supplier=tmf_partner,
        buyer_identifier=tmf_partner.buyer_identifiers.get(code=BUYER_CODE),
        buyer_fault_reference="NOC-260302-1A2B3C4D",
        service_id="CFH-000123456",
        product_name="FTTP 900/110",
        fault_type=FaultType.IMPAIRED_SERVICE,
        priority=2,
        description="Customer reports the line drops every few minutes since this morning; "
        "ONT shows LOS intermittently.",
        fault_start_time=datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
        fault_location="Flat 4, 12 Example Street, Leeds LS1 4AP",
        site_access_details="Concierge on site 08:00-18:00; ask for the plant room key.",
        site_access_contact_name="Sam Porter",
        site_access_contact_phone="0113 496 0000",
        site_access_contact_email="concierge@example.org",
        reporter_name="Alex Agent",
        reporter_phone="0113 496 0999",
        reporter_email="noc@example.net",
        end_user_name="Jo Customer",
        end_user_phone="07700 900123",
        triage_complete=True,
        triage_findings="Light level -27 dBm at the ONT; rebooted twice, no change.",
    )
    fault_attachment_add(
        fault_id=fault.pk,
        actor=AGENT,
        upload=SimpleUploadedFile("ont-log.log", LOG, content_type="text/plain"),
    )
    return fault


def sent(fault: Fault) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(fault=fault).order_by("id"))


def body_of(message: OutboundMessage) -> dict:
    return json.loads(message.body)


def raised(fault: Fault, ticket_id: str = "TT-1001") -> Fault:
    """Submitted, and accepted by the supplier with its ticket id (as the raise's answer does)."""
    fault_submit(fault_id=fault.pk, actor=AGENT)
    fault_apply_supplier_status(
        fault_id=fault.pk, status="accepted", actor=SUPPLIER, maintainer_fault_reference=ticket_id
    )
    fault.refresh_from_db()
    return fault


# --- the raise ---------------------------------------------------------------------------------
def test_the_raise_of_a_realistic_fault_is_its_golden_body(fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = sent(fault)
    body = body_of(message)

    assert body == json.loads((GOLDEN / "create-impaired-service.json").read_text())
    assert base64.b64decode(body["attachment"][0]["content"]) == LOG


def test_the_raise_is_valid_v4_with_the_profile_and_the_seeds_field_table(fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    body = body_of(sent(fault)[0])

    assert_valid("create", "POST", body)
    assert v4_departures("create", body) == {"priority"}  # an integer 1-10 (seed 002 v1.3.0)


@pytest.mark.parametrize(
    ("fault_type", "severity"),
    [
        (FaultType.SERVICE_OUTAGE, "High"),
        (FaultType.IMPAIRED_SERVICE, "Medium"),
        (FaultType.PERFORMANCE_ISSUE, "Low"),
        ("Noisy line", "Low"),
    ],
)
def test_the_severity_says_what_the_fault_type_means_for_the_service(
    tmf_partner, fault_type, severity
):
    fault = FaultFactory(
        supplier=tmf_partner,
        buyer_identifier=tmf_partner.buyer_identifiers.get(),
        fault_type=fault_type,
        priority=4,
    )

    body = builders.build_create(fault=fault)

    assert (body["severity"], body["priority"]) == (severity, 4)
    assert (body["ticketType"], body["ticketSubtype"]) == ("Customer_Trouble_Ticket", "Maintenance")


def test_a_minimal_fault_makes_a_valid_raise_with_only_what_it_has(tmf_partner):
    fault = FaultFactory(
        supplier=tmf_partner,
        buyer_identifier=tmf_partner.buyer_identifiers.get(),
        description="No sync.",
        fault_start_time=None,
        fault_location="",
        site_access_details="",
        site_access_contact_name="",
        site_access_contact_phone="",
        triage_complete=None,
        triage_findings="",
    )

    body = builders.build_create(fault=fault)

    assert_valid("create", "POST", body)
    assert [party["role"] for party in body["relatedParty"]] == ["buyer"]
    assert [note["id"] for note in body["note"]] == ["noc-raise-triage"]


def test_a_service_outage_raise_names_its_reserved_appointment(tmf_partner):
    fault = FaultFactory(
        supplier=tmf_partner,
        buyer_identifier=tmf_partner.buyer_identifiers.get(),
        fault_type=FaultType.SERVICE_OUTAGE,
        appointment_reservation_key="RES-42",
    )

    body = builders.build_create(fault=fault)

    assert {"id": "noc-raise-appointment", "text": "Engineer appointment (reservation RES-42)"} in (
        body["note"]
    )


def test_a_fault_without_a_description_is_refused_to_the_agent_and_nothing_is_stored(fault):
    Fault.objects.filter(pk=fault.pk).update(description="  ")

    with pytest.raises(FaultValidationError) as refused:
        fault_submit(fault_id=fault.pk, actor=AGENT)

    assert refused.value.errors == {
        "description": ["The supplier needs a description of the fault."]
    }
    assert "TMF Supplier (test) (TMF621) cannot take this as it is" in refused.value.message
    fault.refresh_from_db()
    assert fault.status == FaultStatus.DRAFT
    assert sent(fault) == []


def test_the_raise_form_shows_the_refusal_under_the_description(agent_client, tmf_partner):
    data = {
        "supplier": tmf_partner.pk,
        "buyer_identifier": "",
        "parent": "",
        "service_id": "CFH-000123456",
        "fault_type": FaultType.IMPAIRED_SERVICE,
        "address_key": "",
        "product_name": "",
        "priority": "2",
        "description": "",
        "fault_start_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "fault_location": "Cabinet 12, Example Street",
        "site_access_details": "Ring the bell at reception.",
        "site_access_contact_name": "Site Contact",
        "site_access_contact_phone": "01632 960000",
        "triage_complete": "true",
        "triage_findings": "Light levels low at the ONT.",
        "intent": "submit",
    }

    answer = agent_client.post("/faults/new/", data)

    assert answer.status_code == 400
    assert "The supplier needs a description of the fault." in answer.content.decode()
    assert not Fault.objects.exists()
    assert not OutboundMessage.objects.exists()


# --- the PATCHes -------------------------------------------------------------------------------
def test_an_amend_sends_what_changed_the_whole_contact_list_and_notes_for_the_rest(fault):
    raised(fault)
    fault_amend(
        fault_id=fault.pk,
        actor=AGENT,
        changes={
            "description": "Line now down completely.",
            "priority": 1,
            "end_user_email": "jo@example.org",
            "fault_location": "Flat 4, rear building",
        },
    )
    message = sent(fault)[-1]
    body = body_of(message)

    assert (message.method, message.path) == ("PATCH", "troubleTicket/TT-1001")
    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == {"priority"}
    assert body["description"] == "Line now down completely."
    assert body["priority"] == 1
    assert [party["id"] for party in body["relatedParty"]] == [
        BUYER_CODE,
        "reporter-NOC-260302-1A2B3C4D",
        "siteContact-NOC-260302-1A2B3C4D",
        "endUser-NOC-260302-1A2B3C4D",
    ]
    prefix = f"noc-amend-{message.message_id}"
    assert body["note"] == [
        {"id": f"{prefix}-location", "text": "Fault location: Flat 4, rear building"},
        {
            "id": f"{prefix}-contacts",
            "text": "Reporter: Alex Agent, 0113 496 0999, noc@example.net\n"
            "Site contact: Sam Porter, 0113 496 0000, concierge@example.org\n"
            "End user: Jo Customer, 07700 900123, jo@example.org",
        },
    ]


def test_an_amend_of_a_start_time_is_a_note_with_an_rfc_3339_time(fault):
    raised(fault)
    later = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"fault_start_time": later})
    body = body_of(sent(fault)[-1])

    assert_valid("update", "PATCH", body)
    assert body["note"][0]["text"] == "Fault start time: 2026-03-02T09:30:00Z"


def test_a_new_attachment_is_sent_as_base64_with_its_mime_type(fault):
    raised(fault)
    fault_attachment_add(
        fault_id=fault.pk,
        actor=AGENT,
        upload=SimpleUploadedFile("ont.png", PNG, content_type="image/png"),
    )
    body = body_of(sent(fault)[-1])

    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == set()
    assert body == {
        "attachment": [
            {
                "name": "ont.png",
                "mimeType": "image/png",
                "content": base64.b64encode(PNG).decode(),
                "size": {"amount": len(PNG), "units": "bytes"},
            }
        ]
    }


def test_a_new_appointment_is_a_note(fault):
    raised(fault)
    appointment = {
        "reservation_key": "RES-77",
        "date": "2026-03-04",
        "start_time": "08:00",
        "end_time": "13:00",
    }

    request = Tmf621Adapter().build_outbound(
        fault=fault,
        operation=PartnerOperation.AMEND,
        payload={"changes": {}, "appointment": appointment},
        message_id="m-1",
        at=timezone.now(),
    )
    body = json.loads(request.body)

    assert_valid("update", "PATCH", body)
    assert body == {
        "note": [
            {
                "id": "noc-amend-m-1-appointment",
                "text": "Engineer appointment 2026-03-04 08:00-13:00 (reservation RES-77)",
            }
        ]
    }


def test_a_comment_is_one_note_with_our_id(fault):
    raised(fault)
    comment = fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Customer home from 2pm.")
    body = body_of(sent(fault)[-1])

    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == set()
    assert body == {
        "note": [{"id": f"noc-comment-{comment.pk}", "text": "Customer home from 2pm."}]
    }


def test_a_cancel_sets_the_status_with_our_reason(fault):
    raised(fault)
    fault_cancel(fault_id=fault.pk, actor=AGENT, reason="Customer's router was unplugged.")
    body = body_of(sent(fault)[-1])

    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == set()
    assert body == {"status": "cancelled", "statusChangeReason": "Customer's router was unplugged."}


def test_accepting_the_resolution_closes_the_ticket(fault):
    raised(fault)
    fault_apply_supplier_status(fault_id=fault.pk, status="resolved", actor=SUPPLIER)
    fault_accept_resolution(fault_id=fault.pk, actor=AGENT)
    body = body_of(sent(fault)[-1])

    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == set()
    assert body == {"status": "closed"}


def test_rejecting_the_resolution_reopens_the_ticket_saying_why(fault):
    raised(fault)
    fault_apply_supplier_status(fault_id=fault.pk, status="resolved", actor=SUPPLIER)
    fault_reject_resolution(fault_id=fault.pk, actor=AGENT, reason="Still drops every hour.")
    message = sent(fault)[-1]
    body = body_of(message)

    assert_valid("update", "PATCH", body)
    assert v4_departures("update", body) == {"status"}  # MEF 124's `reopened`
    assert body == {
        "status": "reopened",
        "statusChangeReason": "Still drops every hour.",
        "note": [{"id": f"noc-resolution-{message.message_id}", "text": "Still drops every hour."}],
    }


def test_the_hub_registration_is_a_v4_subscription_input():
    body = builders.build_hub(callback="https://noc.example/integrations/tmf621/tmf-supplier")

    assert schema.validation_errors("hub", body) == []
    assert schema.v4_errors("hub", body) == []


def test_every_field_an_agent_may_amend_has_a_place_in_the_ticket():
    assert builders.AMENDABLE_FIELDS == AMENDABLE_FIELDS
