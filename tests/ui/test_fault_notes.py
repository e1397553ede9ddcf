"""Internal notes on the fault page: a note form beside the comment form, saying which one the
supplier reads; a note is kept, shown on the timeline marked internal, and sends nothing; the
timeline can be filtered by kind, with and without htmx."""

import lxml.html
import pytest

from faults.choices import FaultStatus
from faults.models import Fault, FaultEvent
from faults.models.workspace import FaultNote
from faults.services import (
    Actor,
    CommentEntry,
    SupplierReport,
    fault_add_note,
    fault_apply_supplier_report,
    fault_comment_add,
)
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def make(partner, buyer_identifier, sla_policy):
    def make(status: str) -> Fault:
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
        return bring_to(fault, status)

    return make


def url(fault: Fault, action: str = "") -> str:
    return f"/faults/{fault.buyer_fault_reference}/{action + '/' if action else ''}"


def forms(tree, css_class: str) -> list:
    return tree.xpath(f'//*[@id="fault-actions"]//form[contains(@class, "{css_class}")]')


def timeline(html: str) -> list[tuple[str, str]]:
    """(kind, text) of each timeline entry shown, newest first."""
    tree = lxml.html.fromstring(html)
    return [
        (li.get("data-kind"), li.text_content())
        for li in tree.xpath('//*[@id="fault-timeline"]//li[@data-kind]')
    ]


def test_an_agent_adds_a_note_which_is_shown_internal_and_sends_nothing(agent_client, make):
    fault = make(FaultStatus.IN_PROGRESS)
    sent_before = OutboundMessage.objects.filter(fault=fault).count()

    answer = agent_client.post(url(fault, "note"), {"note-text": "Site contact is Priya, ext 42."})
    page = agent_client.get(answer.url).content.decode()

    assert answer.status_code == 302
    assert [n.text for n in FaultNote.objects.filter(fault=fault)] == [
        "Site contact is Priya, ext 42."
    ]
    kind, text = timeline(page)[0]
    assert kind == "note"
    assert "Internal · not sent to supplier" in text and "Site contact is Priya" in text
    assert "Internal note added (not sent to the supplier)." in page
    assert OutboundMessage.objects.filter(fault=fault).count() == sent_before


def test_the_page_says_a_comment_goes_to_the_supplier_and_a_note_does_not(agent_client, make):
    fault = make(FaultStatus.IN_PROGRESS)
    tree = lxml.html.fromstring(agent_client.get(url(fault)).content)

    [comment] = forms(tree, "action-comment")
    [note] = forms(tree, "action-note")
    assert "Sent to the supplier" in comment.text_content()
    assert comment.xpath(".//label")[0].text_content().startswith("Comment to the supplier")
    assert note.xpath(".//label")[0].text_content().startswith("Internal note")
    assert "never sent to the supplier" in note.text_content()
    # The help text is the field's description, so a screen reader says it too.
    textarea = note.xpath(".//textarea")[0]
    assert "never sent" in tree.get_element_by_id(textarea.get("aria-describedby")).text_content()


def test_a_note_by_htmx_answers_with_the_panel(agent_client, make):
    fault = make(FaultStatus.IN_PROGRESS)
    answer = agent_client.post(url(fault, "note"), {"note-text": "By htmx"}, **HTMX)
    assert answer.status_code == 200
    assert timeline(answer.content.decode())[0][0] == "note"


@pytest.mark.parametrize("text", ["", "   ", "n" * 4001])
def test_a_blank_or_too_long_note_is_refused_with_the_form_shown_again(agent_client, make, text):
    fault = make(FaultStatus.IN_PROGRESS)
    events_before = FaultEvent.objects.filter(fault=fault).count()

    answer = agent_client.post(url(fault, "note"), {"note-text": text})

    assert answer.status_code == 400
    tree = lxml.html.fromstring(answer.content)
    [note] = forms(tree, "action-note")
    assert note.xpath('.//*[@aria-invalid="true"]')
    assert FaultNote.objects.count() == 0
    assert FaultEvent.objects.filter(fault=fault).count() == events_before


def test_a_finished_fault_still_takes_a_note_and_says_why_nothing_else_is_offered(
    agent_client, make
):
    fault = make(FaultStatus.CLOSED)
    page = agent_client.get(url(fault)).content.decode()
    tree = lxml.html.fromstring(page)

    assert forms(tree, "action-note") and not forms(tree, "action-comment")
    assert "nothing more can be done on it" in page
    assert agent_client.post(url(fault, "note"), {"note-text": "RCA: our patch"}).status_code == 302
    assert fault.notes.get().text == "RCA: our patch"


