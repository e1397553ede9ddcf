"""The fault page's "Raise again": offered on a rejected or cancelled fault, it makes the new
draft, opens it in the raise form, and both pages link to each other."""

import lxml.html
import pytest

from faults.choices import FaultStatus
from faults.models import Fault
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def _page(client, fault: Fault) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(client.get(f"/faults/{fault.buyer_fault_reference}/").content)


def _text(page: lxml.html.HtmlElement, element_id: str) -> str:
    return " ".join(page.get_element_by_id(element_id).text_content().split())


@pytest.mark.parametrize("status", [FaultStatus.REJECTED, FaultStatus.CANCELLED])
def test_a_rejected_or_cancelled_fault_is_raised_again_and_the_two_pages_link(
    agent_client, fault, status
):
    fault = bring_to(fault, status)
    page = _page(agent_client, fault)
    [form] = page.xpath("//form[contains(@class, 'action-raise-again')]")
    assert form.get("action") == f"/faults/{fault.buyer_fault_reference}/raise-again/"

    answer = agent_client.post(form.get("action"), follow=True)

    new = Fault.objects.get(raised_again_from=fault)
    assert answer.redirect_chain[-1][0] == f"/faults/{new.buyer_fault_reference}/edit/"
    edit = lxml.html.fromstring(answer.content)
    link = edit.get_element_by_id("draft-raised-again-from")
    assert link.get("href") == f"/faults/{fault.buyer_fault_reference}/"
    assert f"Draft {new} raised again from {fault}" in answer.content.decode()
    assert edit.get_element_by_id("id_service_id").get("value") == fault.service_id

    old_page = _page(agent_client, fault)
    assert _text(old_page, "fault-raised-again-as").startswith(new.buyer_fault_reference)
    [old_link] = old_page.get_element_by_id("fault-raised-again-as").xpath(".//a")
    assert old_link.get("href") == f"/faults/{new.buyer_fault_reference}/"
    new_page = _page(agent_client, new)
    assert _text(new_page, "fault-raised-again-from").startswith(fault.buyer_fault_reference)
    assert "Raised again from" in _text(new_page, "fault-timeline")


@pytest.mark.parametrize("status", [FaultStatus.DRAFT, FaultStatus.IN_PROGRESS])
def test_an_open_fault_offers_no_raise_again_and_a_post_is_refused(agent_client, fault, status):
    fault = bring_to(fault, status)
    assert not _page(agent_client, fault).xpath("//form[contains(@class, 'action-raise-again')]")
    before = Fault.objects.count()

    answer = agent_client.post(f"/faults/{fault.buyer_fault_reference}/raise-again/")

    assert answer.status_code == 400
    assert "only a rejected or cancelled fault is raised again" in answer.content.decode()
    assert Fault.objects.count() == before


def test_a_reader_sees_the_links_but_cannot_raise_again(agent_client, manager_client, fault):
    fault = bring_to(fault, FaultStatus.REJECTED)
    assert not _page(manager_client, fault).xpath("//form[contains(@class, 'action-raise-again')]")
    assert (
        manager_client.post(f"/faults/{fault.buyer_fault_reference}/raise-again/").status_code
        == 403
    )
    assert not Fault.objects.filter(raised_again_from=fault).exists()
