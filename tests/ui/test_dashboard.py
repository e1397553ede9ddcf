"""The SLA dashboard page and its CSV export: who may see them, what they show, bad input, and
a query count that does not grow with the number of faults."""

import csv
import io
import json
import re
from datetime import timedelta

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.choices import SlaState
from faults.models import Fault
from tests.factories import FaultFactory, PartnerFactory
from tests.faults.test_reports import repaired_in
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("sla-dashboard")
EXPORT = reverse("sla-dashboard-export")
# The weekly trend columns as the first exports had them (scripts read them by position).
TREND_COLUMNS_BEFORE = ["iso_week", "week_start", "raised", "resolved", "breached"]


def resolved(partner, without_hold: int, hold: int, priority: int = 2) -> Fault:
    fault = bring_to(FaultFactory(supplier=partner, priority=priority), "resolved")
    repaired_in(fault, without_hold + hold, hold=hold)
    return fault


@pytest.fixture
def three_resolved(partner, sla_policy):
    # without on-hold 3600, 7200, 18000 → mean 9600 (2 h 40 m), median 7200 (2 h 0 m),
    #   p90 = position 1.8 → 7200 + 0.8·10800 = 15840 (4 h 24 m)
    # on hold 0, 3600, 0 → with on-hold 3600, 10800, 18000: median 10800 (3 h 0 m)
    #   on-hold share 3600 / 32400 = 11.1 %
    for without_hold, hold in ((3600, 0), (7200, 3600), (18000, 0)):
        resolved(partner, without_hold, hold)


def test_agents_get_403(agent_client):
    assert agent_client.get(DASHBOARD).status_code == 403
    assert agent_client.get(EXPORT).status_code == 403


def test_managers_and_admins_see_the_figures(manager_client, admin_client, three_resolved):
    response = manager_client.get(DASHBOARD)

    assert response.status_code == 200
    row = response.context["dashboard"].rows[0]
    assert (row.resolved, row.repair.mean, row.repair.median) == (3, 9600, 7200)
    assert row.repair.p90 == pytest.approx(15840)
    html = response.content.decode()
    assert "Test Supplier" in html
    assert "4 h 24 m" in html and "3 h 0 m" in html and "11.1 %" in html
    assert 'id="dashboard-trends"' in html and "chart.umd.min.js" in html
    assert admin_client.get(DASHBOARD).status_code == 200


def test_the_csv_carries_the_same_numbers(manager_client, partner, three_resolved):
    response = manager_client.get(EXPORT, {"days": 7})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    today = timezone.localdate()
    assert lines[0][:4] == ["from", str(today - timedelta(days=6)), "to", str(today)]
    header, data, total = lines[1], dict(zip(lines[1], lines[2], strict=True)), lines[3]
    assert data["supplier"] == "Test Supplier" and data["priority"] == "2"
    assert data["open_resolved"] == "3"
    assert data["resolved_in_period"] == "3"
    assert (data["repair_mean_seconds"], data["repair_median_seconds"]) == ("9600", "7200")
    assert data["repair_p90_seconds"] == "15840"
    assert data["repair_with_hold_median_seconds"] == "10800"
    assert data["on_hold_share_percent"] == "11.1"
    assert total[:2] == ["All", "all"]
    assert lines[4] == []
    # The trend columns of earlier exports keep their places; new ones follow them.
    assert lines[5] == [*TREND_COLUMNS_BEFORE, "week"]
    assert sum(int(week[3]) for week in lines[6:]) == 3  # resolved
    assert header.index("rejected_raises") == len(header) - 1


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-02-30"},
        {"date_from": "yesterday", "date_to": "31/31/2026"},
        {"date_from": "2026-03-10", "date_to": "2026-03-01"},
        {"date_from": "1900-01-01", "date_to": "2026-01-01"},
        {"days": "abc", "priority": "9", "supplier": "999999"},
        {"priority": "'; drop table faults_fault; --"},
    ],
)
def test_bad_filters_are_a_message_not_a_500(manager_client, params):
    response = manager_client.get(DASHBOARD, params)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("default is used" in m for m in messages)


def test_an_export_with_bad_filters_is_refused_and_leaves_no_message_behind(manager_client):
    export = manager_client.get(EXPORT, {"priority": "9"})
    next_page = manager_client.get("/faults/")

    assert export.status_code == 400
    assert "Priority" in export.content.decode()
    assert list(next_page.context["messages"]) == []


def test_bad_dates_fall_back_to_the_last_28_days(manager_client):
    response = manager_client.get(DASHBOARD, {"date_from": "not-a-date"})

    filters = response.context["dashboard"].filters
    assert filters.date_to == timezone.localdate()
    assert filters.days == 28


def test_a_valid_period_and_filters_are_used(manager_client, partner, three_resolved):
    other = PartnerFactory(slug="other", name="Other")
    response = manager_client.get(
        DASHBOARD, {"date_from": "2026-01-05", "date_to": "2026-01-18", "supplier": other.pk}
    )

    dashboard = response.context["dashboard"]
    assert (dashboard.filters.days, dashboard.filters.supplier) == (14, other)
    assert [w.label for w in dashboard.trends] == ["w/c 5 Jan", "w/c 12 Jan"]
    assert dashboard.rows == []


