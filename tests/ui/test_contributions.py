"""The fault pages gather the parts of the apps above `faults` from `faults.contributions`:
with none registered (those apps absent) every page still works and shows only the domain's
own parts; a contribution registered later (as a protocol package would) appears in its place;
and the registry shows each contribution once."""

import re

import pytest
from django.utils import timezone

from faults import contributions
from faults.contributions import (
    QueueSectionSource,
    TimelinePart,
    TimelineSource,
    WallboardFigure,
    register,
    unregister,
)
from faults.timeline import TimelineEntry
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """The registry as the apps left it, restored after the test."""
    saved = {kind: dict(items) for kind, items in contributions._registry.items()}
    yield contributions._registry
    for kind, items in saved.items():
        contributions._registry[kind].clear()
        contributions._registry[kind].update(items)


@pytest.fixture
def nothing_contributed(registry):
    for items in registry.values():
        items.clear()


@pytest.fixture
def tlos_fault(partner, buyer_identifier, sla_policy):
    # A raised Service Outage fault (re-appointable) with a reservation and a dead message.
    fault = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_type="Service Outage",
        status="pending",
        appointment_reservation_key="RES-1",
    )
    OutboundMessage.objects.create(
        partner=partner,
        fault=fault,
        operation="amend",
        message_type="amendFaultReport",
        message_id="DEAD-1",
        body="<x/>",
        status=OutboundStatus.DEAD,
        next_attempt_at=timezone.now(),
    )
    return fault


def figures(html: str) -> list[str]:
    return re.findall(r'data-figure="([^"]+)"', html)


def test_the_apps_contribute_their_parts(agent_client, manager_client, tlos_fault):
    # Given appointments and integrations installed (their ready() registered their parts)
    # When the composite pages are shown, then their parts are there, each once
    queue = agent_client.get("/queue/").content.decode()
    assert queue.count('id="queue-dead"') == 1
    wallboard = manager_client.get("/wallboard/").content.decode()
    assert figures(wallboard)[:6] == [
        "breached",
        "at-risk",
        "resolved",
        "dead",
        "raised-today",
        "open",
    ]
    dashboard = manager_client.get("/dashboard/").content.decode()
    assert "Missed appointments and rejected raises in the period" in dashboard
    raise_page = agent_client.get("/faults/new/").content.decode()
    assert 'id="appointment-panel"' in raise_page
    page = agent_client.get(f"/faults/{tlos_fault.buyer_fault_reference}/").content.decode()
    assert 'data-kind="outbound"' in page
    assert 'id="fault-appointment"' in page
    assert "action-reappoint" in page


@pytest.mark.usefixtures("nothing_contributed")
def test_without_the_apps_above_every_page_still_works(agent_client, manager_client, tlos_fault):
    # Given no contribution registered (as if appointments and integrations were absent)
    # When the composite pages are shown
    queue = agent_client.get("/queue/")
    wallboard = manager_client.get("/wallboard/")
    dashboard = manager_client.get("/dashboard/")
    raise_page = agent_client.get("/faults/new/")
    page = agent_client.get(f"/faults/{tlos_fault.buyer_fault_reference}/")
    # Then each works and shows the domain's own parts only
    for response in (queue, wallboard, dashboard, raise_page, page):
        assert response.status_code == 200
    assert 'id="queue-dead"' not in queue.content.decode()
    assert 'id="queue-on-hold"' in queue.content.decode()
    assert figures(wallboard.content.decode())[:5] == [
        "breached",
        "at-risk",
        "resolved",
        "raised-today",
        "open",
    ]
    assert "Rejected raises in the period" in dashboard.content.decode()
    assert "appointment-panel" not in raise_page.content.decode()
    assert 'data-kind="outbound"' not in page.content.decode()
    assert 'id="fault-appointment"' not in page.content.decode()
    assert "action-reappoint" not in page.content.decode()
    assert "action-amend" in page.content.decode()


def test_a_later_contribution_appears_in_its_place(
    registry, agent_client, manager_client, fault_with_supplier
):
    # Given a package that registers a queue section, a wallboard figure and a timeline source
    def source(*, fault):
        entry = TimelineEntry(kind="ping", label="Pinged", at=fault.created_at, who="Probe")
        return TimelinePart(entries=lambda actors: [entry])

    register(
        WallboardFigure(key="pings", label="Pings", after="breached", count=lambda: 42),
        QueueSectionSource(
            key="pings",
            title="Pings to look at",
            after="rejected",
            rows=lambda: type(fault_with_supplier).objects.none(),
            table_template="faults/worklists/queue/_drafts.html",
            more_url=lambda: "/pings/",
            when_empty="No ping needs an agent.",
        ),
        TimelineSource(key="pings", read=source),
    )
    # When the pages are shown
    wallboard = manager_client.get("/wallboard/").content.decode()
    queue = agent_client.get("/queue/").content.decode()
    page = agent_client.get(f"/faults/{fault_with_supplier.buyer_fault_reference}/").content
    # Then each part is where it asked to be
    assert figures(wallboard)[:3] == ["breached", "pings", "at-risk"]
    assert 'data-value="42"' in wallboard
    sections = re.findall(r'<article id="queue-([^"]+)"', queue)
    assert sections[:3] == ["exceptions", "rejected", "pings"]
    assert "No ping needs an agent." in queue
    assert b'data-kind="ping"' in page


def test_registering_again_replaces_and_a_stranger_is_refused(registry):
    figure = WallboardFigure(key="pings", label="Pings", after="open", count=lambda: 1)
    register(figure)
    register(WallboardFigure(key="pings", label="Pings again", after="open", count=lambda: 2))
    labels = [f.label for f in contributions.contributions(WallboardFigure) if f.key == "pings"]
    assert labels == ["Pings again"]
    unregister(WallboardFigure, "pings")
    assert all(f.key != "pings" for f in contributions.contributions(WallboardFigure))
    with pytest.raises(TypeError):
        register(object())


@pytest.fixture
def fault_with_supplier(partner, buyer_identifier, sla_policy):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
