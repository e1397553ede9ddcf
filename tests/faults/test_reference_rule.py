"""Issue 10 #1: one documented character set for buyer fault references, enforced wherever a
reference comes in, and no page broken for everyone by a row stored before the rule."""

import re
from datetime import timedelta

import pytest
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone

from faults.choices import SlaState
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import Actor, fault_create_draft
from faults.validators import is_valid_reference
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

FAULTS_API = "/api/v1/faults/"
RULE_WORDS = "letters A-Z and a-z, digits 0-9"
OUTSIDE = [
    "HO-a/b",  # the issue's: broke every list
    "a b",
    "HO?1",
    "HO#1",
    "50%",
    "x" * 37,
    ".",
    "..",
    "-HO-1",
    "_HO",
    "HO-é1",
    "HO\u200b1",
]
INSIDE = ["HO-1", "a", "Z" * 36, "HO_2026.11-27", "9.9", "NOC-261127-ABCDEF01"]


@pytest.mark.parametrize("reference", INSIDE)
def test_references_inside_the_rule(reference):
    assert is_valid_reference(reference)


@pytest.mark.parametrize("reference", [*OUTSIDE, "", None, 12])
def test_references_outside_the_rule(reference):
    assert not is_valid_reference(reference)


# --- the API -------------------------------------------------------------------------------------
def create(agent_api, partner, **extra):
    body = {"partner": partner.slug, "service_id": "S21709", "fault_type": "Impaired Service"}
    return agent_api.post(FAULTS_API, {**body, **extra}, format="json")


@pytest.mark.parametrize("reference", OUTSIDE)
def test_the_api_refuses_a_reference_outside_the_rule_and_stores_nothing(
    agent_api, partner, buyer_identifier, reference
):
    response = create(agent_api, partner, buyer_fault_reference=reference, submit=True)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert RULE_WORDS in error["fields"]["buyer_fault_reference"][0]
    assert RULE_WORDS in error["message"]
    assert not Fault.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_the_api_lists_and_opens_a_fault_raised_with_every_allowed_character(
    agent_api, partner, buyer_identifier
):
    created = create(agent_api, partner, buyer_fault_reference="HO_2026.11-27")

    assert created.status_code == 201, created.content
    assert created["Location"] == "/api/v1/faults/HO_2026.11-27/"
    assert agent_api.get(created["Location"]).json()["buyer_fault_reference"] == "HO_2026.11-27"
    (row,) = agent_api.get(FAULTS_API).json()["results"]
    assert row["url"].endswith("/api/v1/faults/HO_2026.11-27/")


def test_a_parent_reference_outside_the_rule_is_refused_as_such(
    agent_api, partner, buyer_identifier
):
    response = create(agent_api, partner, parent="HO-a/b")

    assert response.status_code == 400
    assert RULE_WORDS in response.json()["error"]["fields"]["parent"][0]
    assert not Fault.objects.exists()


# --- the services, the model (admin, ModelForms) and the raise form ------------------------------
def test_the_service_refuses_a_reference_outside_the_rule(partner, buyer_identifier, agent_user):
    with pytest.raises(FaultValidationError) as refused:
        fault_create_draft(
            actor=Actor.for_user(agent_user),
            supplier=partner,
            service_id="S1",
            fault_type="Impaired Service",
            buyer_fault_reference="HO-a/b",
        )

    assert RULE_WORDS in refused.value.errors["buyer_fault_reference"][0]
    assert not Fault.objects.exists()


def test_a_model_form_refuses_a_reference_outside_the_rule(partner, buyer_identifier):
    """What the admin and every ModelForm over the fault inherit from the model field."""
    form_class = modelform_factory(Fault, fields=["buyer_fault_reference"])

    refused = form_class(data={"buyer_fault_reference": "HO-a/b"})
    accepted = form_class(data={"buyer_fault_reference": "HO-a.b"})

    assert RULE_WORDS in refused.errors["buyer_fault_reference"][0]
    assert accepted.is_valid(), accepted.errors


