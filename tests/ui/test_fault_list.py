"""The fault list: every filter narrows it, search finds by each field, columns sort both ways,
pages keep the filters, the count is capped, bad input is explained (never a 500), and the
CSV export streams the filtered rows with formula cells neutralised."""

import csv
import io
import re
from datetime import timedelta

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from faults.models import Fault
from faults.worklists import CappedCount
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_fault(partner, buyer_identifier):
    def make(status: str = "draft", *, created_days_ago: float | None = None, **fields):
        fault = bring_to(
            FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields), status
        )
        if created_days_ago is not None:
            created = timezone.now() - timedelta(days=created_days_ago)
            Fault.objects.filter(pk=fault.pk).update(created_at=created)
            fault.refresh_from_db()
        return fault

    return make


# A row's reference, after an agent's selection checkbox (bulk actions) when there is one.
ROW = r'<tr>\s*(?:<td class="select">.*?</td>\s*)?<td><a href="/faults/([^/"]+)/">'


def listed(answer) -> list[str]:
    """The buyer references of the rows, in order."""
    assert answer.status_code == 200, answer.content.decode()[:2000]
    return re.findall(ROW, answer.content.decode())


def refs(*faults: Fault) -> list[str]:
    return [f.buyer_fault_reference for f in faults]


# --- the list -----------------------------------------------------------------------------


def test_every_role_sees_the_list_newest_first(agent_client, manager_client, make_fault):
    older = make_fault(created_days_ago=2)
    newer = make_fault(created_days_ago=1)

    for client in (agent_client, manager_client):
        assert listed(client.get("/faults/")) == refs(newer, older)


def test_rows_take_a_constant_number_of_queries(agent_client, partner, make_fault):
    other_supplier = PartnerFactory()
    parent = make_fault()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get("/faults/").status_code == 200
        return len(captured)

    make_fault(parent=parent)
    few = queries()
    for _ in range(6):
        make_fault(parent=parent)
        FaultFactory(
            supplier=other_supplier, buyer_identifier=BuyerIdentifierFactory(partner=other_supplier)
        )

    assert queries() == few


def test_the_list_never_counts_the_whole_table(agent_client, make_fault):
    make_fault()

    with CaptureQueriesContext(connection) as captured:
        assert agent_client.get("/faults/").status_code == 200

    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the list shows how many faults there are"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


# --- filters ------------------------------------------------------------------------------


def test_status_filter_takes_several_statuses(agent_client, make_fault):
    draft = make_fault("draft")
    pending = make_fault("pending")
    make_fault("accepted")

    answer = agent_client.get("/faults/", {"status": ["draft", "pending"]})

    assert sorted(listed(answer)) == sorted(refs(draft, pending))


def test_supplier_filter(agent_client, make_fault):
    ours = make_fault()
    elsewhere = PartnerFactory(slug="other-supplier", name="Other Supplier")
    FaultFactory(supplier=elsewhere, buyer_identifier=BuyerIdentifierFactory(partner=elsewhere))

    assert listed(agent_client.get("/faults/", {"supplier": "test-supplier"})) == refs(ours)


def test_priority_filter(agent_client, make_fault):
    urgent = make_fault(priority=1)
    make_fault(priority=4)

    assert listed(agent_client.get("/faults/", {"priority": "1"})) == refs(urgent)


def test_fault_type_filter_ignores_case(agent_client, make_fault):
    outage = make_fault(fault_type="Service Outage")
    make_fault(fault_type="Impaired Service")

    assert listed(agent_client.get("/faults/", {"fault_type": "service outage"})) == refs(outage)


def test_sla_state_filter(agent_client, make_fault, sla_policy):
    running = make_fault("in-progress")
    make_fault("draft")

    assert running.sla_state == "running"
    assert listed(agent_client.get("/faults/", {"sla_state": "running"})) == refs(running)


def test_created_date_range_includes_both_days(agent_client, make_fault):
    make_fault(created_days_ago=10)
    inside_early = make_fault(created_days_ago=5)
    inside_late = make_fault(created_days_ago=3)
    make_fault(created_days_ago=0)
    day = timezone.localdate

    answer = agent_client.get(
        "/faults/",
        {
            "created_from": day(inside_early.created_at).isoformat(),
            "created_to": day(inside_late.created_at).isoformat(),
        },
    )

    assert listed(answer) == refs(inside_late, inside_early)


def test_parent_reference_and_family_filters(agent_client, make_fault):
    parent = make_fault()
    child = make_fault(parent=parent)
    other_parent = make_fault()
    other_child = make_fault(parent=other_parent)
    loner = make_fault()

    by_parent = agent_client.get("/faults/", {"parent": parent.buyer_fault_reference})
    parents = agent_client.get("/faults/", {"family": "parents"})
    children = agent_client.get("/faults/", {"family": "children"})
    standalone = agent_client.get("/faults/", {"family": "standalone"})

    assert listed(by_parent) == refs(child)
    assert listed(parents) == refs(other_parent, parent)
    assert listed(children) == refs(other_child, child)
    assert listed(standalone) == refs(loner)


