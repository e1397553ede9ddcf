"""Every figure on the SLA dashboard and the wallboard links to the fault list filtered to the
faults behind it: following each link, the list's count is the figure. The figures are walked
on the rendered pages, not picked: a figure cell without a link fails."""

import re

import lxml.html
import pytest
from django.urls import reverse

from faults.contributions import WallboardFigure, contributions
from faults.worklists import Milestone
from tests.ui.click_through_data import PERIOD, build_click_through_faults

pytestmark = pytest.mark.django_db
DASH = "\N{EN DASH}"


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


LINK = f".//a[{has_class('figure-link')}]"
DASHBOARD = reverse("sla-dashboard")
WALLBOARD = reverse("wallboard")


@pytest.fixture
def faults(db):
    return build_click_through_faults()


def list_count(client, url: str) -> int:
    """The total the fault list says it found ("Faults 1-50 of 83" or "No faults match")."""
    response = client.get(url)
    assert response.status_code == 200, url
    said = lxml.html.fromstring(response.content).get_element_by_id("fault-count").text_content()
    found = re.search(r"of (\d+)", said)
    assert found or "No faults match" in said, said
    return int(found[1]) if found else 0


def follow_every_link(client, links) -> int:
    """Follow each figure link; the list's count is the link's count (and, for a count figure,
    its text). Returns how many were followed."""
    for link in links:
        count = int(link.get("data-count"))
        label = link.get("aria-label")
        text = link.text_content().strip()
        assert label.startswith(text), (label, text)  # the accessible name says what is seen
        assert label.endswith("open the list")
        if text.isdigit():
            assert int(text) == count, label
        assert list_count(client, link.get("href")) == count, (label, link.get("href"))
    return len(links)


def dashboard_figures(html):
    """Every figure cell of the dashboard: the totals' cards, every number of its tables, the
    weekly trends; each must hold a link, but for the contributed counts of other things than
    faults (missed appointments)."""
    cells = html.xpath(
        f"//*[{has_class('cards')}]//*[{has_class('figure')}]"
        f" | //table[{has_class('noc-table')}]//td[{has_class('num')}]"
    )
    assert cells
    linked = []
    for cell in cells:
        if cell.get("data-not-faults") is not None:
            continue
        found = cell.xpath(LINK)
        assert len(found) == 1, lxml.html.tostring(cell)
        linked.extend(found)
    return linked


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()},
        {},  # the default period (the last 28 days)
        {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat(), "priority": 4},
    ],
    ids=["period-over-the-clock-change", "default-28-days", "one-priority"],
)
def test_every_dashboard_figure_opens_the_list_of_its_faults(manager_client, faults, query):
    response = manager_client.get(DASHBOARD, query)
    html = lxml.html.fromstring(response.content)

    links = dashboard_figures(html)

    assert follow_every_link(manager_client, links) == len(links)
    assert len(links) > 60  # three suppliers' rows, their totals and the weeks
    total = response.context["dashboard"].total
    assert total.breached and total.at_risk and total.open_total
    if query:  # the data set's milestones are in this period
        assert total.resolved and total.rejected


def test_the_dashboard_for_one_supplier_links_its_faults_only(manager_client, faults):
    supplier = faults[0].supplier
    response = manager_client.get(
        DASHBOARD,
        {
            "date_from": PERIOD[0].isoformat(),
            "date_to": PERIOD[1].isoformat(),
            "supplier": supplier.pk,
        },
    )
    links = dashboard_figures(lxml.html.fromstring(response.content))

    assert follow_every_link(manager_client, links) == len(links)
    assert all(f"supplier={supplier.slug}" in link.get("href") for link in links)


def test_a_figure_is_named_for_what_it_counts(manager_client, faults):
    response = manager_client.get(
        DASHBOARD, {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}
    )
    row = next(r for r in response.context["dashboard"].rows if r.supplier_name == "Alpha Fibre")

    assert row.links["rejected"].label == (
        f"{row.rejected} raises rejected for Alpha Fibre, P{row.priority}, 25 Oct{DASH}7 Nov: "
        "open the list"
    )
    assert row.links["breached"].label.endswith(f"P{row.priority}, now: open the list")


def test_every_wallboard_figure_opens_the_list_of_its_faults(manager_client, faults):
    html = lxml.html.fromstring(manager_client.get(WALLBOARD).content)
    contributed = {figure.key for figure in contributions(WallboardFigure)}
    cards = html.xpath(f"//article[{has_class('wallboard-card')}]")
    links = []
    for card in cards:
        found = card.xpath(LINK)
        if card.get("data-figure") in contributed:  # messages, not faults
            assert not found
            continue
        assert len(found) == 1, card.get("data-figure")
        links.extend(found)

    assert follow_every_link(manager_client, links) == len(links) == len(cards) - len(contributed)
    assert sum(int(link.get("data-count")) for link in links) > 0


def test_the_list_filters_by_a_milestone_in_london_days(manager_client, faults):
    """The period starts at midnight BST (23:00 UTC the day before) and ends at midnight GMT."""
    url = reverse("fault-list")
    asked = {"milestone": Milestone.SUBMITTED, "milestone_from": "2026-10-25"}

    inside = list_count(
        manager_client,
        f"{url}?milestone=submitted&milestone_from=2026-10-25&milestone_to=2026-11-07",
    )
    from_start = list_count(
        manager_client, url + "?" + "&".join(f"{k}={v}" for k, v in asked.items())
    )
    everything = list_count(manager_client, f"{url}?milestone=submitted")

    # Of the eight instants, the first is the day before and the last the day after.
    assert 0 < inside < from_start < everything


def test_a_period_without_its_milestone_is_refused_with_a_reason(manager_client, faults):
    response = manager_client.get(reverse("fault-list"), {"milestone_from": "2026-10-25"})

    assert response.status_code == 400
    assert "Choose what the period" in response.content.decode()
