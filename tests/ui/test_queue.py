"""My queue: each kind of work an agent must do now, in its own section, and nothing else;
the htmx partial that reloads the panel; who may open it."""

import re
from datetime import timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from faults.services import fault_apply_supplier_status
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import SUPPLIER, bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_fault(partner, buyer_identifier):
    def make(status: str = "draft", *, start=None, reason: str = "", **fields):
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields)
        if reason:
            # The last step arrives with the supplier's reason, the way a notification does.
            before = {"rejected": "pending", "on-hold": "in-progress"}[status]
            bring_to(fault, before, start=start)
            fault_apply_supplier_status(
                fault_id=fault.pk,
                status=status,
                actor=SUPPLIER,
                sent_at=(start or timezone.now() - timedelta(hours=1)) + timedelta(minutes=30),
                reason=reason,
            )
            fault.refresh_from_db()
            return fault
        return bring_to(fault, status, start=start)

    return make


def dead_message(fault, *, error="Connection refused", operation="amend") -> OutboundMessage:
    return OutboundMessage.objects.create(
        partner=fault.supplier,
        fault=fault,
        operation=operation,
        message_type="amendFaultReport",
        message_id=f"MSG-{fault.pk}-{operation}",
        body="<x/>",
        status=OutboundStatus.DEAD,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error=error,
    )


def section(html: str, key: str) -> str:
    """The HTML of one queue section (an <article id="queue-<key>">)."""
    match = re.search(rf'<article id="queue-{key}".*?</article>', html, re.S)
    assert match, f"no section {key}"
    return match[0]


def count_badge(html: str, key: str) -> str:
    return re.search(rf'data-section-count="{key}">([^<]*)<', html)[1]


def test_the_queue_shows_each_kind_of_work_in_its_section(
    agent_client, agent_user, make_fault, sla_policy
):
    # Given one fault of each kind of work
    rejected = make_fault("rejected", reason="Service id not recognised")
    resolved = make_fault("resolved")
    on_hold = make_fault("on-hold", reason="Need access details for the site")
    breached = make_fault("in-progress", start=timezone.now() - timedelta(hours=10))
    draft = make_fault("draft", created_by=agent_user)
    stuck = make_fault("in-progress")
    dead_message(stuck, error="TLS handshake failed")

    # When the agent opens the queue
    html = agent_client.get("/queue/").content.decode()

    # Then each is in its own section, linked to its detail page, with what the agent needs
    rejected_html = section(html, "rejected")
    assert f'href="/faults/{rejected.buyer_fault_reference}/"' in rejected_html
    assert "Service id not recognised" in rejected_html
    assert resolved.buyer_fault_reference in section(html, "resolved")
    on_hold_html = section(html, "on-hold")
    assert on_hold.buyer_fault_reference in on_hold_html
    assert "Need access details for the site" in on_hold_html
    assert breached.buyer_fault_reference in section(html, "sla")
    assert draft.buyer_fault_reference in section(html, "drafts")
    dead_html = section(html, "dead")
    assert "TLS handshake failed" in dead_html
    assert "Test Supplier" in dead_html
    assert stuck.buyer_fault_reference in dead_html
    assert "amend" in dead_html
    assert [count_badge(html, key) for key in ("rejected", "resolved", "on-hold", "sla")] == [
        "1",
        "1",
        "1",
        "1",
    ]


def test_faults_that_need_nothing_are_not_in_the_queue(
    agent_client, make_fault, manager_user, sla_policy
):
    # Given faults that need no agent now
    running = make_fault("in-progress")  # SLA running, nothing asked of us
    old_rejection = make_fault("rejected", start=timezone.now() - timedelta(days=9))
    closed = make_fault("closed")
    others_draft = make_fault("draft", created_by=manager_user)
    delivered = make_fault("pending")
    OutboundMessage.objects.create(
        partner=delivered.supplier,
        fault=delivered,
        operation="raise",
        message_type="addFaultReport",
        message_id="MSG-OK",
        body="<x/>",
        status=OutboundStatus.DELIVERED,
        next_attempt_at=timezone.now(),
        last_error="an old error, since delivered",
    )
    assert running.sla_state == "running"

    # When the agent opens the queue
    html = agent_client.get("/queue/").content.decode()

    # Then none of them is listed and every section says so
    for fault in (running, old_rejection, closed, others_draft, delivered):
        assert fault.buyer_fault_reference not in html
    assert "an old error" not in html
    # each in words that say what an empty section means, not a bare "Nothing here."
    document = lxml.html.fromstring(html)
    empty = {
        article.get("id"): " ".join(article.xpath(".//p")[-1].text_content().split())
        for article in document.xpath("//article[contains(@class, 'queue-section')]")
    }
    assert empty == {
        "queue-exceptions": "No exception is open: every supplier is doing what it should.",
        "queue-rejected": "No supplier has rejected a fault in the last 7 days.",
        "queue-resolved": "No resolved fault is waiting for our answer.",
        "queue-on-hold": "No supplier is waiting for information from us.",
        "queue-supplier-opened": "No supplier has an open incident with us.",
        "queue-dead": (
            "No message needs an agent: each reached the supplier or is still being sent."
        ),
        "queue-certificates": "No partner certificate expires in the next 30 days.",
        "queue-sla": "No open fault is close to its SLA target or past it.",
        "queue-drafts": (
            "You have no drafts: a fault saved with “Save draft” waits here until submitted."
        ),
    }


