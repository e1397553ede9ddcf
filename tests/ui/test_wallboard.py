"""The wallboard: correct figures, the breached and at-risk list, always dark, refreshing
itself with htmx, readable by a screen reader."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from faults.models import Fault
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_fault(partner, buyer_identifier):
    def make(status: str = "draft", *, start=None, **fields):
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields)
        return bring_to(fault, status, start=start)

    return make


def figure(html: str, key: str) -> int:
    """The number shown on the card for `key`, checking that the card is labelled."""
    card = re.search(
        rf'<article[^>]*data-figure="{key}" aria-labelledby="figure-{key}-label">(.*?)</article>',
        html,
        re.S,
    )
    assert card, f"no figure {key}"
    assert re.search(rf'<h3 id="figure-{key}-label"[^>]*>\s*\S', card[1]), "the figure has no label"
    return int(re.search(r'<p class="figure"[^>]*>(?:<a [^>]*>)?(\d+)(?:</a>)?</p>', card[1])[1])


def test_wallboard_figures_are_correct(manager_client, make_fault, sla_policy):
    # Given faults in a spread of states
    now = timezone.now()
    make_fault("pending")
    make_fault("pending")
    make_fault("on-hold")
    make_fault("resolved")
    at_risk = make_fault("in-progress", start=now - timedelta(hours=7))
    breached = make_fault("in-progress", start=now - timedelta(hours=10))
    make_fault("closed")
    make_fault("draft")
    yesterday = make_fault("pending")
    Fault.objects.filter(pk=yesterday.pk).update(created_at=now - timedelta(days=2))
    OutboundMessage.objects.create(
        partner=breached.supplier,
        fault=breached,
        operation="amend",
        message_type="amendFaultReport",
        message_id="DEAD-1",
        body="<x/>",
        status=OutboundStatus.DEAD,
        next_attempt_at=now,
    )

    # When the wallboard is shown
    html = manager_client.get("/wallboard/").content.decode()

    # Then every figure counts what it says
    assert figure(html, "status-pending") == 3
    assert figure(html, "status-on-hold") == 1
    assert figure(html, "status-resolved") == 1
    assert figure(html, "status-in-progress") == 2
    assert "status-draft" not in html and "status-closed" not in html
    assert figure(html, "open") == 7
    assert figure(html, "at-risk") == 1
    assert figure(html, "breached") == 1
    assert figure(html, "resolved") == 1
    assert figure(html, "dead") == 1
    assert figure(html, "raised-today") == 7  # every fault but the draft and yesterday's
    # and the breached and at-risk faults are listed, the soonest due first
    assert html.index(breached.buyer_fault_reference) < html.index(at_risk.buyer_fault_reference)


def test_wallboard_is_dark_large_and_live(agent_client):
    html = agent_client.get("/wallboard/").content.decode()

    assert re.search(r'<html lang="en" data-theme="dark" data-theme-fixed[ >]', html)
    assert '<body class="wallboard"' in html
    assert 'id="theme-toggle"' not in html  # a fixed dark theme offers no toggle
    panel = re.search(r'<div id="wallboard-panel"([^>]*)>', html)[1]
    assert 'hx-get="/wallboard/"' in panel
    assert 'hx-trigger="every 30s"' in panel
    assert 'aria-live="polite"' in panel
    assert re.search(r"updated <time datetime=\"[^\"]+\">\d\d:\d\d:\d\d</time>", html)


def test_wallboard_refresh_answers_only_the_panel(agent_client, make_fault, sla_policy):
    breached = make_fault("in-progress", start=timezone.now() - timedelta(hours=10))

    answer = agent_client.get("/wallboard/", headers={"HX-Request": "true"})

    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert 'id="wallboard-panel"' not in answer.text
    assert breached.buyer_fault_reference in answer.text
    assert figure(answer.text, "breached") == 1


def test_wallboard_with_no_faults_says_so(agent_client):
    html = agent_client.get("/wallboard/").content.decode()

    assert figure(html, "open") == 0
    assert "No fault is at risk or breached." in html


def test_every_role_may_see_the_wallboard(agent_client, manager_client, admin_client):
    for client in (agent_client, manager_client, admin_client):
        assert client.get("/wallboard/").status_code == 200


def test_the_alert_list_is_bounded_and_says_how_many_more(agent_client, make_fault, sla_policy):
    from faults.ui.worklists.wallboard import ALERT_ROWS

    start = timezone.now() - timedelta(hours=10)
    for n in range(ALERT_ROWS + 3):
        make_fault("in-progress", start=start - timedelta(minutes=n))

    html = agent_client.get("/wallboard/").content.decode()

    assert figure(html, "breached") == ALERT_ROWS + 3
    table = html.split('id="wallboard-alerts-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == ALERT_ROWS + 1  # the heading row and the alerts
    assert "and 3 more at risk or breached" in html
