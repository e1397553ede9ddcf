"""The actions of the detail page: each works from a status that allows it, and from one that
does not it is absent from the page and refused (409) with nothing changed. Managers see no
actions and are refused (403)."""

import re

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faults.choices import FaultStatus
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(partner, buyer_identifier, sla_policy):
    def make(status: str, **fields) -> Fault:
        fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields)
        return bring_to(fault, status)

    return make


def url(fault: Fault, action: str = "") -> str:
    return f"/faults/{fault.buyer_fault_reference}/{action + '/' if action else ''}"


def snapshot(fault: Fault) -> tuple:
    fault.refresh_from_db()
    return (
        fault.status,
        fault.description,
        FaultEvent.objects.filter(fault=fault).count(),
        OutboundMessage.objects.filter(fault=fault).count(),
        FaultComment.objects.filter(fault=fault).count(),
        FaultAttachment.objects.filter(fault=fault).count(),
    )


# (action path, button label on the page, POST data, allowed status, forbidden status)
ACTIONS = [
    ("submit", ">Submit<", {}, "draft", "pending"),
    ("accept-resolution", "Accept resolution", {}, "resolved", "in-progress"),
    ("reject-resolution", "Reject resolution", {"reason": "Still down"}, "resolved", "open"),
    ("request-update", "Request update", {}, "in-progress", "closed"),
    ("cancel", "Cancel fault", {"reason": "Raised by mistake"}, "open", "closed"),
    ("comment", "Add comment", {"text": "Called the customer"}, "in-progress", "cancelled"),
    ("amend", "Save amendment", {"description": "Now a total outage"}, "accepted", "resolved"),
]
EXPECTED = {
    "submit": lambda f: f.status == FaultStatus.PENDING,
    "accept-resolution": lambda f: f.status == FaultStatus.CLOSED,
    "reject-resolution": lambda f: (
        f.status == FaultStatus.REOPENED and f.status_reason == "Still down"
    ),
    "request-update": lambda f: OutboundMessage.objects.filter(
        fault=f, operation="request-update"
    ).exists(),
    "cancel": lambda f: f.status == FaultStatus.CANCELLED,
    "comment": lambda f: f.comments.filter(text="Called the customer").exists(),
    "amend": lambda f: f.description == "Now a total outage",
}


def amend_data(fault: Fault, **changes) -> dict:
    from faults.ui.fault.forms import AmendForm

    form = AmendForm(instance=fault)
    data = {name: form[name].value() for name in form.fields}
    data["fault_start_time"] = fault.fault_start_time.strftime("%Y-%m-%dT%H:%M")
    data["triage_complete"] = "true"
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    return data


@pytest.mark.parametrize(("action", "label", "data", "allowed", "forbidden"), ACTIONS)
def test_action_works_from_an_allowed_status(
    agent_client, make, action, label, data, allowed, forbidden
):
    fault = make(allowed)
    page = agent_client.get(url(fault)).content.decode()
    if action == "amend":
        data = amend_data(fault, **data)

    answer = agent_client.post(url(fault, action), data)

    assert label in page
    assert answer.status_code == 302 and answer["Location"] == url(fault)
    fault.refresh_from_db()
    assert EXPECTED[action](fault)
    assert 'class="success"' in agent_client.get(url(fault)).content.decode()


@pytest.mark.parametrize(("action", "label", "data", "allowed", "forbidden"), ACTIONS)
def test_action_is_absent_and_refused_from_a_forbidden_status(
    agent_client, make, action, label, data, allowed, forbidden
):
    fault = make(forbidden)
    page = agent_client.get(url(fault)).content.decode()
    if action == "amend":
        data = amend_data(fault, **data)
    before = snapshot(fault)

    answer = agent_client.post(url(fault, action), data)

    assert label not in page
    assert answer.status_code == 409
    assert "not allowed" in answer.content.decode()
    assert snapshot(fault) == before


def test_htmx_action_re_renders_the_panel(agent_client, make):
    fault = make("in-progress")

    answer = agent_client.post(url(fault, "comment"), {"text": "Via htmx"}, HTTP_HX_REQUEST="true")

    page = answer.content.decode()
    assert answer.status_code == 200
    assert page.startswith('<div id="fault-panel">') and "Comment added." in page
    assert "Via htmx" in page


def test_reject_resolution_without_a_reason_is_refused(agent_client, make):
    fault = make("resolved")
    before = snapshot(fault)

    answer = agent_client.post(url(fault, "reject-resolution"), {"reason": "  "})

    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    assert snapshot(fault) == before


