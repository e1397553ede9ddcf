"""Raising a fault through the page: the form saves a draft or submits, shows the services'
errors next to the fields without saving anything, follows the supplier's appointment rule,
and raises child faults under a mass-incident parent."""

import pytest
from django.utils import timezone

from faults.choices import FaultStatus, FaultType
from faults.models import Fault
from integrations.models import OutboundMessage
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
URL = "/faults/new/"


def form_data(partner, **changes) -> dict:
    data = {
        "supplier": partner.pk,
        "buyer_identifier": "",
        "parent": "",
        "service_id": "SVC00001234",
        "fault_type": FaultType.IMPAIRED_SERVICE,
        "address_key": "",
        "product_name": "",
        "priority": "2",
        "description": "Customer reports intermittent loss of sync.",
        "fault_start_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "fault_location": "Cabinet 12, Example Street",
        "site_access_details": "Ring the bell at reception.",
        "site_access_contact_name": "Site Contact",
        "site_access_contact_phone": "01632 960000",
        "site_access_contact_email": "",
        "reporter_name": "Agent Smith",
        "reporter_phone": "",
        "reporter_email": "",
        "end_user_name": "",
        "end_user_phone": "",
        "end_user_email": "",
        "triage_complete": "true",
        "triage_findings": "Light levels low at the ONT.",
    }
    data.update(changes)
    return data


@pytest.fixture
def ready(partner, buyer_identifier, sla_policy):
    return partner


def test_the_form_shows_every_field_with_a_label_and_both_buttons(agent_client, ready):
    page = agent_client.get(URL).content.decode()

    for label in (
        "Supplier",
        "Buyer identifier",
        "Parent fault reference",
        "Service ID",
        "Fault type",
        "Address key (UPRN)",
        "Description",
        "Fault start time",
        "Triage complete",
        "Priority",
    ):
        assert f">{label}" in page, label
    assert 'maxlength="4000"' in page
    assert 'data-counter="description-count"' in page
    assert "Save draft" in page and "Submit to supplier" in page
    assert 'hx-post="/faults/new/validate/"' in page


def test_save_draft_creates_a_draft_and_lands_on_its_page(agent_client, ready, buyer_identifier):
    answer = agent_client.post(URL, {**form_data(ready), "intent": "draft"})

    fault = Fault.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/faults/{fault.buyer_fault_reference}/"
    assert fault.status == FaultStatus.DRAFT
    assert fault.buyer_identifier == buyer_identifier  # the supplier's default
    assert fault.priority == 2 and fault.triage_complete is True
    page = agent_client.get(answer["Location"]).content.decode()
    assert "Edit draft" in page and ">Submit<" in page


def test_submit_to_supplier_raises_and_submits(agent_client, ready):
    answer = agent_client.post(URL, {**form_data(ready), "intent": "submit"})

    fault = Fault.objects.get()
    assert answer.status_code == 302
    assert fault.status == FaultStatus.PENDING
    assert OutboundMessage.objects.filter(fault=fault, operation="raise").count() == 1


def test_too_long_description_is_shown_next_to_the_field_and_nothing_is_saved(agent_client, ready):
    answer = agent_client.post(URL, {**form_data(ready, description="x" * 4001), "intent": "draft"})

    assert answer.status_code == 400
    page = answer.content.decode()
    errors = page.split('id="errors-description"', 1)[1].split("</div>", 1)[0]
    assert "at most 4000 characters" in errors
    assert Fault.objects.count() == 0


def test_missing_service_id_is_refused_without_saving(agent_client, ready):
    answer = agent_client.post(URL, {**form_data(ready, service_id=""), "intent": "submit"})

    assert answer.status_code == 400
    errors = answer.content.decode().split('id="errors-service_id"', 1)[1].split("</div>", 1)[0]
    assert "This field is required." in errors
    assert Fault.objects.count() == 0


def test_submit_without_what_the_supplier_requires_saves_nothing(agent_client, ready):
    answer = agent_client.post(URL, {**form_data(ready, fault_location=""), "intent": "submit"})

    assert answer.status_code == 400
    errors = answer.content.decode().split('id="errors-fault_location"', 1)[1].split("</div>")[0]
    assert "The supplier needs the fault location" in errors
    assert Fault.objects.count() == 0


@pytest.mark.parametrize(
    ("intent", "field"),
    [
        ("submit", "fault_location"),
        ("submit", "triage_findings"),
        ("submit", "service_id"),
        ("draft", "service_id"),
    ],
)
def test_text_that_is_blank_once_sent_is_refused_next_to_the_field(
    agent_client, ready, intent, field
):
    # XML cannot carry the control character: the supplier would receive an empty field.
    answer = agent_client.post(URL, {**form_data(ready, **{field: " \x18 "}), "intent": intent})

    assert answer.status_code == 400
    errors = answer.content.decode().split(f'id="errors-{field}"', 1)[1].split("</div>")[0]
    assert "The supplier needs" in errors or "non-blank" in errors
    assert Fault.objects.count() == 0


