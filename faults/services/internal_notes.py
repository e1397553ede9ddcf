"""Internal work notes: what an agent writes on a fault for the NOC only.

A note is the opposite of a comment (`faults.services.notes.fault_comment_add`): a comment is
sent to the supplier, a note never leaves the product. So this module asks for no partner call,
writes nothing to the outbox, and its audit row (`EventKind.NOTE`) emits no domain event
(`faults.events.EVENTLESS_KINDS`), so no subscriber (a TMF621 hub, a ticket exchange) is told.
A note is allowed on a finished fault too: what the NOC learnt about a closed fault is still
worth writing down.
"""

from django.db import transaction

from faults.choices import EventKind
from faults.errors import FaultValidationError
from faults.models.fault import TEXT_MAX
from faults.models.workspace import FaultNote
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock
from faults.validators import is_blank


def note_text_check(text: str) -> None:
    """Refuse a blank or too long note with a clear error (before anything is written)."""
    if is_blank(text):
        raise FaultValidationError("A note needs text.", errors={"text": ["Write a note."]})
    if len(text) > TEXT_MAX:
        raise FaultValidationError(
            "The note is too long.",
            errors={"text": [f"At most {TEXT_MAX} characters (it has {len(text)})."]},
        )


@transaction.atomic
def fault_add_note(*, fault_id: int, text: str, actor: Actor) -> FaultNote:
    """Add an internal note to the fault, in any status, and record it on its timeline (at the
    note's own time). Raises FaultValidationError for blank or too long text, FaultNotFound for
    an unknown fault; nothing is written then."""
    note_text_check(text)
    fault = fault_lock(fault_id=fault_id)
    note = FaultNote.objects.create(fault=fault, text=text, author=actor.user)
    fault_event_record(
        fault=fault,
        kind=EventKind.NOTE,
        actor=actor,
        at=note.created_at,
        message=text,
        data={"note_id": note.pk},
    )
    return note
