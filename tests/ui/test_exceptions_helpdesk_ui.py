"""Helpdesk tickets on the exceptions page: an agent links one to an exception by its number (or
its address) and sees it, as a link into the helpdesk when its address is configured; unlinks
it; a bad number is refused on that exception's form and links nothing; a manager reads the
tickets but changes nothing."""

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.exceptions.helpdesk import external_reference_link
from faults.exceptions.models import (
    CallToAction,
    ExternalReference,
    TicketException,
    TicketExceptionRule,
)
from faults.exceptions.shipped import ship_rules
from faults.models import FaultEvent
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exception():
    ship_rules(TicketExceptionRule, CallToAction)  # a transactional test's flush may have emptied
    return TicketException.objects.create(
        fault=FaultFactory(status=FaultStatus.IN_PROGRESS),
        rule=TicketExceptionRule.objects.get(type_name="NO_SUPPLIER_UPDATE"),
        subject="No update from the supplier for more than 24 hours",
        raised_at=timezone.now(),
    )


def card(page: str, exception: TicketException) -> str:
    return page.split(f'id="exception-{exception.pk}"', 1)[1].split("</article>", 1)[0]


def test_an_agent_links_a_ticket_and_sees_it_as_a_link(agent_client, exception, settings):
    settings.HELPDESK_TICKET_URL = "https://example.zendesk.com/agent/tickets/{identifier}"

    answer = agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "#12345"})

    assert answer.status_code == 302
    assert answer["Location"] == f"/exceptions/#exception-{exception.pk}"
    page = agent_client.get("/exceptions/").content.decode()
    assert f"Linked ticket 12345 to {exception.fault.buyer_fault_reference}" in page
    assert (
        '<a href="https://example.zendesk.com/agent/tickets/12345" target="_blank" '
        'rel="noopener noreferrer">Zendesk #12345</a>'
    ) in card(page, exception)
    assert FaultEvent.objects.filter(
        fault=exception.fault, kind=EventKind.EXCEPTION, data__action="helpdesk-linked"
    ).exists()


def test_without_a_ticket_address_the_number_is_plain_text(agent_client, exception, settings):
    settings.HELPDESK_TICKET_URL = ""
    agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "12345"})

    shown = card(agent_client.get("/exceptions/").content.decode(), exception)

    assert "Zendesk #12345" in shown
    assert "tickets/12345" not in shown


def test_linking_the_same_ticket_again_says_so_and_links_it_once(agent_client, exception):
    agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "12345"})
    agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "12345"})

    page = agent_client.get("/exceptions/").content.decode()
    assert "Ticket 12345 was already linked" in page
    assert exception.external_references.count() == 1


@pytest.mark.parametrize(
    ("identifier", "message"),
    [("", "This field is required."), ("12 345", "with no spaces (e.g. 12345)")],
)
def test_a_bad_number_is_refused_on_its_form_and_links_nothing(
    agent_client, exception, identifier, message
):
    answer = agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": identifier})

    assert answer.status_code == 400
    shown = card(answer.content.decode(), exception)
    assert message in shown
    assert "<details open>\n    <summary>Link a helpdesk ticket</summary>" in shown
    assert not ExternalReference.objects.exists()


def test_an_agent_unlinks_a_ticket(agent_client, agent, exception):
    reference, _ = external_reference_link(
        exception_id=exception.pk, identifier="12345", actor=agent
    )

    answer = agent_client.post(f"/exceptions/tickets/{reference.pk}/unlink/")

    assert answer.status_code == 302
    page = agent_client.get("/exceptions/").content.decode()
    assert "Unlinked ticket 12345." in page
    assert "Zendesk #12345" not in card(page, exception)
    assert agent_client.post(f"/exceptions/tickets/{reference.pk}/unlink/").status_code == 404


def test_a_manager_reads_the_tickets_but_cannot_link_or_unlink(manager_client, agent, exception):
    reference, _ = external_reference_link(
        exception_id=exception.pk, identifier="12345", actor=agent
    )

    shown = card(manager_client.get("/exceptions/").content.decode(), exception)
    assert "Zendesk #12345" in shown
    assert "Link a helpdesk ticket" not in shown and "Unlink" not in shown
    assert (
        manager_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "9"}).status_code
        == 403
    )
    assert manager_client.post(f"/exceptions/tickets/{reference.pk}/unlink/").status_code == 403
    assert list(exception.external_references.values_list("identifier", flat=True)) == ["12345"]


def test_linking_to_an_unknown_exception_is_a_404(agent_client):
    assert agent_client.post("/exceptions/999999/tickets/", {"identifier": "1"}).status_code == 404


def test_the_admin_shows_an_exceptions_tickets_read_only(client, admin_user, agent, exception):
    external_reference_link(exception_id=exception.pk, identifier="12345", actor=agent)
    client.force_login(admin_user)

    page = client.get(f"/admin/faults/ticketexception/{exception.pk}/change/").content.decode()

    assert "External references" in page and "12345" in page
    assert 'name="external_references-0-identifier"' not in page  # not editable


def test_the_faults_timeline_shows_the_ticket_linked(agent_client, exception):
    agent_client.post(f"/exceptions/{exception.pk}/tickets/", {"identifier": "12345"})

    page = agent_client.get(f"/faults/{exception.fault.buyer_fault_reference}/").content.decode()

    assert "Helpdesk zendesk ticket 12345 linked to the exception" in page
