"""`GET /troubleTicket` with seed 002's filters, `.gt/.gte/.lt/.lte` on dates, `fields=`, and
paging with X-Total-Count / X-Result-Count; and `fields=` on a single ticket."""

from datetime import datetime
from typing import Any

import pytest

from integrations.tmf621.schema import validation_errors
from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import Buyer, tmf_error


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def tickets(sim: Tmf621Simulator, buyer: Buyer) -> dict[str, dict[str, Any]]:
    """One resolved ticket, then three that stay as raised: by name."""
    resolved = buyer.raised(name="Resolved one")
    buyer.wait_for_status(resolved["id"], "resolved")
    sim.configure(step_delay=3600)
    raised = {
        "sync": buyer.raised(name="Loss of sync", correlationId="CORR-1"),
        "bill": buyer.raised(
            name="Wrong bill", ticketType="Complaint", ticketSubtype="Financial", relatedEntity=None
        ),
        "tone": buyer.raised(name="No dial tone", ticketSubtype="Activation"),
    }
    return {"resolved": buyer.ticket(resolved["id"]), **raised}


def listed(buyer: Buyer, **params: str) -> list[str]:
    response = buyer.call("GET", "troubleTicket", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["X-Result-Count"] == str(len(response.json()))
    return [ticket["name"] for ticket in response.json()]


def test_without_filters_every_ticket_is_listed_in_creation_order(
    buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    response = buyer.call("GET", "troubleTicket")

    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [t["id"] for t in tickets.values()]
    assert response.headers["X-Total-Count"] == "4"
    assert response.headers["X-Result-Count"] == "4"
    assert all(validation_errors("ticket", ticket) == [] for ticket in response.json())


def test_the_text_filters_of_the_seed(buyer: Buyer, tickets: dict[str, dict[str, Any]]) -> None:
    sync, tone = tickets["sync"], tickets["tone"]
    reason = tickets["resolved"]["statusChangeReason"]

    assert listed(buyer, id=sync["id"]) == ["Loss of sync"]
    assert listed(buyer, id=f"{sync['id']},{tone['id']}") == ["Loss of sync", "No dial tone"]
    assert listed(buyer, ticketType="Complaint") == ["Wrong bill"]
    assert listed(buyer, ticketSubType="Activation") == ["No dial tone"]
    assert listed(buyer, ticketSubtype="Financial") == ["Wrong bill"]
    assert listed(buyer, name="Wrong bill") == ["Wrong bill"]
    assert listed(buyer, correlationId="CORR-1") == ["Loss of sync"]
    assert listed(buyer, statusChangeReason=reason) == ["Resolved one"]
    assert listed(buyer, ticketType="Customer_Trouble_Ticket", name="No dial tone") == [
        "No dial tone"
    ]
    assert listed(buyer, name="Nothing like it") == []


@pytest.mark.parametrize("field", ["creationDate", "lastUpdate", "statusChangeDate"])
@pytest.mark.parametrize("comparison", ["gt", "gte", "lt", "lte"])
def test_date_filters_compare_instants(
    buyer: Buyer, tickets: dict[str, dict[str, Any]], field: str, comparison: str
) -> None:
    pivot = tickets["bill"][field]
    compare = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }[comparison]
    expected = [t["name"] for t in tickets.values() if compare(_at(t[field]), _at(pivot))]

    assert listed(buyer, **{f"{field}.{comparison}": pivot}) == expected
    assert "Wrong bill" in listed(buyer, **{field: pivot})


def test_resolution_date_filters_only_the_resolved(
    buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    resolved_at = tickets["resolved"]["resolutionDate"]

    assert listed(buyer, **{"resolutionDate.gt": "2000-01-01"}) == ["Resolved one"]
    assert listed(buyer, **{"resolutionDate.lte": resolved_at}) == ["Resolved one"]
    assert listed(buyer, **{"resolutionDate.lt": resolved_at}) == []


def test_the_back_fill_query_finds_what_changed_since(
    buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    """What our back-fill asks: lastUpdate.gt=<iso>&offset=&limit=."""
    since = tickets["sync"]["lastUpdate"]
    later = [t["name"] for t in tickets.values() if _at(t["lastUpdate"]) > _at(since)]

    response = buyer.call(
        "GET", "troubleTicket", params={"lastUpdate.gt": since, "offset": "0", "limit": "50"}
    )

    assert [t["name"] for t in response.json()] == later
    assert response.headers["X-Total-Count"] == str(len(later))


def test_fields_keeps_the_asked_fields_and_the_identity(
    buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    sync = tickets["sync"]

    listing = buyer.call("GET", "troubleTicket", params={"fields": "status,externalId"}).json()
    single = buyer.get(sync["id"], fields="status").json()

    assert {frozenset(t) for t in listing} == {frozenset({"id", "href", "status", "externalId"})}
    assert single == {"id": sync["id"], "href": sync["href"], "status": "acknowledged"}


def test_offset_and_limit_page_through_with_the_counts(
    sim: Tmf621Simulator, buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    names = [t["name"] for t in tickets.values()]

    first = buyer.call("GET", "troubleTicket", params={"offset": "0", "limit": "3"})
    second = buyer.call("GET", "troubleTicket", params={"offset": "3", "limit": "3"})
    beyond = buyer.call("GET", "troubleTicket", params={"offset": "10"})

    assert [t["name"] for t in first.json()] == names[:3]
    assert [t["name"] for t in second.json()] == names[3:]
    assert beyond.json() == []
    assert [r.headers["X-Total-Count"] for r in (first, second, beyond)] == ["4", "4", "4"]
    assert [r.headers["X-Result-Count"] for r in (first, second, beyond)] == ["3", "1", "0"]


def test_a_page_holds_at_most_the_suppliers_limit(
    sim: Tmf621Simulator, buyer: Buyer, tickets: dict[str, dict[str, Any]]
) -> None:
    sim.configure(page_limit=2)

    unlimited = buyer.call("GET", "troubleTicket")
    asking_more = buyer.call("GET", "troubleTicket", params={"limit": "100"})

    for response in (unlimited, asking_more):
        assert len(response.json()) == 2
        assert response.headers["X-Total-Count"] == "4"
        assert response.headers["X-Result-Count"] == "2"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"status": "acknowledged"}, "invalidQuery"),  # not one of the seed's filters
        ({"externalId": "NOC-1"}, "invalidQuery"),
        ({"name.gt": "A"}, "invalidQuery"),
        ({"creationDate.after": "2024-01-01"}, "invalidQuery"),
        ({"creationDate.gt": "yesterday"}, "invalidQuery"),
        ({"limit": "-1"}, "invalidQuery"),
        ({"offset": "two"}, "invalidQuery"),
        ({"name": ""}, "missingQueryValue"),
    ],
)
def test_a_query_the_supplier_cannot_answer_is_400(
    buyer: Buyer, params: dict[str, str], code: str
) -> None:
    response = buyer.call("GET", "troubleTicket", params=params)

    assert next(iter(params)) in tmf_error(response, 400, code)["message"]
