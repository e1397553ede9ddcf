"""The mass incident pages: the form's preview (each line OK or refused, nothing created), the
confirmation (all lines, or only the valid ones), and the parent's page with its children's
states, SLA and owner, a count per status, and one action applied to all children."""

from datetime import timedelta

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from faults.choices import FaultStatus, FaultType
from faults.models import Fault
from faults.models.workspace import FaultNote
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db
URL = "/faults/new/mass-incident/"


def form_data(partner, **overrides):
    return {
        "supplier": partner.pk,
        "buyer_identifier": "",
        "services": "SVC-1\nSVC-2\nSVC-3",
        "fault_type": FaultType.IMPAIRED_SERVICE,
        "priority": 2,
        "description": "Fibre cut on the A38.",
        "fault_start_time": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "fault_location": "Cabinet 12",
        "triage_complete": "true",
        "triage_findings": "No light at the ONTs.",
        "site_access_details": "Street cabinet.",
        "site_access_contact_name": "Shift lead",
        "site_access_contact_phone": "01632 960001",
        "site_access_contact_email": "",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_email": "",
        **overrides,
    }


def _rows(html: bytes, table_id: str) -> list[str]:
    table = lxml.html.fromstring(html).get_element_by_id(table_id)
    return [" ".join(row.text_content().split()) for row in table.xpath(".//tbody/tr")]


def test_the_preview_shows_each_line_and_creates_nothing(
    agent_client, partner, buyer_identifier, sla_policy
):
    open_fault = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted"
    )
    data = form_data(
        partner, services=f"SVC-1\nSVC-2,SPNOPE\nSVC-1\n{open_fault.service_id}\nSVC-5"
    )

    answer = agent_client.post(URL, {**data, "intent": "preview"})

    assert answer.status_code == 200
    assert _rows(answer.content, "preview-lines") == [
        "1 SVC-1 SPTEST1 OK Parent",
        "2 SVC-2 SPNOPE Refused Buyer identifier SPNOPE is not one of Test Supplier's. —",
        "3 SVC-1 SPTEST1 Refused Listed already on line 1. —",
        f"4 {open_fault.service_id} SPTEST1 Refused "
        f"Fault {open_fault} is already open on this service. —",
        "5 SVC-5 SPTEST1 OK Child",
    ]
    page = answer.content.decode()
    assert "Raise only the 2 valid lines" in page
    assert 'value="raise"' not in page  # no "raise every line" while one is refused
    assert Fault.objects.count() == 1


def test_confirming_raises_the_parent_and_children_and_opens_the_parent(
    agent_client, partner, buyer_identifier, sla_policy
):
    answer = agent_client.post(URL, {**form_data(partner), "intent": "raise"}, follow=True)

    parent = Fault.objects.get(parent=None)
    assert answer.redirect_chain[-1][0] == f"/faults/{parent.buyer_fault_reference}/"
    assert parent.service_id == "SVC-1" and parent.status == FaultStatus.PENDING
    rows = _rows(answer.content, "children-table")
    assert [row.split()[1] for row in rows] == ["SVC-2", "SVC-3"]
    assert all("Pending" in row for row in rows)
    assert (
        "parent " + parent.buyer_fault_reference + " and 2 child faults" in answer.content.decode()
    )


def test_raising_every_line_with_one_refused_raises_nothing(
    agent_client, partner, buyer_identifier
):
    data = form_data(partner, services="SVC-1\nSVC-1")
    answer = agent_client.post(URL, {**data, "intent": "raise"})
    assert answer.status_code == 400
    assert "1 of 2 lines are refused: nothing was raised." in answer.content.decode()
    assert Fault.objects.count() == 0

    answer = agent_client.post(URL, {**data, "intent": "raise-valid"}, follow=True)
    assert Fault.objects.count() == 1
    assert "and 0 child faults; 1 refused line left out." in answer.content.decode()


def test_a_csv_upload_is_previewed_and_its_lines_kept_for_the_confirmation(
    agent_client, partner, buyer_identifier
):
    upload = SimpleUploadedFile(
        "services.csv", b"service_id,buyer_identifier\nSVC-7,\nSVC-8,SPTEST1\n"
    )
    data = {**form_data(partner, services=""), "services_file": upload, "intent": "preview"}

    answer = agent_client.post(URL, data)

    assert _rows(answer.content, "preview-lines") == [
        "2 SVC-7 SPTEST1 OK Parent",
        "3 SVC-8 SPTEST1 OK Child",
    ]
    box = lxml.html.fromstring(answer.content).get_element_by_id("id_services")
    assert "SVC-8,SPTEST1" in box.text_content()


def test_shared_details_the_supplier_requires_are_refused_on_the_preview(
    agent_client, partner, buyer_identifier
):
    answer = agent_client.post(
        URL, {**form_data(partner, site_access_details=""), "intent": "preview"}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "The supplier needs site access details before the fault can be raised." in page
    assert 'id="preview-lines"' in page  # the lines are shown all the same
    assert Fault.objects.count() == 0


@pytest.fixture
def incident(partner, buyer_identifier, sla_policy, agent_user):
    parent = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted")
    statuses = ["pending", "in-progress", "in-progress", "resolved", "closed"]
    children = [
        bring_to(
            FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, parent=parent), s
        )
        for s in statuses
    ]
    Fault.objects.filter(pk=children[1].pk).update(owner=agent_user)
    return parent, children