def test_attach_a_file_from_the_allow_list(agent_client, make):
    fault = make("in-progress")
    upload = SimpleUploadedFile("trace.txt", b"ping 8.8.8.8", content_type="text/plain")

    answer = agent_client.post(url(fault, "attach"), {"file": upload})

    assert answer.status_code == 302
    assert fault.attachments.get().filename == "trace.txt"
    page = agent_client.get(answer["Location"]).content.decode()
    link = re.search(r'<a href="([^"]+)" download>Download trace.txt</a>', page)
    assert link, "the timeline links the file"
    download = agent_client.get(link[1])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"ping 8.8.8.8"


def test_a_suppliers_attachment_link_is_offered_only_when_it_is_a_web_address(agent_client, make):
    fault = make("in-progress")
    fault.attachments.create(filename="photo.jpg", url="https://supplier.example/p/1.jpg")
    fault.attachments.create(filename="odd.jpg", url="javascript:alert(1)")

    page = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()

    assert 'href="https://supplier.example/p/1.jpg"' in page
    assert "javascript:" not in page


def test_a_file_outside_the_allow_list_is_refused(agent_client, make):
    fault = make("in-progress")
    before = snapshot(fault)
    upload = SimpleUploadedFile("<b>evil</b>.exe", b"MZ", content_type="application/octet-stream")

    answer = agent_client.post(url(fault, "attach"), {"file": upload})

    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Files of type &#x27;.exe&#x27; are not accepted." in page
    assert "<b>evil</b>" not in page
    assert snapshot(fault) == before


def test_request_update_before_the_supplier_reference_is_not_offered(agent_client, make):
    fault = make("pending")

    page = agent_client.get(url(fault)).content.decode()
    answer = agent_client.post(url(fault, "request-update"))

    assert "Request update" not in page
    assert answer.status_code == 400
    assert "has not given its reference yet" in answer.content.decode()


def test_a_manager_sees_no_actions_and_is_refused(manager_client, make):
    fault = make("resolved")
    before = snapshot(fault)

    page = manager_client.get(url(fault)).content.decode()
    answers = [
        manager_client.post(url(fault, action), data).status_code
        for action, _label, data, _allowed, _forbidden in ACTIONS
    ]

    assert 'id="fault-actions"' in page
    for label in ("Accept resolution", "Reject resolution", "Add comment", "Cancel fault"):
        assert label not in page
    assert '<form method="post" action="/faults/' not in page
    assert set(answers) == {403}
    assert snapshot(fault) == before


def test_an_action_on_an_unknown_fault_is_a_404(agent_client, db):
    assert agent_client.post("/faults/NOPE/comment/", {"text": "x"}).status_code == 404


def _attach_help(page: bytes) -> tuple[str, list[str], str]:
    """The upload's help text, its list of every accepted type, and its `accept` attribute."""
    document = lxml.html.fromstring(page)
    help_text = document.get_element_by_id("id_file_helptext").text_content()
    listed = document.xpath("//details[summary='Every accepted file type']//li")
    return (
        help_text,
        [item.text_content() for item in listed],
        document.get_element_by_id("id_file").get("accept"),
    )


def test_the_attachment_help_says_the_kinds_of_file_and_lists_every_type_on_demand(
    agent_client, make, settings
):
    # The wall of ~60 extensions was unreadable; the agent reads kinds and the size limit.
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    fault = make("in-progress")

    help_text, listed, accept = _attach_help(agent_client.get(url(fault)).content)

    assert help_text == (
        "Accepted: PDF and Office documents, text and log files, screenshots and images, "
        "packet captures and traces, e-mails, archives, audio and video; at most 20 MB."
    )
    allowed = settings.ATTACHMENT_ALLOWED_EXTENSIONS
    assert {found for item in listed for found in re.findall(r"\.(\w+)", item)} == set(allowed)
    assert listed[0].startswith("Documents: .accdb, .doc, .docx, ")
    assert accept == ",".join(f".{extension}" for extension in allowed)


def test_the_attachment_help_follows_the_configured_types(agent_client, make, settings):
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["png", "pdf", "dwg"]
    fault = make("in-progress")

    help_text, listed, _ = _attach_help(agent_client.get(url(fault)).content)

    assert help_text.startswith("Accepted: PDF and Office documents, screenshots and images, one ")
    assert listed == ["Documents: .pdf", "Images: .png", "Other: .dwg"]
    # The rule itself is the setting's: a type it does not name is still refused.
    upload = SimpleUploadedFile("trace.txt", b"ping", content_type="text/plain")
    assert agent_client.post(url(fault, "attach"), {"file": upload}).status_code == 400
