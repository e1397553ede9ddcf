"""A fault as a v4 TroubleTicket (`representation.ticket`): valid against the v4 schema with
the profile, status in TMF's words, history from the audit trail, the supplier and its
reference, comments as notes, and `fields=` projection."""

import pytest
from django.test import RequestFactory

from faults.choices import FaultStatus
from faults.services import Actor, fault_comment_add, fault_reject_resolution
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api import representation
from integrations.tmf621_api.representation import api_base_url, configured_base_url, ticket
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

EXPECTED_STATUS = {
    "pending": "acknowledged",
    "accepted": "acknowledged",
    "open": "inProgress",
    "in-progress": "inProgress",
    "on-hold": "pending",
    "resolved": "resolved",
    "re-opened": "inProgress",
    "closed": "closed",
    "cancelled": "cancelled",
    "rejected": "rejected",
}


@pytest.mark.parametrize("status", sorted(EXPECTED_STATUS))
def test_a_fault_in_each_status_is_a_valid_ticket_in_tmf_words(draft, base_url, status):
    fault = bring_to(draft, status)

    body = ticket(fault, base_url=base_url)

    assert validation_errors("ticket", body) == []
    assert body["status"] == EXPECTED_STATUS[status]
    assert body["id"] == fault.buyer_fault_reference
    assert body["href"] == f"{base_url}troubleTicket/{fault.buyer_fault_reference}"
    assert body["@type"] == "TroubleTicket"
    assert body["statusChange"][-1]["status"] == EXPECTED_STATUS[status]


def test_a_ui_fault_reads_as_the_supplier_package_describes_it(raised, base_url):
    body = ticket(raised, base_url=base_url)

    assert body["severity"] == "Medium"  # an Impaired Service fault
    assert body["ticketType"] == "Customer_Trouble_Ticket"
    assert body["priority"] == 2
    assert body["name"] == "Impaired Service on SVC-REP-1"
    assert body["relatedEntity"] == [
        {"id": "SVC-REP-1", "role": "service", "@referredType": "Service"}
    ]
    assert body["channel"]["id"] == "noc"
    assert "externalId" not in body  # nothing was sent, nothing is made up
    assert "resolutionDate" not in body
    details = {item["name"]: item["value"] for item in body["troubleTicketCharacteristic"]}
    assert details["faultType"] == "Impaired Service"
    assert details["triageComplete"] is True


def test_status_change_history_comes_from_the_audit_trail_with_a_reopen_of_its_own(
    draft, base_url, agent
):
    fault = bring_to(draft, "resolved")
    fault_reject_resolution(fault_id=fault.pk, actor=agent, reason="Still no sync at 10:00.")
    fault.refresh_from_db()

    body = ticket(fault, base_url=base_url)

    assert [change["status"] for change in body["statusChange"]] == [
        "acknowledged",  # sent (the factory's draft has no audit row of its own)
        "acknowledged",  # accepted
        "inProgress",
        "resolved",
        "inProgress",  # re-opened: its own entry
    ]
    reopen = body["statusChange"][-1]
    assert reopen["changeReason"] == "Still no sync at 10:00."
    assert body["statusChangeReason"] == "Still no sync at 10:00."
    assert body["statusChangeDate"] == reopen["changeDate"]
    assert validation_errors("ticket", body) == []


def test_the_supplier_is_a_related_party_with_its_reference_once_it_gave_one(draft, base_url):
    pending = ticket(bring_to(draft, "pending"), base_url=base_url)
    draft.refresh_from_db()
    supplier = [p for p in pending["relatedParty"] if p["role"] == "supplier"]
    assert supplier == [
        {
            "id": "test-supplier",
            "name": "Test Supplier",
            "role": "supplier",
            "@referredType": "Organization",
        }
    ]

    accepted = ticket(_accept(draft), base_url=base_url)
    supplier = next(p for p in accepted["relatedParty"] if p["role"] == "supplier")
    assert supplier["troubleTicketId"] == "CS0001"
    buyer = next(p for p in accepted["relatedParty"] if p["role"] == "buyer")
    assert buyer["id"] == "SPTEST1"


def _accept(fault):
    from faults.services import fault_apply_supplier_status
    from tests.helpers import SUPPLIER

    fault_apply_supplier_status(
        fault_id=fault.pk, status="accepted", actor=SUPPLIER, maintainer_fault_reference="CS0001"
    )
    fault.refresh_from_db()
    return fault


def test_a_draft_is_pending_and_names_what_the_supplier_still_needs(draft, base_url):
    draft.fault_location = ""
    draft.triage_findings = ""
    draft.save()

    body = ticket(draft, base_url=base_url)

    assert body["status"] == "pending"
    reason = body["statusChangeReason"]
    assert "faultLocation" in reason
    assert "triageFindings" in reason
    assert "faultStartTime" not in reason  # given
    assert validation_errors("ticket", body) == []


def test_comments_are_notes_with_their_author(raised, base_url, agent_user):
    fault_comment_add(fault_id=raised.pk, actor=Actor.for_user(agent_user), text="Called the site.")

    notes = ticket(raised, base_url=base_url)["note"]

    assert [(note["author"], note["text"]) for note in notes] == [
        ("test-agent", "Called the site.")
    ]
    assert notes[0]["id"].startswith("comment-")


def test_fields_projection_answers_exactly_the_attributes_asked_for(raised, base_url):
    body = ticket(raised, base_url=base_url, fields=["status", "id", "severity"])

    assert body == {
        "id": raised.buyer_fault_reference,
        "severity": "Medium",
        "status": "acknowledged",
    }


def test_every_attribute_is_named_by_field_names(raised, base_url):
    assert set(ticket(raised, base_url=base_url)) <= representation.FIELD_NAMES


def test_the_base_url_comes_from_the_setting_else_from_the_request(settings):
    request = RequestFactory().get("/tmf-api/troubleTicket/v4/troubleTicket", HTTP_HOST="localhost")

    settings.TMF_API_BASE_URL = ""
    assert api_base_url(request) == "http://localhost/tmf-api/troubleTicket/v4/"

    settings.TMF_API_BASE_URL = "https://noc.example.net/tmf-api/troubleTicket/v4"
    assert api_base_url(request) == "https://noc.example.net/tmf-api/troubleTicket/v4/"
    assert configured_base_url() == "https://noc.example.net/tmf-api/troubleTicket/v4/"


def test_without_a_setting_the_hub_uses_the_development_server_in_debug_only(settings):
    settings.TMF_API_BASE_URL = ""
    settings.DEBUG = True
    assert configured_base_url() == "http://127.0.0.1:8000/tmf-api/troubleTicket/v4/"
    settings.DEBUG = False
    assert configured_base_url() == ""


def test_our_draft_word_is_never_answered(draft, base_url):
    body = ticket(draft, base_url=base_url)
    assert FaultStatus.DRAFT not in {body["status"], *(c["status"] for c in body["statusChange"])}


def test_load_ticket_reads_one_fault_in_a_fixed_number_of_queries(raised, base_url, agent_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.tmf621_api.query import load_ticket

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body = load_ticket(raised.pk, base_url=base_url)
        assert body == ticket(raised, base_url=base_url)
        return len(captured)

    before = queries()
    for text in ("First.", "Second.", "Third."):
        fault_comment_add(fault_id=raised.pk, actor=Actor.for_user(agent_user), text=text)
    assert queries() == before