def _spread_of_faults(count: int, partners) -> None:
    """`count` faults over two suppliers, five priorities and every kind of figure."""
    statuses = ["resolved", "closed", "in-progress", "on-hold", "rejected", "pending"]
    today = timezone.localdate()
    for i in range(count):
        partner = partners[i % 2]
        fault = bring_to(
            FaultFactory(supplier=partner, priority=1 + i % 5), statuses[i % len(statuses)]
        )
        Fault.objects.filter(pk=fault.pk).update(
            sla_elapsed_seconds=600 * (i + 1),
            sla_paused_seconds=60 * i,
            sla_state=SlaState.BREACHED if i % 7 == 0 else SlaState.RUNNING,
            sla_due_at=timezone.now() - timedelta(days=i % 20),
        )
        if i % 4 == 0:
            Appointment.objects.create(
                partner=partner,
                fault=fault,
                reservation_key=f"K{i}",
                appointment_date=today - timedelta(days=i % 20),
                state=AppointmentState.MISSED,
                missed=True,
                missed_side=[MissedSide.SELLER, MissedSide.END_USER, MissedSide.MBORC][i % 3],
            )


def _queries_for_dashboard(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_faults(
    manager_client, sla_policy, partner, django_assert_max_num_queries
):
    partners = [partner, PartnerFactory(slug="second", name="Second")]
    _spread_of_faults(5, partners)
    with django_assert_max_num_queries(30):
        assert manager_client.get(DASHBOARD).status_code == 200
    with_5 = _queries_for_dashboard(manager_client)

    _spread_of_faults(45, partners)  # 50 in all, over every supplier and priority

    with django_assert_max_num_queries(30):
        response = manager_client.get(DASHBOARD)
    assert response.context["dashboard"].total.resolved > 10
    assert _queries_for_dashboard(manager_client) == with_5


# --- the period controls say which period is shown (issue 10 #20) ------------------------------


def _selected_preset(html: str) -> str:
    select = re.search(r'<select name="days"[^>]*>(.*?)</select>', html, re.S)[1]
    return re.search(r"<option value=\"([^\"]*)\"[^>]*selected>", select)[1]


def test_the_preset_box_names_the_default_period(manager_client):
    html = manager_client.get(DASHBOARD).content.decode()

    assert _selected_preset(html) == "28"


def test_the_preset_box_follows_the_period_shown(manager_client):
    today = timezone.localdate()
    week = manager_client.get(DASHBOARD, {"days": 7})
    custom = manager_client.get(
        DASHBOARD, {"date_from": str(today - timedelta(days=3)), "date_to": str(today)}
    )

    assert _selected_preset(week.content.decode()) == "7"
    assert week.context["dashboard"].filters.days == 7
    assert _selected_preset(custom.content.decode()) == ""
    assert custom.context["dashboard"].filters.days == 4


def test_dates_edited_beside_the_preset_shown_win(manager_client):
    # The form is sent back with the preset it showed (28) and dates the manager changed.
    today = timezone.localdate()
    edited = {"days": 28, "date_from": str(today - timedelta(days=9)), "date_to": str(today)}
    unchanged = {"days": 7, "date_from": str(today - timedelta(days=27)), "date_to": str(today)}

    assert manager_client.get(DASHBOARD, edited).context["dashboard"].filters.days == 10
    # A new preset with the old preset's dates still in the boxes (no script): the preset wins.
    assert manager_client.get(DASHBOARD, unchanged).context["dashboard"].filters.days == 7


def test_weeks_read_as_the_monday_they_commence_in_the_chart_the_table_and_the_csv(
    manager_client, partner, three_resolved
):
    period = {"date_from": "2026-10-26", "date_to": "2026-11-08"}

    page = manager_client.get(DASHBOARD, period)
    export = manager_client.get(EXPORT, period)

    document = lxml.html.fromstring(page.content)
    chart = json.loads(document.get_element_by_id("dashboard-trends").text)
    assert chart["labels"] == ["w/c 26 Oct", "w/c 2 Nov"]
    for table in ("table-flow", "table-breached"):
        weeks = document.xpath(f"//table[@id='{table}']/tbody/tr/th/time")
        assert [(w.text, w.get("datetime")) for w in weeks] == [
            ("w/c 26 Oct", "2026-W44"),
            ("w/c 2 Nov", "2026-W45"),
        ]
    assert "W44" not in " ".join(document.text_content().split())
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    weeks = lines[lines.index([*TREND_COLUMNS_BEFORE, "week"]) + 1 :]
    assert [(week[0], week[1], week[-1]) for week in weeks] == [
        ("2026-W44", "2026-10-26", "w/c 26 Oct 2026"),
        ("2026-W45", "2026-11-02", "w/c 2 Nov 2026"),
    ]
