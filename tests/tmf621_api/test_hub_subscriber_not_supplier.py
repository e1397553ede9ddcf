"""A hub subscriber is a partner (its deliveries go through the outbox) but never a supplier: no
page, filter or API offers it as one, and its undelivered events are shown on integration health
as a subscriber's, not in the agents' queue of messages the supplier refused or never received."""

from collections.abc import Iterator
from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from appointments.api.inputs import SlotQueryInput
from appointments.ui.forms import SupplierSlotQueryForm
from faults.services import Actor, fault_comment_add
from faults.ui.fault.forms import FaultRaiseForm
from faults.wallboard import wallboard_figures
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from integrations.tmf621_api.models import HubSubscription
from integrations.tmf621_api.subscriptions import hub_subscribe
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")


@pytest.fixture
def subscription(db) -> HubSubscription:
    return hub_subscribe(callback="https://oss.example.test/listener", user=None)


def option_labels(html: bytes, name: str) -> list[str]:
    page = lxml.html.fromstring(html)
    return [o.text_content().strip() for o in page.xpath(f'//select[@name="{name}"]/option')]


def test_the_raise_form_and_its_page_offer_suppliers_only(agent_client, partner, subscription):
    hub_partner = subscription.partner

    assert list(FaultRaiseForm().fields["supplier"].queryset) == [partner]
    labels = option_labels(agent_client.get("/faults/new/").content, "supplier")
    assert partner.name in labels
    assert hub_partner.name not in labels


def test_the_worklist_and_dashboard_filters_offer_suppliers_only(
    manager_client, partner, subscription
):
    for page in ("/faults/", "/dashboard/"):
        labels = option_labels(manager_client.get(page).content, "supplier")
        assert partner.name in labels, page
        assert subscription.partner.name not in labels, page


def test_our_api_refuses_a_subscriber_as_a_faults_partner(agent_api, subscription):
    response = agent_api.post(
        "/api/v1/faults/",
        {
            "partner": subscription.partner.slug,
            "service_id": "SVC-1",
            "fault_type": "Impaired Service",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "partner" in response.json()["error"]["fields"]


def test_the_appointment_pages_and_api_offer_suppliers_only(partner, subscription):
    assert list(SupplierSlotQueryForm().fields["supplier"].queryset) == [partner]
    assert list(SlotQueryInput().fields["partner"].get_queryset()) == [partner]


def test_a_subscriber_is_no_supplier_and_a_supplier_is(partner, subscription):
    assert partner.is_supplier
    assert not subscription.partner.is_supplier
    assert list(Partner.objects.suppliers()) == [partner]


# --- where undelivered events are shown ----------------------------------------------------------


@pytest.fixture
def refused_and_dead(partner, buyer_identifier, sla_policy) -> Iterator[dict]:
    """For one fault: our raise that died on the way to the supplier (nothing listens on its
    port 9), then a comment, which one subscriber's listener refused (404), died after its only
    attempt to another's, and died on the way to the supplier too."""
    Partner.objects.filter(pk=partner.pk).update(max_attempts=1, connect_timeout=0.5)
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    with (
        ScriptedPartner(Reply(404, b"no such listener")) as refusing,
        ScriptedPartner(Reply(503, b"")) as down,
    ):
        refused_to = hub_subscribe(callback=f"{refusing.url}/l", user=None)
        dead_to = hub_subscribe(callback=f"{down.url}/l", user=None)
        Partner.objects.filter(pk=dead_to.partner_id).update(max_attempts=1)
        fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Anything")
        for message in OutboundMessage.objects.order_by("id"):
            outbox_deliver(outbound_id=message.pk, now=timezone.now() + timedelta(days=1))
    yield {
        "refused": OutboundMessage.objects.get(partner=refused_to.partner),
        "dead": OutboundMessage.objects.get(partner=dead_to.partner),
        "supplier": list(OutboundMessage.objects.filter(partner=partner).order_by("id")),
    }


def test_the_queue_and_wallboard_show_only_the_suppliers_undelivered_messages(
    agent_client, refused_and_dead
):
    refused, dead, supplier = (refused_and_dead[k] for k in ("refused", "dead", "supplier"))
    assert (refused.status, dead.status) == (OutboundStatus.REFUSED, OutboundStatus.DEAD)
    assert [m.status for m in supplier] == [OutboundStatus.DEAD] * 2

    queue = agent_client.get("/queue/").content.decode()

    for message in supplier:
        assert f'id="undelivered-{message.pk}"' in queue
    assert f'id="undelivered-{refused.pk}"' not in queue
    assert f'id="undelivered-{dead.pk}"' not in queue
    dead_card = next(card for card in wallboard_figures().cards if card.key == "dead")
    assert dead_card.value == 2


def test_integration_health_shows_a_subscribers_undelivered_events_as_a_subscribers(
    manager_client, refused_and_dead
):
    refused, dead, supplier = (refused_and_dead[k] for k in ("refused", "dead", "supplier"))

    html = manager_client.get("/integrations/health/").content.decode()
    page = lxml.html.fromstring(html)

    def article_of(message: OutboundMessage):
        (row,) = page.xpath(f'//tr[@id="outbound-{message.pk}"]')
        return row.xpath("ancestor::article")[0]

    for message in (refused, dead):
        article = article_of(message)
        text = " ".join(article.text_content().split())
        assert "Subscriber, not a supplier" in text
        assert "Dead or refused events to this subscriber (1)" in text
        assert "its faults' suppliers are not concerned" in text
        assert "Refused: the supplier" not in text
    assert "Refused by the subscriber (HTTP 404)" in " ".join(
        article_of(refused).text_content().split()
    )
    supplier_text = " ".join(article_of(supplier[0]).text_content().split())
    assert "Dead or refused outbound messages (2)" in supplier_text
    assert "Subscriber, not a supplier" not in supplier_text
