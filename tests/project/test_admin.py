"""The admin: every page answers, faults change only through the services, transitions are
offered only where the state machine allows them."""

import pytest
from django.urls import reverse

from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultEvent
from integrations.models import BuyerIdentifier
from tests.factories import FaultFactory
from tests.helpers import admin_form_data, bring_to

pytestmark = pytest.mark.django_db

MODELS = [
    "integrations/partner",
    "integrations/buyeridentifier",
    "faults/slapolicy",
    "faults/fault",
    "faults/faultevent",
    "faults/faultupdate",
    "faults/faultcomment",
    "faults/faultattachment",
    "faults/slapause",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_answers_with_search_and_filters(admin_client, draft, model):
    url = f"/admin/{model}/"

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": draft.buyer_fault_reference}).status_code == 200


def test_fault_changelist_filters_on_status_and_sla_state(admin_client, draft):
    response = admin_client.get(
        "/admin/faults/fault/", {"status__exact": "draft", "sla_state__exact": "none"}
    )

    assert response.status_code == 200
    assert draft.buyer_fault_reference in response.text


def test_agents_and_managers_do_not_get_the_admin(client, agent_user, manager_user):
    for user in (agent_user, manager_user):
        client.force_login(user)
        response = client.get("/admin/faults/fault/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_change_page_offers_only_allowed_transitions(admin_client, draft):
    response = admin_client.get(reverse("admin:faults_fault_change", args=[draft.pk]))

    offered = [label for label, _url in response.context["fault_transitions"]]
    assert offered == ["Submit to supplier", "Cancel"]
    assert "Accept resolution" not in response.text


def test_transition_button_submits_the_fault(admin_client, draft):
    url = reverse("admin:faults_fault_transition", args=[draft.pk, "submit"])

    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)

    assert response.status_code == 302
    assert Fault.objects.get(pk=draft.pk).status == FaultStatus.PENDING


def test_transition_not_allowed_changes_nothing(admin_client, draft):
    url = reverse("admin:faults_fault_transition", args=[draft.pk, "accept_resolution"])

    response = admin_client.post(url, follow=True)

    assert "not allowed" in response.text
    assert Fault.objects.get(pk=draft.pk).status == FaultStatus.DRAFT


def test_bulk_action_reports_applied_and_refused(admin_client, draft, partner, buyer_identifier):
    pending = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")

    response = admin_client.post(
        "/admin/faults/fault/",
        {"action": "action_submit", "_selected_action": [draft.pk, pending.pk]},
        follow=True,
    )

    text = [str(m) for m in response.context["messages"]]
    assert text == [
        f"Submit to supplier: applied to 1, not allowed for 1: "
        f"{pending.buyer_fault_reference} (pending)."
    ]
    assert Fault.objects.get(pk=draft.pk).status == FaultStatus.PENDING


def test_saving_the_form_amends_through_the_service(admin_client, draft):
    url = reverse("admin:faults_fault_change", args=[draft.pk])
    data = admin_form_data(admin_client.get(url))
    assert "status" not in data and "sla_state" not in data
    data["description"] = "Amended in the admin."

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Fault.objects.get(pk=draft.pk).description == "Amended in the admin."
    amended = FaultEvent.objects.get(fault=draft, kind=EventKind.AMENDED)
    assert amended.actor_user.username == "test-admin"


def test_a_closed_fault_has_no_editable_fields(admin_client, draft):
    closed = bring_to(draft, "closed")

    response = admin_client.get(reverse("admin:faults_fault_change", args=[closed.pk]))

    assert list(response.context["adminform"].form.fields) == []
    assert response.context["fault_transitions"] == []


def test_partner_inline_refuses_two_defaults(admin_client, partner, buyer_identifier):
    url = reverse("admin:integrations_partner_change", args=[partner.pk])
    data = admin_form_data(admin_client.get(url))
    prefix = "buyer_identifiers"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-0-id": buyer_identifier.pk,
            f"{prefix}-0-partner": partner.pk,
            f"{prefix}-0-code": buyer_identifier.code,
            f"{prefix}-0-is_default": "on",
            f"{prefix}-0-is_active": "on",
            f"{prefix}-1-partner": partner.pk,
            f"{prefix}-1-code": "SPTEST2",
            f"{prefix}-1-is_default": "on",
            f"{prefix}-1-is_active": "on",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Only one buyer identifier can be the default" in response.text
    assert not BuyerIdentifier.objects.filter(code="SPTEST2").exists()