def test_service_outage_without_a_reservation_is_refused_with_the_tlos_message(agent_client, ready):
    data = form_data(ready, fault_type=FaultType.SERVICE_OUTAGE, address_key="10002491172")
    answer = agent_client.post(URL, {**data, "intent": "submit"})

    assert answer.status_code == 400
    assert "A Service Outage fault needs an engineer appointment" in answer.content.decode()
    assert Fault.objects.count() == 0


def test_the_appointment_panel_is_shown_for_service_outage_only(agent_client, ready):
    outage = form_data(ready, fault_type=FaultType.SERVICE_OUTAGE)
    other = form_data(ready)

    with_panel = agent_client.post("/faults/new/validate/", outage).content.decode()
    without = agent_client.post("/faults/new/validate/", other).content.decode()
    kept = agent_client.post(
        "/faults/new/validate/", {**outage, "appointment_panel": "shown"}
    ).content.decode()
    removed = agent_client.post(
        "/faults/new/validate/", {**other, "appointment_panel": "shown"}
    ).content.decode()

    assert "Find slots" in with_panel and 'id="appointment-panel" hx-swap-oob' in with_panel
    assert "appointment-panel" not in without
    assert "appointment-panel" not in kept  # already shown: left alone, slots and all
    assert 'id="appointment-panel" hx-swap-oob="true"></div>' in removed
    assert Fault.objects.count() == 0


def test_validate_endpoint_returns_the_services_errors_and_saves_nothing(agent_client, ready):
    answer = agent_client.post("/faults/new/validate/", form_data(ready, description="y" * 4001))

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="errors-description" class="field-errors" hx-swap-oob="true">' in page
    assert "at most 4000 characters" in page
    assert Fault.objects.count() == 0


def test_validate_endpoint_reports_a_clean_form(agent_client, ready):
    answer = agent_client.post("/faults/new/validate/", form_data(ready))

    assert "No problems found so far." in answer.content.decode()
    assert Fault.objects.count() == 0


def test_a_child_fault_is_raised_under_its_parent(agent_client, ready, buyer_identifier):
    parent = FaultFactory(supplier=ready, buyer_identifier=buyer_identifier, priority=1)

    form = agent_client.get(f"{URL}?parent={parent.buyer_fault_reference}").content.decode()
    answer = agent_client.post(
        URL,
        {
            **form_data(ready, parent=parent.buyer_fault_reference, service_id="SVC-CHILD"),
            "intent": "draft",
        },
    )

    assert f'value="{parent.buyer_fault_reference}"' in form
    child = Fault.objects.get(service_id="SVC-CHILD")
    assert answer.status_code == 302 and child.parent == parent
    parent_page = agent_client.get(f"/faults/{parent.buyer_fault_reference}/").content.decode()
    assert child.buyer_fault_reference in parent_page
    assert f"/faults/new/?parent={parent.buyer_fault_reference}" in parent_page
    assert "Raise a child fault" in parent_page


def test_a_parent_that_is_itself_a_child_is_refused(agent_client, ready, buyer_identifier):
    grand = FaultFactory(supplier=ready, buyer_identifier=buyer_identifier)
    parent = FaultFactory(supplier=ready, buyer_identifier=buyer_identifier, parent=grand)

    answer = agent_client.post(
        URL, {**form_data(ready, parent=parent.buyer_fault_reference), "intent": "draft"}
    )

    assert answer.status_code == 400
    assert "is itself a child of another fault" in answer.content.decode()
    assert Fault.objects.count() == 2


def test_edit_draft_changes_it_and_can_submit(agent_client, ready, buyer_identifier):
    draft = FaultFactory(supplier=ready, buyer_identifier=buyer_identifier, fault_location="")
    url = f"/faults/{draft.buyer_fault_reference}/edit/"

    page = agent_client.get(url).content.decode()
    saved = agent_client.post(
        url, {**form_data(ready, service_id="SVC-EDITED", fault_location=""), "intent": "draft"}
    )
    refused = agent_client.post(url, {**form_data(ready, fault_location=""), "intent": "submit"})
    submitted = agent_client.post(url, {**form_data(ready), "intent": "submit"})

    assert f'value="{draft.service_id}"' in page
    assert saved.status_code == 302
    assert refused.status_code == 400
    draft.refresh_from_db()
    assert draft.service_id == "SVC00001234" and draft.status == FaultStatus.PENDING
    assert submitted.status_code == 302


def test_a_raised_fault_is_not_edited_as_a_draft(agent_client, ready, buyer_identifier):
    from tests.helpers import bring_to

    fault = bring_to(FaultFactory(supplier=ready, buyer_identifier=buyer_identifier), "pending")

    answer = agent_client.post(
        f"/faults/{fault.buyer_fault_reference}/edit/", {**form_data(ready), "intent": "draft"}
    )

    assert answer.status_code == 409
    fault.refresh_from_db()
    assert fault.service_id != "SVC00001234"


def test_managers_cannot_raise_faults(manager_client, ready):
    assert manager_client.get(URL).status_code == 403
    assert manager_client.post(URL, {**form_data(ready), "intent": "draft"}).status_code == 403
    assert Fault.objects.count() == 0
