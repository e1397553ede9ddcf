"""Back-fill: `GET /troubleTicket` with the seed's filters, page by page, each ticket of ours
stored in the inbox (`inbound.store_ticket(source="backfill")`), from the management command and
the admin; a complete run moves the point the next one starts from, a partial or filtered one
does not, and a supplier that fails is a clear message, never a 500."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from faults.services import Actor, fault_submit
from integrations.models import InboundMessage
from integrations.tmf621.backfill import OVERLAP, SupplierCallFailed, tickets_backfill
from integrations.tmf621.models import Tmf621Connection
from tests.conftest import TEST_PASSWORD
from tests.factories import FaultFactory
from tests.tmf621.conftest import BUYER_CODE, TMF_SLUG
from tests.tmf621.supplier_stub import Reply, tmf_error

pytestmark = pytest.mark.django_db
UPDATED = "2026-03-02T11:00:00Z"


@pytest.fixture
def connection(tmf_partner, tmf_stub) -> Tmf621Connection:
    return Tmf621Connection.objects.select_related("partner").get(partner=tmf_partner)


def ticket(ticket_id: str, external_id: str, status: str = "inProgress") -> dict:
    return {
        "id": ticket_id,
        "href": f"https://supplier.example/tmf-api/troubleTicket/v4/troubleTicket/{ticket_id}",
        "externalId": external_id,
        "ticketType": "Customer_Trouble_Ticket",
        "severity": "Medium",
        "description": "Line drops",
        "status": status,
        "creationDate": "2026-03-02T09:00:00Z",
        "lastUpdate": UPDATED,
        "statusChangeDate": UPDATED,
        "relatedParty": [{"id": BUYER_CODE, "role": "buyer", "@referredType": "Organization"}],
    }


@pytest.fixture
def ours(tmf_partner) -> list:
    """Three faults raised with the supplier, whose tickets it lists among two of others'."""
    buyer = tmf_partner.buyer_identifiers.get(code=BUYER_CODE)
    faults = [FaultFactory(supplier=tmf_partner, buyer_identifier=buyer) for _ in range(3)]
    for fault in faults:
        fault_submit(fault_id=fault.pk, actor=Actor.system("test"))
    return faults


def listing(ours: list) -> list[dict]:
    tickets = [ticket(f"TT-{100 + n}", fault.buyer_fault_reference) for n, fault in enumerate(ours)]
    return [*tickets[:2], ticket("TT-900", "OTHER-BUYER-1"), tickets[2], ticket("TT-901", "X-2")]


def pages_asked(stub) -> list[tuple[str, str]]:
    return [(call.query["offset"][0], call.query["limit"][0]) for call in stub.received]


# --- paging into the inbox (needs the listener's inbound.store_ticket) ---------------------------
def test_every_page_is_read_and_each_ticket_of_ours_stored_once(connection, tmf_stub, ours):
    tmf_stub.listing = listing(ours)

    result = tickets_backfill(connection=connection, page_size=2)

    assert pages_asked(tmf_stub) == [("0", "2"), ("2", "2"), ("4", "2")]
    assert (result.pages, result.read, result.ours, result.not_ours) == (3, 5, 3, 2)
    assert result.complete
    stored = InboundMessage.objects.filter(partner=connection.partner).order_by("id")
    assert [(m.fault_id, m.message_id) for m in stored] == [
        (fault.pk, f"backfill:TT-{100 + n}:{UPDATED}") for n, fault in enumerate(ours)
    ]

    tickets_backfill(connection=connection, since=datetime(2026, 1, 1, tzinfo=UTC), page_size=2)
    assert InboundMessage.objects.filter(partner=connection.partner).count() == 3  # not twice


def test_the_total_count_ends_the_run_without_asking_for_an_empty_page(connection, tmf_stub, ours):
    tmf_stub.listing = listing(ours)[:4]

    result = tickets_backfill(connection=connection, page_size=2)

    assert pages_asked(tmf_stub) == [("0", "2"), ("2", "2")]
    assert result.complete


def test_a_run_cut_short_keeps_what_it_read_and_does_not_move_the_point(connection, tmf_stub, ours):
    tmf_stub.listing = listing(ours)

    result = tickets_backfill(connection=connection, page_size=2, max_pages=1)

    assert not result.complete
    assert InboundMessage.objects.count() == 2
    connection.refresh_from_db()
    assert connection.backfilled_until is None
    assert "stopped before the last page" in result.summary()