def test_only_mine(agent_client, agent_user, manager_user, make_fault):
    mine = make_fault(created_by=agent_user)
    make_fault(created_by=manager_user)

    assert listed(agent_client.get("/faults/", {"mine": "on"})) == refs(mine)


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("buyer_fault_reference", "NOC-FIND-ME-1", "find-me"),
        ("maintainer_fault_reference", "CS99887766", "99887766"),
        ("service_id", "OLT-SERVICE-4242", "service-4242"),
        ("fault_location", "Unit 7, Quarry Road", "quarry"),
    ],
)
def test_search_finds_by_each_field(agent_client, make_fault, field, value, query):
    wanted = make_fault()
    Fault.objects.filter(pk=wanted.pk).update(**{field: value})
    wanted.refresh_from_db()
    make_fault()

    assert listed(agent_client.get("/faults/", {"q": query})) == refs(wanted)


def test_filters_combine(agent_client, make_fault):
    wanted = make_fault("pending", priority=1)
    make_fault("pending", priority=2)
    make_fault("draft", priority=1)

    answer = agent_client.get("/faults/", {"status": "pending", "priority": "1"})

    assert listed(answer) == refs(wanted)


# --- sorting ------------------------------------------------------------------------------


def test_sort_toggles_ascending_and_descending_with_aria_sort(agent_client, make_fault):
    low = make_fault(priority=5)
    high = make_fault(priority=1)
    mid = make_fault(priority=3)

    ascending = agent_client.get("/faults/", {"sort": "priority", "status": "draft"})
    descending = agent_client.get("/faults/", {"sort": "-priority", "status": "draft"})

    assert listed(ascending) == refs(high, mid, low)
    assert listed(descending) == refs(low, mid, high)
    header = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', ascending.text, re.S)
    assert header and "Priority" in header[1]
    # A click on the sorted header asks for the other direction, keeping the filters
    assert 'href="/faults/?sort=-priority&amp;status=draft"' in header[1]
    assert 'aria-sort="descending"' in descending.text


def test_default_order_marks_created_descending(agent_client, make_fault):
    make_fault()

    page = agent_client.get("/faults/").text

    header = re.search(r'<th scope="col" aria-sort="descending">(.*?)</th>', page, re.S)
    assert header and "Created" in header[1]
    assert page.count("aria-sort=") == 1


# --- pages and the capped count -----------------------------------------------------------


def test_pagination_keeps_the_filters(settings, agent_client, make_fault):
    settings.FAULT_LIST_PAGE_SIZE = 2
    drafts = [make_fault(created_days_ago=days) for days in (1, 2, 3, 4, 5)]
    make_fault("pending")

    first = agent_client.get("/faults/", {"status": "draft"})
    next_link = re.search(r'<a href="([^"]+)"[^>]*rel="next"', first.text)[1]
    second = agent_client.get(next_link.replace("&amp;", "&"))

    assert listed(first) == refs(*drafts[:2])
    assert "status=draft" in next_link and "page=2" in next_link
    assert listed(second) == refs(*drafts[2:4])
    assert "Faults 3\N{EN DASH}4 of 5" in second.text
    # A page past the end shows the last page
    assert listed(agent_client.get("/faults/", {"status": "draft", "page": "99"})) == refs(
        drafts[4]
    )


def test_the_count_is_capped(settings, agent_client, make_fault):
    settings.FAULT_LIST_COUNT_CAP = 3
    settings.FAULT_LIST_PAGE_SIZE = 2
    for _ in range(5):
        make_fault()

    page = agent_client.get("/faults/").text

    assert "Faults 1\N{EN DASH}2 of 3+" in page
    assert "of 5" not in page


def test_the_exact_count_is_shown_under_the_cap(settings, agent_client, make_fault):
    settings.FAULT_LIST_COUNT_CAP = 3
    for _ in range(3):
        make_fault()

    page = agent_client.get("/faults/").text

    assert "Faults 1\N{EN DASH}3 of 3" in page
    assert "of 3+" not in page


# --- htmx and bad input -------------------------------------------------------------------