def test_the_parent_shows_its_childrens_states_sla_and_owner_with_counts(agent_client, incident):
    parent, children = incident
    page = agent_client.get(f"/faults/{parent.buyer_fault_reference}/").content

    counts = lxml.html.fromstring(page).get_element_by_id("children-counts").text_content()
    assert " ".join(counts.split()) == "Pending 1 · In progress 2 · Resolved 1 · Closed 1"
    rows = _rows(page, "children-table")
    assert len(rows) == 5
    assert rows[1].startswith(
        f"{children[1].buyer_fault_reference} {children[1].service_id} In progress Running"
    )
    assert rows[1].endswith("test-agent")
    assert rows[0].endswith("—")


def test_a_note_is_applied_to_every_child_with_a_result_each(agent_client, incident):
    parent, children = incident
    answer = agent_client.post(
        f"/faults/{parent.buyer_fault_reference}/children/apply/",
        {
            "children-action": "add_note",
            "children-text": "Fibre spliced at 14:00; waiting for the supplier.",
        },
        follow=True,
    )

    assert FaultNote.objects.filter(fault__parent=parent).count() == 5
    assert "Add an internal note on 5 child faults: 5 done, 0 refused." in answer.content.decode()
    assert all("Done" in row for row in _rows(answer.content, "children-table"))
    run_link = lxml.html.fromstring(answer.content).get_element_by_id("children-run-link")
    run_page = agent_client.get(run_link.xpath(".//a")[0].get("href"))
    assert run_page.status_code == 200
    assert all(c.buyer_fault_reference in run_page.content.decode() for c in children)


def test_cancel_applies_where_the_state_machine_allows_and_says_why_elsewhere(
    agent_client, incident
):
    parent, children = incident
    answer = agent_client.post(
        f"/faults/{parent.buyer_fault_reference}/children/apply/",
        {"children-action": "cancel", "children-text": "Raised in error: a planned works window."},
        follow=True,
    )

    statuses = [Fault.objects.get(pk=c.pk).status for c in children]
    assert statuses == ["cancelled", "cancelled", "cancelled", "cancelled", "closed"]
    rows = _rows(answer.content, "children-table")
    assert "Refused" in rows[4] and "Done" in rows[0]
    assert "4 done, 1 refused" in answer.content.decode()


def test_a_cancel_without_reason_changes_nothing(agent_client, incident):
    parent, _ = incident
    answer = agent_client.post(
        f"/faults/{parent.buyer_fault_reference}/children/apply/",
        {"children-action": "cancel", "children-text": ""},
    )
    assert answer.status_code == 400
    assert "Cancelling needs a reason" in answer.content.decode()
    assert not Fault.objects.filter(status="cancelled").exists()


def test_a_reader_sees_the_children_but_cannot_act_on_them(manager_client, incident):
    parent, _ = incident
    page = manager_client.get(f"/faults/{parent.buyer_fault_reference}/").content.decode()
    assert 'id="children-table"' in page and 'id="children-apply"' not in page
    answer = manager_client.post(
        f"/faults/{parent.buyer_fault_reference}/children/apply/",
        {"children-action": "add_note", "children-text": "x"},
    )
    assert answer.status_code == 403
    assert FaultNote.objects.count() == 0


@pytest.mark.parametrize(
    "services",
    ["SVC-1\x00\nSVC-\x002", "S" * 150_000, "\n\n  \n", "S" * 200_001],
    ids=["nul-bytes", "a-line-beyond-the-csv-limit", "blank", "too-long"],
)
def test_odd_lists_get_a_clear_answer_never_a_crash(
    agent_client, partner, buyer_identifier, services
):
    answer = agent_client.post(URL, {**form_data(partner, services=services), "intent": "raise"})
    assert answer.status_code in (302, 400)
    assert Fault.objects.filter(service_id__startswith="S" * 200).count() == 0
    if answer.status_code == 400:
        assert "Nothing was raised" in answer.content.decode()


@pytest.mark.parametrize("run", ["99999999999999999999", "abc", "-1"])
def test_an_odd_run_number_on_the_parent_is_ignored(agent_client, incident, run):
    parent, _ = incident
    answer = agent_client.get(f"/faults/{parent.buyer_fault_reference}/?children_run={run}")
    assert answer.status_code == 200
    assert "Last action" not in answer.content.decode()


def test_no_action_chosen_changes_nothing(agent_client, incident):
    parent, _ = incident
    answer = agent_client.post(
        f"/faults/{parent.buyer_fault_reference}/children/apply/",
        {"children-action": "assign", "children-text": "x"},
    )
    assert answer.status_code == 400
    assert "Nothing was applied: choose an action." in answer.content.decode()
    assert FaultNote.objects.count() == 0
