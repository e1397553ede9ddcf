"""Issue 10 #1: one documented character set for buyer fault references, enforced wherever a
reference comes in."""

import pytest
from django.forms import modelform_factory
from django.test import Client

from faults.exceptions import FaultValidationError
from faults.models import Fault
from faults.services import Actor, fault_create_draft
from faults.validators import is_valid_reference
from integrations.models import OutboundMessage

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


@pytest.fixture
def agent_client(agent_user) -> Client:
    client = Client()
    client.force_login(agent_user)
    return client


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
