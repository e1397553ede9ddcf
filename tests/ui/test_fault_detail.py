"""The fault detail page: the header with the SLA clock, one merged timeline (newest first) with
every kind of entry, a fixed number of queries whatever the timeline's length, the fragments
htmx polls, and user text always escaped."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.utils import timezone

from appointments.gateways import SlotQuery
from appointments.services import appointment_reserve, appointment_slots_query
from faults.choices import SlaCalendar
from faults.services import (
    Actor,
    SupplierReport,
    UpdateEntry,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
    fault_comment_add,
    fault_submit,
    fault_updates_merge,
)
from integrations.models import OutboundMessage
from integrations.outbox import outbox_deliver
from tests.factories import FaultFactory, SlaPolicyFactory
from tests.helpers import SUPPLIER, bring_to
from tests.ui.test_appointments_ui import PRODUCT, UPRN, supplier_server  # noqa: F401

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def url(fault) -> str:
    return f"/faults/{fault.buyer_fault_reference}/"


def kinds(page: str) -> list[str]:
    return re.findall(r'data-kind="([^"]+)"', page)


def test_header_shows_the_fault_and_its_sla_clock(agent_client, fault):
    fault = bring_to(fault, "in-progress")

    page = agent_client.get(url(fault)).content.decode()

    assert 'id="fault-status"><span class="badge badge-indigo">In progress</span>' in page
    assert "Test Supplier" in page and fault.service_id in page
    assert "CS0001" in page  # the supplier's reference
    assert 'id="sla-state"><span class="badge badge-blue sla-running">Running</span>' in page
    assert f'data-deadline="{fault.sla_due_at.isoformat()}"' in page
    assert 'hx-trigger="every 10s"' in page


def test_a_resolved_fault_shows_the_auto_close_countdown(agent_client, fault):
    fault = bring_to(fault, "resolved")

    page = agent_client.get(url(fault)).content.decode()

    assert f'id="auto-close" data-deadline="{fault.auto_close_due_at.isoformat()}"' in page


def test_timeline_merges_every_kind_newest_first(agent_client, fault, agent_user):
    fault = bring_to(fault, "in-progress", start=timezone.now() - timedelta(hours=2))
    fault_updates_merge(
        fault=fault,
        entries=[
            UpdateEntry("Engineer dispatched.", "seller", timezone.now() - timedelta(hours=1))
        ],
    )
    fault_comment_add(fault_id=fault.pk, actor=Actor.for_user(agent_user), text="Customer called")
    outbound = OutboundMessage.objects.filter(fault=fault).order_by("id").first()
    outbox_deliver(outbound_id=outbound.pk)  # the partner at 127.0.0.1:9 refuses connections

    page = agent_client.get(url(fault)).content.decode()

    found = kinds(page)
    assert {"status", "update", "comment", "outbound"} <= set(found)
    assert found[0] == "outbound"  # the comment's message to the supplier, the newest entry
    assert found.index("comment") < found.index("update") < len(found) - 1
    assert found[-1] == "status"  # submitted, two hours ago
    assert "Engineer dispatched." in page and "test-agent" in page
    outbound_entry = page.split('data-kind="outbound"')[-1].split("</li>")[0]
    assert "Waiting to be sent" in outbound_entry and "1 attempt" in outbound_entry
    assert "Last error: connection error" in outbound_entry
    assert "In progress</span>" in page.split('data-kind="status"')[1]


@pytest.mark.usefixtures("supplier_server")
def test_timeline_shows_appointment_events(agent_client, partner, buyer_identifier):
    partner.refresh_from_db()  # now pointing at the simulator
    fault = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_type="Service Outage",
        address_key=UPRN,
        product_name=PRODUCT,
    )
    query = SlotQuery(
        address_key=UPRN, from_date=timezone.localdate() + timedelta(days=1), product_name=PRODUCT
    )
    slot = next(s for s in appointment_slots_query(partner=partner, query=query) if s.available)
    appointment = appointment_reserve(
        partner=partner, actor=Actor.system("t"), query=query, slot=slot, fault_id=fault.pk
    )

    page = agent_client.get(url(fault)).content.decode()

    assert kinds(page).count("appointment") == 2
    assert "Appointment reserved" in page and "Appointment attached to a fault" in page
    assert appointment.reservation_key in page


def test_the_number_of_queries_does_not_grow_with_the_timeline(
    agent_client, fault, agent_user, django_assert_max_num_queries
):
    fault = bring_to(fault, "in-progress")
    actor = Actor.for_user(agent_user)
    fault_comment_add(fault_id=fault.pk, actor=actor, text="first")
    with django_assert_max_num_queries(30) as few:
        agent_client.get(url(fault))
    for n in range(15):
        fault_comment_add(fault_id=fault.pk, actor=actor, text=f"comment {n}")
    fault_updates_merge(
        fault=fault, entries=[UpdateEntry(f"update {n}", "seller") for n in range(10)]
    )

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = agent_client.get(url(fault)).content.decode()

    assert page.count('data-kind="comment"') == 16


def test_user_text_is_escaped(agent_client, partner, buyer_identifier, agent_user):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, description=XSS)
    fault_comment_add(fault_id=fault.pk, actor=Actor.for_user(agent_user), text=XSS)

    page = agent_client.get(url(fault)).content.decode()

    assert XSS not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


def test_fragments_for_htmx(agent_client, fault):
    fault = bring_to(fault, "accepted")

    header = agent_client.get(f"{url(fault)}header/?seen=pending")
    same = agent_client.get(f"{url(fault)}header/?seen=accepted")
    timeline = agent_client.get(f"{url(fault)}timeline/").content.decode()
    actions = agent_client.get(f"{url(fault)}actions/").content.decode()

    assert header["HX-Trigger"] == "fault-status-changed"
    assert "HX-Trigger" not in same
    assert 'id="fault-status"' in header.content.decode()
    assert 'id="fault-timeline"' in timeline and "<html" not in timeline
    assert 'id="fault-actions"' in actions and "Add comment" in actions


def test_every_role_reads_the_page(manager_client, admin_client, fault):
    assert manager_client.get(url(fault)).status_code == 200
    assert admin_client.get(url(fault)).status_code == 200


def test_an_unknown_reference_is_a_404_page(agent_client, db):
    answer = agent_client.get("/faults/NOPE-404/")

    assert answer.status_code == 404
    assert "Not found" in answer.content.decode()


def test_each_call_to_the_supplier_is_one_timeline_entry(agent_client, fault):
    # The audit row "Call to supplier requested · addFaultReport <uuid> queued for …" stood
    # beside the message's own entry "Sent to supplier · Raise fault", saying it twice.
    fault = bring_to(fault, "in-progress")
    calls = OutboundMessage.objects.filter(fault=fault)

    page = agent_client.get(url(fault)).content.decode()

    assert kinds(page).count("outbound") == calls.count() >= 1
    assert "partner-call" not in kinds(page)
    assert "queued for" not in page
    assert all(call.message_id not in page for call in calls)


def _actions(page: bytes) -> str:
    """The actions' text, without the ownership block (tests/ui/test_ownership_ui.py)."""
    section = lxml.html.fromstring(page).get_element_by_id("fault-actions")
    for ownership in section.find_class("action-ownership"):
        ownership.drop_tree()
    return " ".join(section.text_content().split())


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (
            "rejected",
            "The supplier rejected this fault, so nothing more can be done on it. To try again, "
            "raise it again and correct the details in the new draft. Raise again A new draft "
            "with this fault's details (nothing is sent until you submit it).",
        ),
        ("closed", "The fault is closed: nothing more can be done on it."),
        (
            "cancelled",
            "The fault is cancelled: nothing more can be done on it. Raise again A new draft "
            "with this fault's details (nothing is sent until you submit it).",
        ),
    ],
)
def test_a_finished_fault_says_why_it_offers_no_action(agent_client, fault, status, says):
    # The actions column was left blank beside the timeline. An internal note is still offered
    # (it is never sent to the supplier), after the reason.
    fault = bring_to(fault, status)

    actions = _actions(agent_client.get(url(fault)).content)
    assert actions.startswith(f"Actions {says} Internal · not sent to supplier")
    assert actions.endswith("Add internal note")