def test_the_raise_form_refuses_a_parent_reference_outside_the_rule(
    agent_client, partner, buyer_identifier, sla_policy
):
    from tests.ui.test_raise import form_data

    data = {**form_data(partner, parent="HO-a/b"), "intent": "draft"}
    answer = agent_client.post("/faults/new/", data)

    assert answer.status_code == 400
    errors = answer.content.decode().split('id="errors-parent"', 1)[1].split("</div>", 1)[0]
    assert RULE_WORDS in errors
    assert not Fault.objects.exists()


# --- rows stored before the rule -----------------------------------------------------------------
def stored_before_the_rule(fault: Fault, reference: str) -> Fault:
    """Give a fault a reference the way a row from before the rule has it: in the database,
    past every validation."""
    Fault.objects.filter(pk=fault.pk).update(buyer_fault_reference=reference)
    fault.refresh_from_db()
    return fault


@pytest.fixture
def old_rows(partner, buyer_identifier, sla_policy, agent_user):
    """A pre-rule reference in every queue section, as a child of a valid parent, and behind a
    dead outbound message."""
    make = lambda **kw: FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **kw)  # noqa: E731
    parent = bring_to(make(buyer_fault_reference="PARENT-1"), "accepted")
    rows = {
        "draft": make(created_by=agent_user, parent=parent),
        "rejected": bring_to(make(), "rejected"),
        "resolved": bring_to(make(), "resolved"),
        "on-hold": bring_to(make(), "on-hold"),
        "in-progress": bring_to(make(), "in-progress"),
    }
    OutboundMessage.objects.filter(fault=rows["on-hold"]).update(status=OutboundStatus.DEAD)
    Fault.objects.filter(pk=rows["in-progress"].pk).update(
        sla_state=SlaState.BREACHED, sla_due_at=timezone.now() - timedelta(hours=1)
    )
    for key, fault in rows.items():
        stored_before_the_rule(fault, f"HO-{key}/b")
    return parent, rows


# Each page, and the pre-rule references it must show.
PAGES = {
    "/faults/": ["HO-draft/b", "HO-rejected/b", "HO-resolved/b", "HO-on-hold/b"],
    "/queue/": ["HO-draft/b", "HO-rejected/b", "HO-resolved/b", "HO-on-hold/b", "HO-in-progress/b"],
    "/wallboard/": ["HO-in-progress/b"],
    "/integrations/health/": ["HO-on-hold/b"],  # its dead message
    "/faults/PARENT-1/": ["HO-draft/b"],  # a child of the fault shown
}


@pytest.mark.parametrize("page", PAGES)
def test_a_reference_from_before_the_rule_breaks_no_page(agent_client, old_rows, page):
    response = agent_client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    for reference in PAGES[page]:
        assert reference in html


def test_a_fault_from_before_the_rule_is_still_reached_through_its_link(agent_client, old_rows):
    listed = agent_client.get("/faults/").content.decode()
    (href,) = re.findall(r'href="([^"]*HO-rejected[^"]*)"', listed)

    page = agent_client.get(href)

    assert page.status_code == 200
    assert "HO-rejected/b" in page.content.decode()
    assert href == reverse("fault-detail", args=["HO-rejected/b"])


def test_the_api_list_answers_with_a_row_from_before_the_rule(agent_api, old_rows):
    response = agent_api.get(FAULTS_API, {"page_size": 100})

    assert response.status_code == 200
    rows = {row["buyer_fault_reference"]: row for row in response.json()["results"]}
    assert rows["HO-rejected/b"]["url"] is None  # no URL of the API can carry it
    assert rows["PARENT-1"]["url"].endswith("/api/v1/faults/PARENT-1/")


def test_a_partner_slug_stored_without_validation_breaks_no_page(agent_client, partner, old_rows):
    Partner.objects.filter(pk=partner.pk).update(slug="slug with/slash")
    PartnerFactory(slug="ok-supplier")

    health = agent_client.get("/integrations/health/")
    retried = agent_client.post(reverse("integration-partner-retry-dead", args=[partner.pk]))

    assert health.status_code == 200
    assert retried.status_code == 302
    retried_message = OutboundMessage.objects.get(fault=old_rows[1]["on-hold"])
    assert retried_message.status == OutboundStatus.PENDING
