"""Bulk actions on the fault list: an agent sees a checkbox per row (labelled with the fault) and
the bulk panel, a manager sees neither; the ticked faults, the page or every fault matching the
filters get the action, each through its own service; the run's page shows a result per fault
(done, refused and why) with links, and polls while faults are waiting; bad input changes
nothing and says why."""

from urllib.parse import urlencode

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from faults.choices import FaultStatus
from faults.models import BulkRun, BulkRunItem, Fault
from faults.models.workspace import FaultNote, Team
from faults.roles import AGENT, ensure_role_groups
from faults.services.bulk import bulk_run_start
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def make(partner, buyer_identifier, sla_policy):
    def make(status: str, count: int = 1, **fields) -> list[Fault]:
        return FaultFactory.create_batch(
            count, supplier=partner, buyer_identifier=buyer_identifier, status=status, **fields
        )

    return make


def tree(answer):
    return lxml.html.fromstring(answer.content.decode())


def run_rows(answer) -> dict[str, tuple[str, str]]:
    """Reference -> (result, detail) of the run page's table."""
    rows = tree(answer).xpath('//table[contains(@class, "bulk-results")]/tbody/tr')
    return {
        row.xpath("./th/a")[0].text_content(): (
            row.xpath("./td[3]")[0].text_content().strip(),
            row.xpath("./td[4]")[0].text_content().strip(),
        )
        for row in rows
    }


def test_an_agent_sees_a_labelled_checkbox_per_row_and_the_bulk_panel(agent_client, make):
    faults = make(FaultStatus.IN_PROGRESS, 3)
    page = tree(agent_client.get("/faults/"))

    boxes = page.xpath('//input[@type="checkbox"][@form="bulk-actions"]')
    assert sorted(b.get("aria-label") for b in boxes) == sorted(
        f"Select {f.buyer_fault_reference}" for f in faults
    )
    panel = page.xpath('//form[@id="bulk-actions"]')[0]
    scopes = [label.text_content().strip() for label in panel.xpath(".//fieldset/label")]
    assert scopes == [
        "The faults ticked in the list",
        "All 3 on this page",
        "All 3 matching the filters",
    ]
    assert [o.text for o in panel.xpath('.//select[@name="action"]/option')] == [
        "Request an update",
        "Add an internal note",
        "Assign",
        "Accept the resolution",
        "Cancel",
    ]


def test_a_manager_sees_no_bulk_actions_and_may_not_start_one(manager_client, make):
    fault = make(FaultStatus.IN_PROGRESS)[0]
    page = tree(manager_client.get("/faults/"))
    assert page.xpath('//form[@id="bulk-actions"]') == []
    assert page.xpath('//input[@form="bulk-actions"]') == []

    answer = manager_client.post(
        "/faults/bulk/", {"action": "add_note", "text": "x", "fault": [fault.pk]}
    )
    assert answer.status_code == 403
    assert BulkRun.objects.count() == 0


def test_the_ticked_faults_get_the_action_and_the_run_page_shows_each_result(agent_client, make):
    accepted = make(FaultStatus.ACCEPTED, maintainer_fault_reference="SUP-1")[0]
    draft = make(FaultStatus.DRAFT)[0]
    not_ticked = make(FaultStatus.ACCEPTED, maintainer_fault_reference="SUP-2")[0]

    answer = agent_client.post(
        "/faults/bulk/",
        {"scope": "selected", "action": "request_update", "fault": [accepted.pk, draft.pk]},
    )

    run = BulkRun.objects.get()
    assert answer.status_code == 302
    assert answer.url == f"/faults/bulk/{run.pk}/"
    page = agent_client.get(answer.url)
    rows = run_rows(page)
    assert rows == {
        accepted.buyer_fault_reference: (
            "Done",
            "A full update was requested from Test Supplier.",
        ),
        draft.buyer_fault_reference: (
            "Refused",
            f"Fault {draft.buyer_fault_reference} is draft: 'request_update' is not allowed "
            "from draft.",
        ),
    }
    assert not_ticked.buyer_fault_reference not in rows
    # The refused first: what the agent has to look at again.
    assert list(rows) == [draft.buyer_fault_reference, accepted.buyer_fault_reference]
    counts = tree(page).xpath('//*[@id="bulk-counts"]')[0].text_content()
    assert counts == "1 done · 1 refused · 0 waiting, of 2"
    links = tree(page).xpath('//table[contains(@class, "bulk-results")]//a/@href')
    assert f"/faults/{accepted.buyer_fault_reference}/" in links
    # Finished: the part no longer polls.
    assert tree(page).xpath('//*[@id="bulk-run"]/@hx-trigger') == []


