"""Internal notes through the API: their own endpoint, apart from the comments; added in any
status, refused when blank, too long or from a reader; never a call to the supplier."""

import pytest

from faults.choices import EventKind, FaultStatus
from faults.models import FaultComment
from faults.models.workspace import FaultNote
from integrations.models import OutboundMessage
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


def notes_url(fault) -> str:
    return f"/api/v1/faults/{fault.buyer_fault_reference}/notes/"


def test_an_agent_adds_and_lists_notes_apart_from_the_comments(agent_api, agent_user, draft):
    fault = bring_to(draft, FaultStatus.IN_PROGRESS)
    sent_before = OutboundMessage.objects.filter(fault=fault).count()

    answer = agent_api.post(notes_url(fault), {"text": "Escalated to Priya."}, format="json")

    assert answer.status_code == 201, answer.content
    assert answer.json()["text"] == "Escalated to Priya."
    assert answer.json()["author"] == agent_user.username
    assert [n["text"] for n in agent_api.get(notes_url(fault)).json()] == ["Escalated to Priya."]
    comments = agent_api.get(f"/api/v1/faults/{fault.buyer_fault_reference}/comments/").json()
    assert comments == []
    assert FaultComment.objects.filter(fault=fault).count() == 0
    assert OutboundMessage.objects.filter(fault=fault).count() == sent_before
    assert len(events(fault, EventKind.NOTE)) == 1


def test_a_closed_fault_takes_a_note(agent_api, draft):
    fault = bring_to(draft, FaultStatus.CLOSED)
    answer = agent_api.post(notes_url(fault), {"text": "RCA done."}, format="json")
    assert answer.status_code == 201


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {"text": "n" * 4001}, {}])
def test_a_blank_or_too_long_note_is_refused_with_the_field_named(agent_api, draft, body):
    answer = agent_api.post(notes_url(draft), body, format="json")
    assert answer.status_code == 400
    assert "text" in answer.json()["error"]["fields"]
    assert FaultNote.objects.count() == 0


def test_an_unknown_field_is_refused(agent_api, draft):
    answer = agent_api.post(notes_url(draft), {"text": "x", "send": True}, format="json")
    assert answer.status_code == 400
    assert FaultNote.objects.count() == 0


def test_a_manager_reads_notes_but_may_not_add_one(manager_api, draft):
    assert manager_api.get(notes_url(draft)).status_code == 200
    assert manager_api.post(notes_url(draft), {"text": "x"}, format="json").status_code == 403
    assert FaultNote.objects.count() == 0


def test_notes_of_an_unknown_fault_are_a_404(agent_api, db):
    assert agent_api.get("/api/v1/faults/NOPE/notes/").status_code == 404
