"""Amending a fault from its page sends the supplier what the agent changed and nothing else,
and says so in the words of the page: a start time with seconds (which the datetime-local
input cannot show), multi-line text (which the browser sends with CRLF) and a value the
supplier changed while the page was open are not sent back."""

from datetime import UTC, datetime

import pytest
from lxml import etree

from faults.models import Fault, FaultEvent
from faults.services.supplier import SupplierReport, fault_apply_supplier_report
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER, bring_to
from tests.ui.page_forms import form_values

pytestmark = pytest.mark.django_db

STARTED_WITH_SECONDS = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)


@pytest.fixture
def accepted(partner, buyer_identifier, sla_policy) -> Fault:
    fault = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_start_time=STARTED_WITH_SECONDS,
        fault_location="Cabinet 12,\nExample Street",
    )
    return bring_to(fault, "accepted")


def _page_form(client, fault: Fault, action: str) -> dict[str, str]:
    page = client.get(f"/faults/{fault.buyer_fault_reference}/")
    return form_values(page.content, f"/faults/{fault.buyer_fault_reference}/{action}/")


def _amend_messages(fault: Fault) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(fault=fault, operation="amend"))


def _fault_details(message: OutboundMessage) -> list[str]:
    root = etree.fromstring(message.body.encode())
    details = next(el for el in root.iter() if etree.QName(el).localname == "faultDetails")
    return [etree.QName(child).localname for child in details]


def test_amending_only_the_description_sends_only_the_description(agent_client, accepted):
    data = _page_form(agent_client, accepted, "amend")
    data["description"] = "Now a total outage\r\nsince 10:15."  # as the browser sends it

    response = agent_client.post(
        f"/faults/{accepted.buyer_fault_reference}/amend/", data, follow=True
    )

    assert f"Fault {accepted} amended: Description." in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.description == "Now a total outage\nsince 10:15."
    assert accepted.fault_start_time == STARTED_WITH_SECONDS  # the seconds are kept
    assert accepted.fault_location == "Cabinet 12,\nExample Street"
    [message] = _amend_messages(accepted)
    assert message.payload == {"changes": {"description": "Now a total outage\nsince 10:15."}}
    assert _fault_details(message) == ["description"]
    [event] = FaultEvent.objects.filter(fault=accepted, kind="amended")
    assert list(event.data["changes"]) == ["description"]


def test_saving_the_amend_form_untouched_changes_nothing(agent_client, accepted):
    data = _page_form(agent_client, accepted, "amend")

    response = agent_client.post(
        f"/faults/{accepted.buyer_fault_reference}/amend/", data, follow=True
    )

    assert "Nothing changed." in response.content.decode()
    assert _amend_messages(accepted) == []
    assert not FaultEvent.objects.filter(fault=accepted, kind="amended").exists()


def test_a_field_the_supplier_changed_while_the_page_was_open_is_not_sent_back(
    agent_client, accepted
):
    data = _page_form(agent_client, accepted, "amend")  # shows the old triage findings
    fault_apply_supplier_report(
        fault_id=accepted.pk,
        report=SupplierReport(details={"triage_findings": "Fibre cut at the cabinet (supplier)."}),
        actor=SUPPLIER,
    )
    data["priority"] = "1"

    agent_client.post(f"/faults/{accepted.buyer_fault_reference}/amend/", data)

    accepted.refresh_from_db()
    assert accepted.triage_findings == "Fibre cut at the cabinet (supplier)."
    assert accepted.priority == 1
    [message] = _amend_messages(accepted)
    assert message.payload == {"changes": {"priority": 1}}


def test_the_timeline_names_the_changed_fields_as_the_form_does(agent_client, accepted):
    data = _page_form(agent_client, accepted, "amend")
    data["fault_start_time"] = "2026-11-23T08:45"
    data["site_access_contact_phone"] = "01632 960111"

    agent_client.post(f"/faults/{accepted.buyer_fault_reference}/amend/", data)

    page = agent_client.get(f"/faults/{accepted.buyer_fault_reference}/").content.decode()
    assert "Changed: Fault start time, Site access contact phone" in page
    [message] = _amend_messages(accepted)
    assert set(message.payload["changes"]) == {"fault_start_time", "site_access_contact_phone"}


def test_editing_a_draft_keeps_what_the_agent_did_not_touch(
    agent_client, partner, buyer_identifier
):
    draft = FaultFactory(
        supplier=partner, buyer_identifier=buyer_identifier, fault_start_time=STARTED_WITH_SECONDS
    )
    edit = f"/faults/{draft.buyer_fault_reference}/edit/"
    data = form_values(agent_client.get(edit).content, "")
    data["description"] = "Updated before sending."
    data["intent"] = "draft"

    agent_client.post(edit, data)

    draft.refresh_from_db()
    assert draft.description == "Updated before sending."
    assert draft.fault_start_time == STARTED_WITH_SECONDS
    [event] = FaultEvent.objects.filter(fault=draft, kind="amended")
    assert list(event.data["changes"]) == ["description"]
