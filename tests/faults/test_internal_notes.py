"""Internal notes (`fault_add_note`): stored and shown on the audit trail, allowed in every
status, refused when blank or too long, and never a call to the supplier nor a domain event
a partner's subscriber could hear."""

import pytest

from faults import events as domain_events
from faults.choices import EventKind, FaultStatus
from faults.errors import FaultNotFound, FaultValidationError
from faults.models import FaultComment, FaultEvent
from faults.models.workspace import FaultNote
from faults.services import fault_add_note, fault_comment_add
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


def test_a_note_is_stored_with_its_author_and_recorded_on_the_audit_trail(draft, agent, agent_user):
    fault = bring_to(draft, FaultStatus.IN_PROGRESS)
    note = fault_add_note(
        fault_id=fault.pk, text="Customer is a hospital: chase hourly.", actor=agent
    )

    assert (note.fault, note.text, note.author) == (fault, note.text, agent_user)
    [row] = events(fault, EventKind.NOTE)
    assert (row.actor_user, row.message, row.data) == (agent_user, note.text, {"note_id": note.pk})
    assert FaultComment.objects.filter(fault=fault).count() == 0


@pytest.mark.parametrize(
    "status", [FaultStatus.DRAFT, FaultStatus.CLOSED, FaultStatus.CANCELLED, FaultStatus.REJECTED]
)
def test_a_note_is_allowed_on_a_draft_and_on_a_finished_fault(draft, agent, status):
    fault = bring_to(draft, status)
    fault_add_note(fault_id=fault.pk, text="Root cause was our patch panel.", actor=agent)
    assert [n.text for n in fault.notes.all()] == ["Root cause was our patch panel."]


@pytest.mark.parametrize("text", ["", "   \n\t", "\x00\x01", "n" * 4001, None])
def test_a_blank_or_over_long_note_is_refused_and_nothing_is_written(draft, agent, text):
    before = FaultEvent.objects.filter(fault=draft).count()
    with pytest.raises(FaultValidationError) as refused:
        fault_add_note(fault_id=draft.pk, text=text, actor=agent)
    assert "text" in refused.value.errors
    assert FaultNote.objects.count() == 0
    assert FaultEvent.objects.filter(fault=draft).count() == before


def test_a_note_on_an_unknown_fault_is_refused(agent):
    with pytest.raises(FaultNotFound):
        fault_add_note(fault_id=987654, text="Where is it?", actor=agent)


def test_a_note_asks_for_no_supplier_call_and_emits_no_domain_event(draft, agent):
    fault = bring_to(draft, FaultStatus.IN_PROGRESS)
    calls_before = len(events(fault, EventKind.PARTNER_CALL))
    heard = []
    with domain_events.subscribed(heard.append):
        fault_add_note(fault_id=fault.pk, text="Only for us.", actor=agent)
        # The same subscriber does hear a comment: the check above can fail.
        fault_comment_add(fault_id=fault.pk, text="For the supplier.", actor=agent)

    assert [type(event).__name__ for event in heard] == ["CommentAdded"]
    assert len(events(fault, EventKind.PARTNER_CALL)) == calls_before + 1  # the comment's