def test_a_reader_is_told_the_actions_are_for_agents(manager_client, fault):
    fault = bring_to(fault, "in-progress")

    assert _actions(manager_client.get(url(fault)).content) == (
        "Actions You can read this fault; acting on it is for agents."
    )


def test_a_suppliers_change_names_the_supplier_and_its_message(agent_client, fault):
    fault = bring_to(fault, "accepted")  # the supplier's notification "TEST-MSG"

    page = lxml.html.fromstring(agent_client.get(url(fault)).content)

    (accepted,) = page.xpath("//li[@data-kind='status'][contains(., 'Accepted')]")
    meta = " ".join(accepted.xpath(".//*[@class='timeline-meta']")[0].text_content().split())
    assert meta.endswith("Status changed · Test Supplier (message TEST-MSG)")


def test_the_sla_clock_says_what_it_counts_with_the_clock_time_beside_it(
    agent_client, partner, buyer_identifier
):
    # Given a business-hours SLA and a fault the supplier took on and fixed over a Saturday,
    # on hold for most of the day: no business hour passed, so its SLA used none.
    SlaPolicyFactory(
        partner=partner, target=timedelta(hours=20), calendar=SlaCalendar.BUSINESS_HOURS
    )
    saturday = datetime(2026, 10, 17, 4, 0, tzinfo=ZoneInfo("Europe/London"))
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"), at=saturday)
    steps = (
        ("accepted", timedelta(hours=1)),
        ("in-progress", timedelta(hours=3, minutes=40)),
        ("on-hold", timedelta(hours=5, minutes=40)),
        ("in-progress", timedelta(hours=19, minutes=35)),
        ("resolved", timedelta(hours=21, minutes=40)),
    )
    for status, after in steps:
        fault_apply_supplier_status(
            fault_id=fault.pk,
            status=status,
            actor=SUPPLIER,
            sent_at=saturday + after,
            maintainer_fault_reference="CS0001" if status == "accepted" else "",
        )

    page = lxml.html.fromstring(agent_client.get(url(fault)).content)

    (sla,) = page.xpath("//dl[@id='fault-sla']")
    clock = {
        " ".join(dt.text_content().split()): " ".join(dt.getnext().text_content().split())
        for dt in sla.xpath("./dt")
    }
    assert clock["SLA"] == "Met"
    assert clock["Target"] == (
        "20 h 0 m counted in business hours (Monday to Friday, 08:00 to 18:00, not bank holidays)"
    )
    assert clock["Elapsed"] == "0 m of business hours"
    assert clock["Paused"] == "0 m of business hours"
    # The clock time, as the dashboard counts time to repair: 21 h 40 m, 13 h 55 m on hold.
    assert clock["Time to repair"] == "7 h 45 m + 13 h 55 m on hold (clock time)"


