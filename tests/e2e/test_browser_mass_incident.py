"""An agent raises a mass incident: pastes five affected services, one of them already with an
open fault, sees the per-line preview (four OK, one refused and why), raises only the valid
lines, lands on the parent's page with its children's states and counts, and adds a note to all
children at once. No WCAG 2 AA violation in either theme. Screenshots:
var/screenshots/mass-incident-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from faults.choices import FaultStatus
from faults.models import Fault
from faults.models.workspace import FaultNote
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser_notes import accessible
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def supplier():
    partner = PartnerFactory(slug="mass-supplier", name="Mass Supplier")
    BuyerIdentifierFactory(partner=partner, code="SPMASS1", is_default=True)
    return partner


@pytest.fixture
def already_open(supplier):
    return FaultFactory(
        supplier=supplier,
        buyer_identifier=supplier.buyer_identifiers.get(),
        service_id="SVC-CAB12-04",
        status=FaultStatus.IN_PROGRESS,
        maintainer_fault_reference="SUP-77",
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_agent_raises_a_mass_incident_from_a_pasted_list(
    browser_as, agent_user, supplier, already_open, color_scheme
):
    page = browser_as(agent_user, color_scheme=color_scheme)
    page.goto("/faults/new/")
    page.get_by_role("link", name="Raise a mass incident").click()
    page.wait_for_url("**/faults/new/mass-incident/")
    expect(page.get_by_role("heading", name="Raise a mass incident")).to_be_visible()
    accessible(page)

    page.locator("#id_supplier").select_option(label="Mass Supplier")
    page.get_by_label("Affected services").fill(
        "SVC-CAB12-01\nSVC-CAB12-02\nSVC-CAB12-03\nSVC-CAB12-04\nSVC-CAB12-05"
    )
    page.get_by_label("Fault type").select_option(label="Impaired Service")
    page.get_by_label("Description").fill("Fibre cut at cabinet 12: five customers off.")
    start = timezone.localtime() - timedelta(hours=1)
    page.get_by_label("Fault start time").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Fault location").fill("Cabinet 12, Example Street")
    page.get_by_label("Triage complete").select_option(label="Yes")
    page.get_by_label("Triage findings").fill("No light at any ONT behind the cabinet.")
    page.get_by_label("Site access details").fill("Street cabinet; no access needed.")
    page.get_by_label("Site access contact name").fill("NOC shift lead")
    page.get_by_label("Site access contact phone").fill("01632 960001")
    screenshot(page, f"mass-incident-form-{color_scheme}")
    page.get_by_role("button", name="Check the lines").click()

    preview = page.locator("#preview-lines tbody tr")
    expect(page.get_by_role("heading", name="Preview: 4 of 5 lines can be raised")).to_be_visible()
    expect(preview).to_have_count(5)
    expect(preview.nth(0)).to_contain_text("OK")
    expect(preview.nth(0)).to_contain_text("Parent")
    expect(preview.nth(3)).to_contain_text(
        f"Refused Fault {already_open} is already open on this service."
    )
    expect(preview.nth(4)).to_contain_text("Child")
    assert Fault.objects.count() == 1  # nothing made by the preview
    accessible(page)
    screenshot(page, f"mass-incident-preview-{color_scheme}")

    page.get_by_role("button", name="Raise only the 4 valid lines").click()

    parent = Fault.objects.get(service_id="SVC-CAB12-01")
    page.wait_for_url(f"**/faults/{parent.buyer_fault_reference}/")
    expect(
        page.get_by_text("parent " + parent.buyer_fault_reference + " and 3 child faults")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Child faults (3)")).to_be_visible()
    expect(page.locator("#children-counts")).to_have_text("Pending 3")
    rows = page.locator("#children-table tbody tr")
    expect(rows).to_have_count(3)
    for number, row in zip(["02", "03", "05"], [rows.nth(i) for i in range(3)], strict=True):
        expect(row).to_contain_text(f"SVC-CAB12-{number}")
        expect(row).to_contain_text("Pending")
    accessible(page)
    screenshot(page, f"mass-incident-parent-{color_scheme}")

    page.get_by_label("Apply to every child fault").select_option(label="Add an internal note")
    page.get_by_label("Note or reason").fill("Splicing team on site at 14:00.")
    page.get_by_role("button", name="Apply to all 3 child faults").click()
    expect(
        page.get_by_text("Add an internal note on 3 child faults: 3 done, 0 refused.")
    ).to_be_visible()
    expect(page.locator("#children-table tbody tr td.child-result")).to_have_text(
        ["Done: Internal note added (not sent to the supplier)."] * 3
    )
    assert FaultNote.objects.filter(fault__parent=parent).count() == 3
    accessible(page)
    screenshot(page, f"mass-incident-applied-{color_scheme}")