def test_resolved_faults_count_down_to_the_auto_close_soonest_first(agent_client, make_fault):
    # Given two resolved faults, the second resolved earlier (so it closes itself sooner)
    later = make_fault("resolved", start=timezone.now() - timedelta(hours=1))
    sooner = make_fault("resolved", start=timezone.now() - timedelta(hours=30))

    # When the agent opens the queue
    resolved_html = section(agent_client.get("/queue/").content.decode(), "resolved")

    # Then each row counts down to its auto-close deadline, the soonest first
    deadlines = re.findall(r'data-deadline="([^"]+)"', resolved_html)
    expected = [timezone.localtime(f.auto_close_due_at).isoformat() for f in (sooner, later)]
    assert deadlines == expected
    assert resolved_html.index(sooner.buyer_fault_reference) < resolved_html.index(
        later.buyer_fault_reference
    )


def test_sla_section_lists_at_risk_and_breached_soonest_due_first(
    agent_client, make_fault, sla_policy
):
    at_risk = make_fault("in-progress", start=timezone.now() - timedelta(hours=7))
    breached = make_fault("in-progress", start=timezone.now() - timedelta(hours=10))
    assert (at_risk.sla_state, breached.sla_state) == ("at-risk", "breached")

    sla_html = section(agent_client.get("/queue/").content.decode(), "sla")

    assert sla_html.index(breached.buyer_fault_reference) < sla_html.index(
        at_risk.buyer_fault_reference
    )
    assert "overdue" in sla_html
    assert len(re.findall(r"data-deadline=", sla_html)) == 2


def test_htmx_reload_answers_only_the_panel(settings, agent_client, agent_user, make_fault):
    # Given a draft of mine, and panels set to reload every 7 s
    settings.UI_REFRESH_SECONDS = 7
    draft = make_fault("draft", created_by=agent_user)

    # When htmx asks for the panel
    page = agent_client.get("/queue/").content.decode()
    answer = agent_client.get("/queue/", headers={"HX-Request": "true"})

    # Then the answer is the panel's fragment, not a page, and the page polls for it
    fragment = answer.content.decode()
    assert answer.status_code == 200
    assert "<html" not in fragment
    assert "<header class" not in fragment
    assert draft.buyer_fault_reference in section(fragment, "drafts")
    assert 'hx-get="/queue/"' in page
    assert 'hx-trigger="every 7s"' in page
    assert 'hx-get="/queue/"' not in fragment  # the poller itself is not swapped
    assert "HX-Request" in answer["Vary"]


def test_each_section_is_bounded_with_a_link_to_the_rest(
    settings, agent_client, agent_user, make_fault
):
    # Given four drafts of mine and sections limited to three rows
    settings.QUEUE_SECTION_LIMIT = 3
    for _ in range(4):
        make_fault("draft", created_by=agent_user)

    # When the agent opens the queue
    html = agent_client.get("/queue/").content.decode()

    # Then three are shown, the count says four, and a link leads to the others
    drafts_html = section(html, "drafts")
    assert drafts_html.count('href="/faults/TEST-') == 3
    assert count_badge(html, "drafts") == "4"
    assert '<a href="/faults/?status=draft&amp;mine=on">1 more</a>' in drafts_html


def test_supplier_text_is_escaped(agent_client, make_fault):
    make_fault("rejected", reason="<script>alert(1)</script>")

    html = agent_client.get("/queue/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dead_messages_link_to_integration_health(agent_client, make_fault):
    dead_message(make_fault("pending"))

    dead_html = section(agent_client.get("/queue/").content.decode(), "dead")

    assert f'href="{reverse("integration-health")}"' in dead_html


def test_admins_may_open_the_queue(admin_client):
    assert admin_client.get("/queue/").status_code == 200


def test_managers_are_refused_the_queue(manager_client):
    answer = manager_client.get("/queue/")

    assert answer.status_code == 403