# --- where a run starts ------------------------------------------------------------------------
def test_a_complete_run_moves_the_point_and_the_next_asks_for_what_changed_since(
    connection, tmf_stub
):
    started = timezone.now()

    first = tickets_backfill(connection=connection, now=started)
    connection.refresh_from_db()
    assert first.backfilled_until == connection.backfilled_until == started - OVERLAP
    second = tickets_backfill(connection=connection)

    before, after = tmf_stub.received
    assert "lastUpdate.gt" not in before.query
    since = (started - OVERLAP).astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert after.query["lastUpdate.gt"] == [since]
    assert second.since == started - OVERLAP


def test_filters_of_the_seed_are_sent_and_a_filtered_run_moves_nothing(connection, tmf_stub):
    tickets_backfill(
        connection=connection,
        filters={"ticketType": "Customer_Trouble_Ticket", "creationDate.gte": "2026-03-01"},
    )

    (call,) = tmf_stub.received
    assert call.query["ticketType"] == ["Customer_Trouble_Ticket"]
    assert call.query["creationDate.gte"] == ["2026-03-01"]
    connection.refresh_from_db()
    assert connection.backfilled_until is None


def test_a_filter_the_seed_does_not_list_is_refused_before_any_call(connection, tmf_stub):
    with pytest.raises(ValueError, match="Not a filter of the supplier's API: severity"):
        tickets_backfill(connection=connection, filters={"severity": "High"})

    assert tmf_stub.received == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (tmf_error(503, "Maintenance"), "answered HTTP 503: Maintenance"),
        (Reply(200, {"id": "TT-1"}), "something other than a list of tickets"),
    ],
)
def test_a_page_that_cannot_be_read_stops_the_run_and_moves_nothing(
    connection, tmf_stub, answer, error
):
    tmf_stub.then(answer)

    with pytest.raises(SupplierCallFailed, match=error):
        tickets_backfill(connection=connection)

    connection.refresh_from_db()
    assert connection.backfilled_until is None


# --- the command and the admin -----------------------------------------------------------------
def test_the_command_back_fills_each_tmf621_partner_and_says_what_it_read(
    connection, tmf_stub, capsys
):
    call_command("tmf621_backfill", "--partner", TMF_SLUG, "--filter", "name=Fibre")

    assert capsys.readouterr().out == (
        "TMF Supplier (test): 0 ticket(s) read from the start in 1 page(s): 0 of our faults "
        "stored for the inbox, 0 not ours.\n"
    )
    assert tmf_stub.received[0].query["name"] == ["Fibre"]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--partner", "no-such-partner"], "No active TMF621 partner: no-such-partner."),
        (["--filter", "priority=1"], "Not a filter of the supplier's API: priority"),
        (["--filter", "lastUpdate"], "write it as name=value"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(connection, tmf_stub, arguments, error):
    with pytest.raises(CommandError) as refused:
        call_command("tmf621_backfill", *arguments)

    assert error in str(refused.value)
    assert tmf_stub.received == []


def test_the_command_fails_when_the_supplier_is_down(tmf_partner):
    with pytest.raises(CommandError, match=f"Back-fill failed for {TMF_SLUG}"):
        call_command("tmf621_backfill")


@pytest.fixture
def site_admin(db) -> Client:
    user = get_user_model().objects.create_superuser("site-admin", "a@example.test", TEST_PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def backfill_from_admin(client: Client, connection) -> list[tuple[str, str]]:
    answer = client.post(
        "/admin/tmf621/tmf621connection/",
        {"action": "backfill_tickets", "_selected_action": [connection.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    return [(message.level_tag, message.message) for message in answer.context["messages"]]


def test_the_admin_action_back_fills_and_reports(site_admin, connection, tmf_stub):
    shown = backfill_from_admin(site_admin, connection)

    assert shown == [
        (
            "success",
            "TMF Supplier (test): 0 ticket(s) read from the start in "
            "1 page(s): 0 of our faults stored for the inbox, 0 not ours.",
        )
    ]


def test_the_admin_action_with_the_supplier_down_is_a_message(site_admin, tmf_partner):
    connection = tmf_partner.tmf621

    shown = backfill_from_admin(site_admin, connection)

    assert shown[0][0] == "error"
    assert "could not be reached" in shown[0][1]
    connection.refresh_from_db()
    assert connection.backfilled_until is None