def test_htmx_filtering_answers_only_the_results(agent_client, make_fault):
    pending = make_fault("pending")
    make_fault("draft")

    page = agent_client.get("/faults/").text
    answer = agent_client.get("/faults/", {"status": "pending"}, headers={"HX-Request": "true"})

    assert "<html" not in answer.text
    assert 'id="fault-filters"' not in answer.text
    assert listed(answer) == refs(pending)
    assert 'hx-get="/faults/"' in page and 'hx-push-url="true"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"priority": "abc"}, "Priority"),
        ({"created_from": "not-a-date"}, "Enter a valid date"),
        ({"created_from": "2026-02-10", "created_to": "2026-02-01"}, "end date is before"),
        ({"status": "bogus"}, "Select a valid choice"),
        ({"supplier": "no-such-supplier"}, "Supplier"),
        ({"sort": "evil"}, "not a column the list can be sorted by"),
        ({"q": "x" * 500}, "Search"),
        ({"parent": "bad\x00ref"}, "Null characters are not allowed"),
    ],
)
def test_bad_filter_values_are_explained_not_a_500(agent_client, make_fault, params, message):
    make_fault()

    answer = agent_client.get("/faults/", params)

    assert answer.status_code == 400
    assert message in answer.text
    assert 'role="alert"' in answer.text


@pytest.mark.parametrize(
    ("params", "control", "message"),
    [
        ({"created_from": "not-a-date"}, "id_created_from", "Enter a valid date."),
        ({"priority": "abc"}, "id_priority", "Select a valid choice."),
        ({"status": "bogus"}, "id_status_0", "Select a valid choice."),
    ],
)
def test_a_filter_error_is_said_once_in_the_summary_which_links_to_the_field(
    agent_client, make_fault, params, control, message
):
    make_fault()
    name = next(iter(params))

    page = lxml.html.fromstring(agent_client.get("/faults/", params).content)

    text = " ".join(page.text_content().split())
    assert text.count(message) == 1, text
    (line,) = page.xpath("//*[contains(@class, 'filter-errors')]//li")
    assert line.get("id") == f"id_{name}_error"
    assert line.xpath(".//a/@href") == [f"#{control}"]
    assert message in line.text_content()
    # The field is marked, and names the summary's line as what describes it.
    (field,) = page.xpath(f"//form[@id='fault-filters']//*[@id='{control}']")
    assert field.get("aria-invalid") == "true"
    described = field if field.get("type") != "checkbox" else field.xpath("ancestor::fieldset")[0]
    assert f"id_{name}_error" in described.get("aria-describedby", "").split()
    assert not page.xpath("//form[@id='fault-filters']//*[contains(@class, 'errorlist')]")


def test_an_unknown_sort_still_lists_in_the_default_order(agent_client, make_fault):
    older = make_fault(created_days_ago=2)
    newer = make_fault(created_days_ago=1)

    answer = agent_client.get("/faults/", {"sort": "evil;drop table"})

    rows = re.findall(ROW, answer.text)
    assert rows == refs(newer, older)


def test_a_bad_page_number_shows_the_first_page(agent_client, make_fault):
    fault = make_fault()

    assert listed(agent_client.get("/faults/", {"page": "abc"})) == refs(fault)
    assert listed(agent_client.get("/faults/", {"page": "-3"})) == refs(fault)


def test_user_text_is_escaped(agent_client, make_fault):
    make_fault(service_id="<img src=x onerror=alert(1)>")

    page = agent_client.get("/faults/", {"q": "<b>"}).text + agent_client.get("/faults/").text

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>" not in page


# --- CSV export ---------------------------------------------------------------------------


def read_csv(answer) -> list[list[str]]:
    assert answer.status_code == 200
    assert answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_export_has_a_header_and_only_the_filtered_rows(agent_client, make_fault):
    wanted = make_fault("pending", priority=1)
    make_fault("pending", priority=2)
    make_fault("draft", priority=1)

    rows = read_csv(agent_client.get("/faults/export.csv", {"status": "pending", "priority": 1}))

    assert rows[0][:3] == ["Buyer reference", "Supplier's reference", "Parent"]
    assert [row[0] for row in rows[1:]] == refs(wanted)
    assert "attachment" in agent_client.get("/faults/export.csv")["Content-Disposition"]


def test_export_is_the_whole_list_not_one_page(settings, agent_client, make_fault):
    settings.FAULT_LIST_PAGE_SIZE = 2
    settings.FAULT_LIST_COUNT_CAP = 2
    faults = [make_fault() for _ in range(5)]

    rows = read_csv(agent_client.get("/faults/export.csv"))

    assert sorted(row[0] for row in rows[1:]) == sorted(refs(*faults))


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_export_neutralises_formula_cells(agent_client, make_fault, formula):
    make_fault(fault_location=formula)

    rows = read_csv(agent_client.get("/faults/export.csv"))

    location = rows[0].index("Location")
    assert rows[1][location] == "'" + formula


def test_export_refuses_bad_filters(agent_client, make_fault):
    make_fault()

    answer = agent_client.get("/faults/export.csv", {"created_to": "not-a-date"})

    assert answer.status_code == 400
    assert "created_to" in answer.content.decode()


def test_a_capped_count_reads_like_ten_thousand_plus():
    assert str(CappedCount(10_001, 10_000)) == "10\N{NO-BREAK SPACE}000+"
    assert str(CappedCount(9_999, 10_000)) == "9\N{NO-BREAK SPACE}999"
