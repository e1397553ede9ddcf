"""Shared fixtures of the TMF621 API's tests: the API's base URL and a fault raised the way the
UI raises one (a supplier that records its calls in the outbox; no supplier server is needed)."""

import pytest

from faults.services import Actor, fault_raise

BASE_URL = "http://testserver/tmf-api/troubleTicket/v4/"
TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket"


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def raised(partner, buyer_identifier, sla_policy, agent_user):
    """A fault raised from the UI's services and sent (pending), with every detail the supplier
    needs."""
    from tests.factories import FaultFactory

    details = FaultFactory.build()
    fields = (
        "description",
        "fault_start_time",
        "fault_location",
        "site_access_details",
        "site_access_contact_name",
        "site_access_contact_phone",
        "triage_complete",
        "triage_findings",
    )
    return fault_raise(
        actor=Actor.for_user(agent_user),
        submit=True,
        supplier=partner,
        service_id="SVC-REP-1",
        fault_type="Impaired Service",
        priority=2,
        **{name: getattr(details, name) for name in fields},
    )


def ticket_body(**extra) -> dict:
    """A POST body that carries everything the supplier needs (the `partner` fixture's)."""
    body = {
        "description": "Loss of sync since 09:00.",
        "severity": "High",
        "ticketType": "Customer_Trouble_Ticket",
        "priority": 2,
        "externalId": "OSS-4711",
        "name": "No sync at 1 High Street",
        "relatedEntity": [{"id": "SVC-API-1", "role": "service", "@referredType": "Service"}],
        "relatedParty": [
            {"id": "test-supplier", "role": "supplier", "@referredType": "Organization"},
            {
                "id": "rep-1",
                "role": "reporter",
                "name": "Rita Reporter",
                "@referredType": "Individual",
            },
        ],
        "troubleTicketCharacteristic": [
            {"name": "faultType", "value": "Impaired Service"},
            {"name": "faultStartTime", "value": "2024-05-01T08:55:00Z"},
            {"name": "faultLocation", "value": "Cabinet 12"},
            {"name": "triageComplete", "value": True},
            {"name": "triageFindings", "value": "ONT shows LOS."},
            {"name": "siteAccessDetails", "value": "Key at reception"},
            {"name": "siteAccessContactPhone", "value": "01632 960001"},
        ],
    }
    body.update(extra)
    return body


def without_details(body: dict, *names: str) -> dict:
    """The body without the characteristics named."""
    items = [i for i in body["troubleTicketCharacteristic"] if i["name"] not in names]
    return {**body, "troubleTicketCharacteristic": items}


@pytest.fixture
def supplier_ready(partner, buyer_identifier, sla_policy):
    """The one active supplier, with its default buyer identifier and an SLA policy."""
    return partner


@pytest.fixture
def agent_tmf(agent_user):
    from tests.helpers import client_for

    return client_for(agent_user)


@pytest.fixture
def manager_tmf(manager_user):
    from tests.helpers import client_for

    return client_for(manager_user)


def post_ticket(client, body, path: str = TICKETS, content_type: str = "application/json"):
    import json

    return client.generic("POST", path, json.dumps(body), content_type=content_type)


def patch_ticket(client, ticket_id, body, content_type: str = "application/merge-patch+json"):
    import json

    return client.generic(
        "PATCH", f"{TICKETS}/{ticket_id}", json.dumps(body), content_type=content_type
    )


def v4_ticket_errors(ticket: dict) -> list[str]:
    """The official v4 schema's complaints about a ticket we answered, but for our one knowing
    difference: a priority nobody sent as a word is our number (1 to 5, the supplier profile's
    integer), where v4 has a string."""
    from integrations.tmf621.schema import v4_errors

    ours = isinstance(ticket.get("priority"), int) and 1 <= ticket["priority"] <= 5
    return [e for e in v4_errors("ticket", ticket) if not (ours and e.startswith("priority:"))]
