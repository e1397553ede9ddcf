"""One name for each fault field wherever an agent reads it (issue 10): the raise form, the
fault page, the lists, the CSV, the slot picker and a supplier's refusal put into words all
take it from faults.field_labels. The service is "Service ID": what the agent types, and what
the supplier's document calls serviceAffected."""

import csv
import importlib
import io

import lxml.html
import pytest
from django.apps import apps
from django.utils import timezone

from faults.models import Fault, FaultEvent
from faults.services import Actor, fault_apply_supplier_status, fault_reject_resolution
from integrations.cityfibre.reasons import element_label
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER, bring_to

pytestmark = pytest.mark.django_db

# The supplier's element and the raise form's field it refuses.
ELEMENTS = {
    "serviceAffected": "service_id",
    "priorityLevel": "priority",
    "faultStartTime": "fault_start_time",
    "faultLocation": "fault_location",
    "siteAccessDetails": "site_access_details",
    "triageComplete": "triage_complete",
    "triageFindings": "triage_findings",
    "description": "description",
}


def _labels(html: bytes) -> dict[str, str]:
    """The visible label of each control, by the control's name."""
    document = lxml.html.fromstring(html)
    labels = {}
    for label in document.xpath("//label[@for]"):
        control = document.xpath(f"//*[@id='{label.get('for')}']")
        if control and control[0].get("name"):
            marks = label.xpath(".//*[contains(@class, 'required-mark')]")
            for mark in marks:
                mark.drop_tree()
            labels[control[0].get("name")] = " ".join(label.text_content().split())
    return labels


def test_a_suppliers_refusal_names_the_field_as_the_raise_form_does(agent_client, partner):
    form = _labels(agent_client.get("/faults/new/").content)

    assert form["service_id"] == "Service ID"
    for element, field in ELEMENTS.items():
        assert element_label(element) == form[field], element


def test_the_service_is_the_service_id_on_every_page_and_in_the_csv(
    agent_client, partner, buyer_identifier
):
    fault = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, service_id="CFH-77"),
        "in-progress",
    )

    detail = lxml.html.fromstring(agent_client.get(f"/faults/{fault}/").content)
    facts = detail.xpath("//dl[contains(@class, 'fault-facts')]/dt/text()")
    listing = lxml.html.fromstring(agent_client.get("/faults/").content)
    headings = [" ".join(th.text_content().split()) for th in listing.xpath("//thead//th")]
    export = b"".join(agent_client.get("/faults/export.csv").streaming_content).decode()
    header = next(csv.reader(io.StringIO(export.lstrip("\ufeff"))))

    assert "Service ID" in facts
    assert "Service ID" in headings
    assert "Service ID" in header
    assert "Service affected" not in facts + headings + header


def test_the_slot_picker_names_the_address_fields_as_the_raise_form_does(agent_client, partner):
    from appointments.ui.forms import SlotQueryForm

    form = _labels(agent_client.get("/faults/new/").content)

    for name in ("address_key", "product_name"):
        assert str(SlotQueryForm.base_fields[name].label) == form[name]


# --- the supplier's reference (issue 10) -------------------------------------------------------

SUPPLIERS_REFERENCE = "Supplier's reference"


def test_the_suppliers_reference_has_one_name_on_every_page_the_csv_and_the_timeline(
    agent_client, partner, buyer_identifier
):
    fault = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "in-progress"
    )

    detail = lxml.html.fromstring(agent_client.get(f"/faults/{fault}/").content)
    facts = detail.xpath("//dl[contains(@class, 'fault-facts')]/dt/text()")
    timeline = " ".join(detail.xpath("//*[@id='fault-timeline']")[0].text_content().split())
    listing = lxml.html.fromstring(agent_client.get("/faults/").content)
    # The list's column is narrow: an abbreviation whose title is the name.
    abbreviations = listing.xpath("//thead//th//abbr")
    export = b"".join(agent_client.get("/faults/export.csv").streaming_content).decode()
    header = next(csv.reader(io.StringIO(export.lstrip("\ufeff"))))

    assert SUPPLIERS_REFERENCE in facts
    assert f"{SUPPLIERS_REFERENCE} CS0001" in timeline
    assert [(a.text_content(), a.get("title")) for a in abbreviations] == [
        ("Supplier's ref.", SUPPLIERS_REFERENCE)
    ]
    assert SUPPLIERS_REFERENCE in header
    assert element_label("maintainerFaultReference") == SUPPLIERS_REFERENCE
    everything = " ".join([*facts, timeline, listing.text_content(), *header]).lower()
    assert "maintainer" not in everything


MIGRATION = importlib.import_module("faults.migrations.0008_supplier_reference_label")


def test_the_migration_renames_the_suppliers_reference_in_what_we_wrote_before(
    partner, buyer_identifier
):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted")
    line = FaultEvent.objects.get(fault=fault, kind="supplier-data")
    FaultEvent.objects.filter(pk=line.pk).update(message="Maintainer reference CS0001")
    typed = FaultEvent.objects.create(
        fault=fault, kind="comment", at=timezone.now(), actor_kind="user",
        message="Maintainer reference is on the label",
    )  # fmt: skip
    MIGRATION.words_forward(apps, None)
    MIGRATION.words_forward(apps, None)  # a second run changes nothing

    line.refresh_from_db()
    typed.refresh_from_db()
    assert line.message == "Supplier's reference CS0001"
    assert typed.message == "Maintainer reference is on the label"


def test_the_migration_leaves_reasons_people_and_suppliers_wrote_as_they_are(
    partner, buyer_identifier
):
    agents_reason = "Maintainer fault reference: CS0001 is the wrong line, please re-test"
    suppliers_reason = "Maintainer fault reference: checked, awaiting access"
    resolved = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "resolved"
    )
    fault_reject_resolution(fault_id=resolved.pk, actor=Actor.system("agent"), reason=agents_reason)
    held = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted")
    fault_apply_supplier_status(
        fault_id=held.pk, status="on-hold", actor=SUPPLIER, reason=suppliers_reason,
        sent_at=timezone.now(),
    )  # fmt: skip
    written = {
        event.pk: event.message
        for event in FaultEvent.objects.filter(message__contains="Maintainer fault reference")
    }
    reasons = dict(Fault.objects.values_list("pk", "status_reason"))
    assert len(written) >= 2
    assert {agents_reason, suppliers_reason} <= set(reasons.values())

    MIGRATION.words_forward(apps, None)

    assert {pk: FaultEvent.objects.get(pk=pk).message for pk in written} == written
    assert dict(Fault.objects.values_list("pk", "status_reason")) == reasons