def sla_facts(page) -> dict[str, str]:
    (sla,) = page.xpath("//dl[@id='fault-sla']")
    return {
        " ".join(dt.text_content().split()): " ".join(dt.getnext().text_content().split())
        for dt in sla.xpath("./dt")
    }


def test_the_suppliers_expected_resolution_is_beside_the_sla_due_time_in_london_time(
    agent_client, fault
):
    fault = bring_to(fault, "in-progress")
    page = lxml.html.fromstring(agent_client.get(url(fault)).content)
    assert sla_facts(page)["Supplier expects fix by"] == "— (not given)"

    # 15:00 UTC on a summer day is 16:00 in London; later than the SLA's due time.
    report = SupplierReport(expected_resolution_at=datetime(2030, 7, 1, 15, 0, tzinfo=UTC))
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=SUPPLIER)
    page = lxml.html.fromstring(agent_client.get(url(fault)).content)
    assert sla_facts(page)["Supplier expects fix by"] == "2030-07-01 16:00 (after the SLA is due)"

    # Within the SLA: no remark.
    fault.refresh_from_db()
    report = SupplierReport(expected_resolution_at=fault.sla_due_at - timedelta(hours=1))
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=SUPPLIER)
    page = lxml.html.fromstring(agent_client.get(url(fault)).content)
    shown = timezone.localtime(fault.sla_due_at - timedelta(hours=1))
    assert sla_facts(page)["Supplier expects fix by"] == f"{shown:%Y-%m-%d %H:%M}"
