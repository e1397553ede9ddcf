"""What a subscriber hears of the tickets the buyer's systems create and change through the
TMF621 API: the ticket as sent (its own attributes are stored after the fault is created, so
the event carries them only because it takes the ticket as committed), a draft's information
required, a PATCH's attribute changes by the ticket's attribute names."""

import json
from collections.abc import Iterator

import pytest

from integrations.models import OutboundMessage
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api import writes
from integrations.tmf621_api.events import field_paths
from integrations.tmf621_api.subscriptions import hub_subscribe
from tests.scripted_partner import Reply, ScriptedPartner
from tests.tmf621_api.conftest import patch_ticket, post_ticket, ticket_body, without_details

pytestmark = pytest.mark.django_db
CREATE = "troubleTicketCreateEvent"
CHANGE = "troubleTicketAttributeValueChangeEvent"
STATUS = "troubleTicketStatusChangeEvent"
INFO = "troubleTicketInformationRequiredEvent"


@pytest.fixture
def subscription(db) -> Iterator:
    with ScriptedPartner(Reply(201, b"")) as listener:
        yield hub_subscribe(callback=f"{listener.url}/hub", user=None)


def heard(subscription) -> list[dict]:
    messages = OutboundMessage.objects.filter(partner=subscription.partner).order_by("id")
    return [json.loads(message.body) for message in messages]


def test_a_complete_ticket_is_heard_created_and_acknowledged_as_sent(
    agent_tmf, supplier_ready, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_ticket(agent_tmf, ticket_body())
    assert answer.status_code == 201, answer.content

    events = heard(subscription)
    assert [event["eventType"] for event in events] == [CREATE, STATUS]
    for event in events:
        ticket = event["event"]["troubleTicket"]
        assert validation_errors("ticket", ticket) == []
        assert ticket["id"] == answer.json()["id"]
        # As the client sent them, stored after the fault was created.
        assert (ticket["severity"], ticket["externalId"], ticket["name"]) == (
            "High",
            "OSS-4711",
            "No sync at 1 High Street",
        )
        assert ticket["status"] == "acknowledged"


def test_an_incomplete_ticket_is_heard_as_information_required(
    agent_tmf, supplier_ready, subscription, django_capture_on_commit_callbacks
):
    body = without_details(ticket_body(), "triageFindings")
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_ticket(agent_tmf, body)
    assert answer.status_code == 201, answer.content

    created, information = heard(subscription)
    assert (created["eventType"], information["eventType"]) == (CREATE, INFO)
    ticket = information["event"]["troubleTicket"]
    assert ticket["status"] == "pending"
    assert "triageFindings" in ticket["statusChangeReason"]


def test_a_patch_of_the_tickets_own_attributes_is_heard_by_their_names(
    agent_tmf, supplier_ready, subscription, django_capture_on_commit_callbacks
):
    ticket_id = post_ticket(agent_tmf, ticket_body()).json()["id"]
    before = len(heard(subscription))

    with django_capture_on_commit_callbacks(execute=True):
        answer = patch_ticket(agent_tmf, ticket_id, {"severity": "Low", "externalId": "OSS-9"})
    assert answer.status_code == 200, answer.content

    (change,) = heard(subscription)[before:]
    assert change["eventType"] == CHANGE
    assert change["fieldPath"] == "externalId,severity"
    ticket = change["event"]["troubleTicket"]
    assert (ticket["severity"], ticket["externalId"]) == ("Low", "OSS-9")


@pytest.mark.parametrize("name", [*writes.TRACKED_COLUMNS, *writes.TRACKED_DOCUMENT])
def test_every_attribute_the_api_records_a_change_of_is_a_field_path(name):
    assert field_paths((name,)) == [name]