def test_a_manager_gets_no_note_form_and_is_refused(manager_client, make):
    fault = make(FaultStatus.IN_PROGRESS)
    page = manager_client.get(url(fault)).content.decode()
    assert "action-note" not in page
    assert manager_client.post(url(fault, "note"), {"note-text": "x"}).status_code == 403
    assert FaultNote.objects.count() == 0


@pytest.fixture
def busy(make, agent_user):
    """A fault with a comment of ours, one of the supplier's, two notes and status changes."""
    fault = make(FaultStatus.IN_PROGRESS)
    agent = Actor.for_user(agent_user)
    fault_comment_add(fault_id=fault.pk, actor=agent, text="Our question")
    report = SupplierReport(comments=(CommentEntry(text="Their answer", commented_by="seller"),))
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=Actor.partner("M1"))
    fault_add_note(fault_id=fault.pk, text="First note", actor=agent)
    fault_add_note(fault_id=fault.pk, text="Second note", actor=agent)
    return fault


def test_comments_say_whether_they_were_sent_or_received(agent_client, busy):
    comments = [
        text
        for kind, text in timeline(agent_client.get(url(busy)).content.decode())
        if kind == "comment"
    ]
    [theirs] = [text for text in comments if "Their answer" in text]
    [ours] = [text for text in comments if "Our question" in text]
    assert "From supplier" in theirs and "Sent to supplier" not in theirs
    assert "Sent to supplier" in ours and "From supplier" not in ours


def test_the_timeline_filtered_to_notes_shows_only_notes_with_the_counts(agent_client, busy):
    page = agent_client.get(url(busy), {"show": "note"}).content.decode()
    tree = lxml.html.fromstring(page)

    assert [kind for kind, _ in timeline(page)] == ["note", "note"]
    boxes = {
        box.get("value"): box
        for box in tree.xpath('//form[contains(@class, "timeline-filter")]//input[@name="show"]')
    }
    assert boxes["note"].get("checked") is not None
    assert boxes["status"].get("checked") is None
    label = tree.xpath('//label[@for="timeline-show-note"]')[0].text_content()
    assert "Internal notes" in label and "(2)" in label
    ours = timeline(agent_client.get(url(busy), {"show": "ours"}).content.decode())
    ours_label = tree.xpath('//label[@for="timeline-show-ours"]')[0].text_content()
    assert f"({len(ours)})" in ours_label
    # The polled refresh keeps the filter.
    assert tree.get_element_by_id("fault-timeline").get("hx-get").endswith("?show=note")


def test_the_timeline_filter_combines_kinds_and_the_fragment_honours_it(agent_client, busy):
    page = agent_client.get(url(busy, "timeline"), {"show": ["ours", "supplier"]})
    kinds = [kind for kind, _ in timeline(page.content.decode())]
    assert "note" not in kinds and "status" not in kinds
    assert {"comment", "outbound"} <= set(kinds)
    texts = " ".join(text for _, text in timeline(page.content.decode()))
    assert "Our question" in texts and "Their answer" in texts


def test_an_htmx_filter_answers_with_the_timeline_in_the_panel(agent_client, busy):
    answer = agent_client.get(url(busy), {"show": "note"}, **HTMX)
    assert answer.status_code == 200
    assert [kind for kind, _ in timeline(answer.content.decode())] == ["note", "note"]


def test_an_unknown_kind_in_the_filter_shows_everything(agent_client, busy):
    everything = timeline(agent_client.get(url(busy)).content.decode())
    unknown = timeline(agent_client.get(url(busy), {"show": "<b>nope</b>"}).content.decode())
    assert unknown == everything and len(everything) > 4


def test_a_filter_that_matches_nothing_says_so(agent_client, make):
    fault = make(FaultStatus.IN_PROGRESS)
    page = agent_client.get(url(fault), {"show": "exception"}).content.decode()
    assert timeline(page) == []
    assert "Nothing of the kinds picked" in page


def test_an_action_posted_by_htmx_keeps_the_timeline_filtered_as_the_page_was(agent_client, busy):
    page = f"http://testserver{url(busy)}?show=note"
    answer = agent_client.post(
        url(busy, "note"), {"note-text": "Third note"}, HTTP_HX_CURRENT_URL=page, **HTMX
    )
    shown = timeline(answer.content.decode())
    assert [kind for kind, _ in shown] == ["note"] * 3
    assert "Third note" in shown[0][1]
