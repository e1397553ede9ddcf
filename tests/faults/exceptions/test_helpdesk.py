"""Helpdesk tickets linked to exceptions, and the helpdesk's status updates: an agent links and
unlinks a ticket (checked, once, on the timeline); a ticket solved in the helpdesk solves its open
exceptions with the helpdesk's comment, a ticket reopened there reopens what the helpdesk solved
(never what an agent or the sweep solved, never a second open one for a fault and rule); the same
update twice changes and records nothing the second time; bad input and unknown tickets change
nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from faults.choices import ActorKind, EventKind, FaultStatus
from faults.errors import FaultNotFound, FaultValidationError
from faults.exceptions.helpdesk import (
    external_reference_link,
    external_reference_unlink,
    helpdesk_status_update,
)
from faults.exceptions.models import ExternalReference, TicketException, TicketExceptionRule
from faults.exceptions.services import exception_solve, exceptions_sweep
from faults.models import FaultEvent
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def raise_exception(type_name: str = "NO_SUPPLIER_UPDATE", *, fault=None) -> TicketException:
    return TicketException.objects.create(
        fault=fault or FaultFactory(status=FaultStatus.IN_PROGRESS),
        rule=TicketExceptionRule.objects.get(type_name=type_name),
        subject="No update from the supplier for more than 24 hours",
        raised_at=T0,
    )


def timeline(exception: TicketException) -> list[FaultEvent]:
    return list(
        FaultEvent.objects.filter(
            fault=exception.fault, kind=EventKind.EXCEPTION, data__exception_id=exception.pk
        ).order_by("id")
    )


@pytest.fixture
def linked(agent):
    exception = raise_exception()
    external_reference_link(exception_id=exception.pk, identifier="12345", actor=agent)
    return exception


# --- linking ---------------------------------------------------------------------------------


def test_an_agent_links_a_ticket_once_and_the_timeline_says_so(agent, agent_user):
    exception = raise_exception()

    reference, created = external_reference_link(
        exception_id=exception.pk, identifier=" 12345 ", actor=agent
    )
    again, created_again = external_reference_link(
        exception_id=exception.pk, identifier="#12345", actor=agent
    )

    assert created and not created_again and again.pk == reference.pk
    assert (reference.domain, reference.type, reference.identifier) == (
        "zendesk",
        "ticket",
        "12345",
    )
    assert reference.created_by == agent_user
    (event,) = timeline(exception)
    assert event.message == (
        "Helpdesk zendesk ticket 12345 linked to the exception: "
        "No update from the supplier for more than 24 hours."
    )
    assert event.actor_user == agent_user
    assert event.data["external_reference"] == {
        "domain": "zendesk",
        "type": "ticket",
        "identifier": "12345",
    }


def test_the_default_system_is_a_setting(agent, settings):
    settings.HELPDESK_SYSTEM = "freshdesk"
    exception = raise_exception()

    reference, _ = external_reference_link(exception_id=exception.pk, identifier="9", actor=agent)

    assert reference.domain == "freshdesk"


def test_a_pasted_ticket_address_is_taken_as_its_number(agent):
    exception = raise_exception()

    reference, _ = external_reference_link(
        exception_id=exception.pk,
        identifier="https://example.zendesk.com/agent/tickets/4711",
        actor=agent,
    )

    assert reference.identifier == "4711"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"identifier": ""}, "identifier", "Give the ticket's number."),
        ({"identifier": "12 345"}, "identifier", "with no spaces"),
        ({"identifier": "x" * 101}, "identifier", "up to 100"),
        ({"identifier": "1", "domain": "zen desk"}, "domain", "up to 40 letters"),
        ({"identifier": "1", "kind": ""}, "type", "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_links_nothing(agent, fields, field, message):
    exception = raise_exception()

    with pytest.raises(FaultValidationError) as refused:
        external_reference_link(exception_id=exception.pk, actor=agent, **fields)

    assert message in refused.value.errors[field][0]
    assert not ExternalReference.objects.exists()
    assert timeline(exception) == []


def test_linking_to_an_unknown_exception_is_not_found(agent):
    with pytest.raises(FaultNotFound):
        external_reference_link(exception_id=999_999, identifier="1", actor=agent)


def test_an_agent_unlinks_a_ticket_and_the_timeline_keeps_it(agent, linked):
    reference = linked.external_references.get()

    external_reference_unlink(reference_id=reference.pk, actor=agent)

    assert not linked.external_references.exists()
    assert [event.message for event in timeline(linked)][-1] == (
        "Helpdesk zendesk ticket 12345 unlinked from the exception: "
        "No update from the supplier for more than 24 hours."
    )
    with pytest.raises(FaultNotFound):
        external_reference_unlink(reference_id=reference.pk, actor=agent)


# --- the helpdesk's status -------------------------------------------------------------------


def update(status: str, *, reference_id: str = "12345", comment: str = "", now=T0):
    return helpdesk_status_update(
        system="zendesk", reference_id=reference_id, status=status, comment=comment, now=now
    )


@pytest.mark.parametrize("status", ["solved", "closed", "Solved", " CLOSED "])
def test_a_ticket_solved_in_the_helpdesk_solves_its_open_exception(linked, status):
    result = update(status, comment="Supplier confirmed the repair", now=T0 + timedelta(hours=1))

    linked.refresh_from_db()
    assert result.solved == [linked.pk]
    assert linked.solved_at == T0 + timedelta(hours=1)
    assert not linked.solved_automatically  # the helpdesk solved it, not the sweep
    assert linked.solved_reason == "Supplier confirmed the repair"
    event = timeline(linked)[-1]
    assert event.actor_kind == ActorKind.SYSTEM and event.actor_ref == "helpdesk:zendesk"
    assert event.message == (
        f"Exception solved by the helpdesk (zendesk ticket 12345 is {status.strip().lower()}): "
        "No update from the supplier for more than 24 hours: Supplier confirmed the repair"
    )


def test_without_a_comment_the_reason_names_the_ticket(linked):
    update("solved")

    linked.refresh_from_db()
    assert linked.solved_reason == "Solved in zendesk ticket 12345."


def test_every_exception_linked_to_the_ticket_is_solved(agent, linked):
    other = raise_exception("SLA_BREACHED", fault=linked.fault)
    external_reference_link(exception_id=other.pk, identifier="12345", actor=agent)
    unrelated = raise_exception()
    external_reference_link(exception_id=unrelated.pk, identifier="999", actor=agent)

    result = update("solved")

    assert sorted(result.solved) == sorted([linked.pk, other.pk])
    assert TicketException.objects.get(pk=unrelated.pk).solved_at is None


def test_the_same_solved_update_twice_changes_and_records_nothing_the_second_time(linked):
    update("solved", comment="Fixed", now=T0)
    events = len(timeline(linked))

    second = update("solved", comment="Fixed", now=T0 + timedelta(minutes=1))

    linked.refresh_from_db()
    assert second.solved == [] and second.unchanged == [linked.pk]
    assert linked.solved_at == T0
    assert len(timeline(linked)) == events


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("new", "new"),
        ("open", "open"),
        ("pending", "pending"),
        ("hold", "hold"),
        ("Open", "open"),
        ("On-hold", "hold"),
    ],
)
def test_a_ticket_reopened_in_the_helpdesk_reopens_what_the_helpdesk_solved(linked, status, said):
    update("solved", comment="Fixed")

    result = update(status, now=T0 + timedelta(hours=2))

    linked.refresh_from_db()
    assert result.reopened == [linked.pk]
    assert linked.solved_at is None and linked.solved_reason == "" and linked.solved_by is None
    assert timeline(linked)[-1].message.startswith(
        f"Exception reopened by the helpdesk (zendesk ticket 12345 is {said})"
    )
    # Delivered again: nothing more.
    events = len(timeline(linked))
    assert update(status).unchanged == [linked.pk]
    assert len(timeline(linked)) == events


def test_solved_reopened_and_solved_again_follows_the_helpdesk(linked):
    update("solved", comment="first")
    update("open")
    update("closed", comment="second", now=T0 + timedelta(hours=3))

    linked.refresh_from_db()
    assert linked.solved_reason == "second"
    assert [event.data["action"] for event in timeline(linked)] == [
        "helpdesk-linked",
        "helpdesk-solved",
        "helpdesk-reopened",
        "helpdesk-solved",
    ]


def test_what_an_agent_solved_stays_solved_when_the_ticket_reopens(agent, linked):
    exception_solve(exception_id=linked.pk, actor=agent, reason="Rang the supplier")
    events = len(timeline(linked))

    result = update("open")

    linked.refresh_from_db()
    assert result.unchanged == [linked.pk]
    assert linked.solved_reason == "Rang the supplier"
    assert len(timeline(linked)) == events


def test_what_the_sweep_solved_stays_solved_when_the_ticket_reopens(agent):
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        submitted_at=T0 - timedelta(hours=30),
        last_supplier_message_at=T0 - timedelta(hours=25),
    )
    exceptions_sweep(now=T0)
    exception = TicketException.objects.get(fault=fault, rule__type_name="NO_SUPPLIER_UPDATE")
    external_reference_link(exception_id=exception.pk, identifier="12345", actor=agent)
    fault.last_supplier_message_at = T0 + timedelta(minutes=5)
    fault.save(update_fields=["last_supplier_message_at"])
    exceptions_sweep(now=T0 + timedelta(minutes=10))
    exception.refresh_from_db()
    assert exception.solved_automatically

    result = update("open")

    exception.refresh_from_db()
    assert result.unchanged == [exception.pk] and exception.solved_at is not None


def test_a_reopen_never_makes_a_second_open_exception_for_the_fault_and_rule(linked):
    update("solved")
    newer = raise_exception(fault=linked.fault)  # raised again since (same rule)

    result = update("open")

    linked.refresh_from_db()
    assert linked.solved_at is not None
    assert result.reopened == []
    assert result.not_reopened[linked.pk] == (
        f'another "No supplier update" exception is open on this fault (exception {newer.pk}); '
        "only one may be open at a time"
    )
    assert TicketException.objects.filter(fault=linked.fault, solved_at__isnull=True).get() == newer
    said = timeline(linked)[-1]
    assert said.data["action"] == "helpdesk-reopen-refused"
    assert said.message.startswith("Not reopened although zendesk ticket 12345 is open: another")
    # Delivered again: said once.
    update("open")
    assert len([e for e in timeline(linked) if e.data["action"] == "helpdesk-reopen-refused"]) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"status": ""}, "status"),
        ({"system": ""}, "system"),
        ({"reference_id": "  "}, "reference_id"),
    ],
)
def test_bad_updates_are_refused_by_field_and_change_nothing(linked, fields, field):
    arguments = {"system": "zendesk", "reference_id": "12345", "status": "solved", **fields}

    with pytest.raises(FaultValidationError) as refused:
        helpdesk_status_update(**arguments)

    assert field in refused.value.errors
    linked.refresh_from_db()
    assert linked.solved_at is None


def test_an_unknown_status_names_the_accepted_ones(linked):
    with pytest.raises(FaultValidationError) as refused:
        update("archived")

    assert refused.value.errors["status"] == [
        "Unknown status; one of: closed, hold, new, open, pending, solved."
    ]


def test_an_unknown_ticket_is_not_found_and_changes_nothing(linked):
    with pytest.raises(FaultNotFound) as missing:
        update("solved", reference_id="54321")

    assert missing.value.message == "No exception is linked to zendesk ticket 54321."
    with pytest.raises(FaultNotFound):
        helpdesk_status_update(system="freshdesk", reference_id="12345", status="solved")
    linked.refresh_from_db()
    assert linked.solved_at is None


def test_a_long_comment_is_kept_shortened_rather_than_refused(linked):
    update("solved", comment="x" * 10_000)

    linked.refresh_from_db()
    assert len(linked.solved_reason) == 4000 and linked.solved_reason.endswith("…")


def test_a_helpdesk_solve_holds_the_sweep_back_like_an_agents(linked):
    fault = linked.fault
    fault.submitted_at = T0 - timedelta(hours=30)
    fault.last_supplier_message_at = T0 - timedelta(hours=30)
    fault.save(update_fields=["submitted_at", "last_supplier_message_at"])
    update("solved", now=T0)

    exceptions_sweep(now=T0 + timedelta(hours=1))

    assert not TicketException.objects.filter(fault=fault, solved_at__isnull=True).exists()
