"""The fault list's columns: the defaults as before, a choice in the query string (`columns=`),
the reference always kept, an unknown column explained (never a 500), the chooser on the page."""

import lxml.html
import pytest

from faults.ui.worklists.columns import COLUMNS, default_columns, parse_columns
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


def headers(answer) -> list[str]:
    page = lxml.html.fromstring(answer.content)
    return [
        " ".join(th.text_content().split())
        for th in page.xpath("//table[contains(@class, 'fault-list')]//th")
        if th.text_content().strip() != "Select"  # the bulk actions' checkbox, not a column
    ]


def first_row(answer) -> list[str]:
    page = lxml.html.fromstring(answer.content)
    return [
        " ".join(td.text_content().split())
        for td in page.xpath("//table[contains(@class, 'fault-list')]//td")
        if not td.xpath(".//input[@type='checkbox']")  # the bulk actions' checkbox
    ]


@pytest.fixture
def fault(partner, buyer_identifier):
    return FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_location="Cabinet 7, Mill Lane",
        priority=2,
    )


def test_the_list_shows_the_default_columns_when_none_are_chosen(agent_client, fault):
    answer = agent_client.get("/faults/")

    assert answer.status_code == 200
    assert headers(answer) == [
        "Reference",
        "Supplier's ref.",
        "Supplier",
        "Service ID",
        "Type",
        "Priority",
        "Status",
        "Owner",
        "SLA due",
        "Created ▼",  # the default order, newest first
    ]
    # Chosen only: Parent, Team and Location.
    assert not {"Parent", "Team", "Location"} & set(headers(answer))


def test_chosen_columns_are_shown_in_the_registry_order_with_their_cells(agent_client, fault):
    answer = agent_client.get("/faults/?columns=location,priority")

    assert headers(answer) == ["Reference", "Priority", "Location"]
    assert first_row(answer) == [fault.buyer_fault_reference, "P2", "Cabinet 7, Mill Lane"]


def test_columns_repeated_as_the_chooser_sends_them_are_read_too(agent_client, fault):
    answer = agent_client.get("/faults/?columns=reference&columns=status&columns=sla")

    assert headers(answer) == ["Reference", "Status", "SLA due"]


def test_a_chosen_column_keeps_its_sort_header(agent_client, fault):
    answer = agent_client.get("/faults/?columns=priority&sort=-priority")

    page = lxml.html.fromstring(answer.content)
    priority = page.xpath("//th[@aria-sort]")[0]
    assert priority.get("aria-sort") == "descending"
    # The header's link keeps the chosen columns.
    assert "columns=priority" in priority.xpath(".//a")[0].get("href")


def test_an_unknown_column_is_explained_and_the_known_ones_are_shown(agent_client, fault):
    answer = agent_client.get("/faults/?columns=priority,colour")

    assert answer.status_code == 400
    assert headers(answer) == ["Reference", "Priority"]
    summary = lxml.html.fromstring(answer.content).xpath("//*[@class='filter-errors']")[0]
    assert "colour is not a column of the list" in summary.text_content()


def test_the_chooser_offers_every_column_with_the_shown_ones_ticked(agent_client, fault):
    answer = agent_client.get("/faults/?columns=status")

    page = lxml.html.fromstring(answer.content)
    boxes = page.xpath(
        "//details[@class='column-chooser']//input[@type='checkbox'][@name='columns']"
    )
    assert [box.get("value") for box in boxes] == [c.key for c in COLUMNS if not c.required]
    assert [box.get("value") for box in boxes if box.get("checked") is not None] == ["status"]


def test_parsing_keeps_the_reference_and_falls_back_to_the_defaults():
    assert parse_columns([]).columns == default_columns()
    assert parse_columns(["nonsense"]).columns == default_columns()
    assert parse_columns(["nonsense"]).unknown == ("nonsense",)
    assert parse_columns(["status"]).keys == ["reference", "status"]
    assert parse_columns(["status"]).param == "reference,status"
