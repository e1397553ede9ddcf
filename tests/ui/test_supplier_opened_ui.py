"""Faults a supplier opened with us (a TEP partner's New ticket): their own section in the
agents' queue, a badge on the fault page, a filter on the fault list."""

import re

import lxml.html
import pytest
from django.utils import timezone

from faults.choices import SUPPLIER_INCIDENT
from faults.services import SupplierOpening, fault_apply_supplier_status, fault_open_by_supplier
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER, bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(partner, buyer_identifier):
    def open_one(reference: str, **fields):
        fault, created = fault_open_by_supplier(
            supplier=partner,
            opening=SupplierOpening(
                partner_reference=reference,
                fields={"service_id": "SVC-77", "description": "Fibre cut at the exchange"}
                | fields,
            ),
            actor=SUPPLIER,
        )
        assert created
        return fault

    return open_one


def section(html: str, key: str) -> str:
    match = re.search(rf'<article id="queue-{key}".*?</article>', html, re.S)
    assert match, f"no section {key}"
    return match[0]


def test_the_queue_lists_open_incidents_suppliers_opened(
    agent_client, opened, partner, buyer_identifier
):
    # Given an open supplier incident, a finished one, and a fault we raised
    open_incident = opened("INC-1")
    finished = opened("INC-2")
    fault_apply_supplier_status(
        fault_id=finished.pk, status="resolved", actor=SUPPLIER, sent_at=timezone.now()
    )
    fault_apply_supplier_status(
        fault_id=finished.pk, status="closed", actor=SUPPLIER, sent_at=timezone.now()
    )
    ours = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "open")

    # When the agent opens the queue
    html = agent_client.get("/queue/").content.decode()

    # Then only the open incident is under "Opened by a supplier", with the supplier's reference
    supplier_html = section(html, "supplier-opened")
    assert "Opened by a supplier" in supplier_html
    assert open_incident.buyer_fault_reference in supplier_html
    assert "INC-1" in supplier_html
    assert "Fibre cut at the exchange" in supplier_html
    assert finished.buyer_fault_reference not in supplier_html
    assert ours.buyer_fault_reference not in supplier_html
    assert re.search(r'data-section-count="supplier-opened">1<', html)


def test_an_empty_section_says_no_supplier_has_an_incident_open(agent_client):
    html = agent_client.get("/queue/").content.decode()
    document = lxml.html.fromstring(section(html, "supplier-opened"))
    assert document.xpath("string(.//p[contains(@class, 'queue-empty')])").strip() == (
        "No supplier has an open incident with us."
    )


def test_the_fault_page_carries_a_badge_for_a_supplier_opened_fault(
    agent_client, opened, partner, buyer_identifier
):
    incident = opened("INC-9")
    ours = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)

    page = lxml.html.fromstring(
        agent_client.get(f"/faults/{incident.buyer_fault_reference}/").content
    )
    badge = page.get_element_by_id("fault-opened-by")
    assert badge.text_content().strip() == f"Opened by {partner.name}"
    assert page.get_element_by_id("fault-type").text_content() == SUPPLIER_INCIDENT

    our_page = lxml.html.fromstring(
        agent_client.get(f"/faults/{ours.buyer_fault_reference}/").content
    )
    assert not our_page.xpath("//*[@id='fault-opened-by']")


def test_the_fault_list_filters_by_who_opened_the_fault(
    agent_client, opened, partner, buyer_identifier
):
    incident = opened("INC-3")
    ours = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)

    by_supplier = agent_client.get("/faults/", {"opened_by": "supplier"}).content.decode()
    by_us = agent_client.get("/faults/", {"opened_by": "us"}).content.decode()
    anyone = agent_client.get("/faults/").content.decode()

    assert incident.buyer_fault_reference in by_supplier
    assert ours.buyer_fault_reference not in by_supplier
    assert ours.buyer_fault_reference in by_us
    assert incident.buyer_fault_reference not in by_us
    assert incident.buyer_fault_reference in anyone and ours.buyer_fault_reference in anyone
    # the filter is offered on the page
    assert 'name="opened_by"' in anyone


def test_the_queue_section_links_to_the_filtered_list_when_full(settings, agent_client, opened):
    settings.QUEUE_SECTION_LIMIT = 2
    incidents = [opened(f"INC-{n}") for n in range(3)]
    supplier_html = section(agent_client.get("/queue/").content.decode(), "supplier-opened")
    link = lxml.html.fromstring(supplier_html).xpath("//a[contains(., 'more')]/@href")
    assert link and "opened_by=supplier" in link[0]
    more = agent_client.get(link[0]).content.decode()
    assert all(fault.buyer_fault_reference in more for fault in incidents)