def test_all_matching_the_filters_takes_every_matching_fault_not_only_the_page(
    agent_client, make, settings
):
    settings.FAULT_LIST_PAGE_SIZE = 2
    resolved = make(FaultStatus.RESOLVED, 5)
    other = make(FaultStatus.IN_PROGRESS)[0]
    filters = urlencode({"status": "resolved"})

    answer = agent_client.post(
        "/faults/bulk/", {"scope": "filter", "filters": filters, "action": "accept_resolution"}
    )

    assert answer.status_code == 302
    run = BulkRun.objects.get()
    assert set(BulkRunItem.objects.filter(run=run).values_list("fault_id", flat=True)) == {
        f.pk for f in resolved
    }
    assert Fault.objects.filter(status="closed").count() == 5
    other.refresh_from_db()
    assert other.status == "in-progress"


def test_this_page_takes_the_faults_the_page_showed(agent_client, make):
    faults = make(FaultStatus.IN_PROGRESS, 2)
    page = tree(agent_client.get("/faults/"))
    page_ids = page.xpath('//form[@id="bulk-actions"]//input[@name="page_fault"]/@value')
    assert sorted(int(pk) for pk in page_ids) == sorted(f.pk for f in faults)

    agent_client.post(
        "/faults/bulk/",
        {"scope": "page", "page_fault": page_ids, "action": "add_note", "text": "Storm."},
    )

    assert FaultNote.objects.filter(text="Storm.").count() == 2


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"scope": "selected", "action": "request_update"}, "Select at least one fault."),
        ({"fault": "ID", "action": "add_note", "text": " "}, "A note needs text."),
        ({"fault": "ID", "action": "cancel", "reason": ""}, "Cancelling needs a reason"),
        ({"fault": "ID", "action": "explode"}, "Choose an action to apply."),
        ({"fault": "ID", "scope": "everything", "action": "add_note"}, "Choose which faults"),
        ({"fault": "1; DROP", "action": "request_update"}, "The selection could not be read"),
        (
            {"scope": "filter", "filters": "priority=9", "action": "request_update"},
            "The list&#x27;s filters could not be read",
        ),
    ],
)
def test_bad_input_changes_nothing_and_says_why(agent_client, make, form, message):
    fault = make(FaultStatus.IN_PROGRESS)[0]
    form = {key: fault.pk if value == "ID" else value for key, value in form.items()}

    answer = agent_client.post("/faults/bulk/", {"text": "ok", **form})

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert "Nothing was applied to any fault." in answer.content.decode()
    assert BulkRun.objects.count() == 0
    assert FaultNote.objects.count() == 0


def test_a_run_with_faults_waiting_polls_and_its_fragment_counts_them(
    agent_client, agent, make, settings
):
    settings.BULK_INLINE_MAX = 1
    faults = make(FaultStatus.IN_PROGRESS, 3)
    run = bulk_run_start(
        action="add_note", fault_ids=[f.pk for f in faults], actor=agent, params={"text": "a"}
    )

    page = tree(agent_client.get(f"/faults/bulk/{run.pk}/"))
    assert page.xpath('//*[@id="bulk-run"]/@hx-trigger') == ["every 2s"]
    assert page.xpath('//*[@id="bulk-run"]//progress/@max') == ["3"]

    fragment = agent_client.get(f"/faults/bulk/{run.pk}/", **HTMX).content.decode()
    assert "<h1" not in fragment
    assert "0</strong> done · <strong>0</strong> refused · <strong>3</strong> waiting" in fragment


def test_assign_from_the_list_to_a_colleague_and_a_team(agent_client, agent_user, make):
    colleague = get_user_model().objects.create_user(username="priya")
    colleague.groups.add(ensure_role_groups()[AGENT])
    night = Team.objects.create(name="Night")
    night.members.add(colleague)
    faults = make(FaultStatus.IN_PROGRESS, 2)
    panel = tree(agent_client.get("/faults/")).xpath('//form[@id="bulk-actions"]')[0]
    assert "priya" in panel.xpath('.//select[@name="owner"]/option/text()')
    assert "Night" in panel.xpath('.//select[@name="team"]/option/text()')

    answer = agent_client.post(
        "/faults/bulk/",
        {
            "action": "assign",
            "fault": [f.pk for f in faults],
            "owner": colleague.pk,
            "team": night.pk,
        },
    )

    rows = run_rows(agent_client.get(answer.url))
    assert set(rows.values()) == {("Done", "Owner: priya; team: Night.")}
    assert set(Fault.objects.values_list("owner__username", "team__name")) == {("priya", "Night")}


def test_an_unknown_run_is_a_404(agent_client):
    assert agent_client.get("/faults/bulk/999999/").status_code == 404
