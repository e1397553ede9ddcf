"""The agent-side services: each change is validated before anything is written, audited, and
asks for the right supplier call through the partner port."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, PartnerOperation
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from faults.services import (
    Actor,
    CommentEntry,
    SupplierReport,
    fault_accept_resolution,
    fault_amend,
    fault_apply_supplier_report,
    fault_attachment_add,
    fault_cancel,
    fault_comment_add,
    fault_create_draft,
    fault_reject_resolution,
    fault_request_update,
    fault_submit,
)
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory, SlaPolicyFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


def partner_calls(fault) -> list[tuple[str, dict]]:
    return [(e.data["operation"], e.data["payload"]) for e in events(fault, EventKind.PARTNER_CALL)]


def snapshot(fault) -> tuple:
    fault = Fault.objects.get(pk=fault.pk)
    return (
        fault.status,
        fault.updated_at,
        FaultEvent.objects.filter(fault=fault).count(),
        FaultComment.objects.filter(fault=fault).count(),
    )


# --- create ------------------------------------------------------------------------------------
def test_create_draft_uses_the_partners_default_buyer_identifier(partner, buyer_identifier, agent):
    fault = fault_create_draft(
        actor=agent, supplier=partner, service_id="S21709", fault_type="Impaired Service"
    )

    assert fault.status == FaultStatus.DRAFT
    assert fault.buyer_identifier == buyer_identifier
    assert fault.buyer_fault_reference.startswith("NOC-")
    assert len(fault.buyer_fault_reference) <= 36
    assert [e.kind for e in fault.events.all()] == [EventKind.CREATED]
    assert partner_calls(fault) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"buyer_fault_reference": "X" * 37}, "buyer_fault_reference"),
        ({"description": "d" * 4001}, "description"),
        ({"service_id": "   "}, "service_id"),
        ({"priority": 9}, "priority"),
        ({"reporter_email": "not-an-address"}, "reporter_email"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_create_draft_refuses_invalid_fields_and_writes_nothing(
    partner, buyer_identifier, agent, kwargs, field
):
    values = {"service_id": "S1", "fault_type": "Impaired Service", **kwargs}
    with pytest.raises(FaultValidationError) as error:
        fault_create_draft(actor=agent, supplier=partner, **values)

    assert field in error.value.errors
    assert Fault.objects.count() == 0
    assert FaultEvent.objects.count() == 0


def test_create_draft_refuses_another_partners_buyer_identifier(partner, buyer_identifier, agent):
    other = BuyerIdentifierFactory(partner=PartnerFactory(), code="OTHER1")
    with pytest.raises(FaultValidationError):
        fault_create_draft(
            actor=agent, supplier=partner, service_id="S1", fault_type="T", buyer_identifier=other
        )
    assert Fault.objects.count() == 0


def test_children_hang_under_a_parent_but_not_under_a_child(partner, buyer_identifier, agent):
    parent = fault_create_draft(actor=agent, supplier=partner, service_id="S1", fault_type="T")
    child = fault_create_draft(
        actor=agent, supplier=partner, service_id="S2", fault_type="T", parent=parent
    )

    assert list(parent.children.all()) == [child]
    with pytest.raises(FaultValidationError):
        fault_create_draft(
            actor=agent, supplier=partner, service_id="S3", fault_type="T", parent=child
        )


# --- submit ------------------------------------------------------------------------------------
def test_submit_moves_to_pending_and_asks_for_the_raise(draft, agent):
    fault = fault_submit(fault_id=draft.pk, actor=agent)

    assert fault.status == FaultStatus.PENDING
    assert fault.submitted_at is not None
    assert partner_calls(fault) == [(PartnerOperation.RAISE, {})]


def test_submit_refuses_a_fault_missing_what_the_supplier_requires(draft, agent):
    Fault.objects.filter(pk=draft.pk).update(triage_findings="", fault_start_time=None)
    before = snapshot(draft)

    with pytest.raises(FaultValidationError) as error:
        fault_submit(fault_id=draft.pk, actor=agent)

    assert set(error.value.errors) == {"triage_findings", "fault_start_time"}
    assert snapshot(draft) == before


def test_submitting_twice_is_refused(draft, agent):
    fault_submit(fault_id=draft.pk, actor=agent)
    before = snapshot(draft)

    with pytest.raises(TransitionNotAllowed):
        fault_submit(fault_id=draft.pk, actor=agent)
    assert snapshot(draft) == before
    assert len(partner_calls(draft)) == 1


# --- amend -------------------------------------------------------------------------------------
def test_amend_sends_only_the_fields_that_changed(draft, agent):
    fault = bring_to(draft, "in-progress")

    fault_amend(
        fault_id=fault.pk,
        actor=agent,
        changes={
            "description": "Now also no dial tone",
            "priority": fault.priority,
        },
    )

    (amended,) = events(fault, EventKind.AMENDED)
    assert amended.data["changes"] == {
        "description": ["Intermittent loss of sync.", "Now also no dial tone"],
    }
    assert partner_calls(fault)[-1] == (
        PartnerOperation.AMEND,
        {"changes": {"description": "Now also no dial tone"}},
    )


def test_amend_without_a_change_records_nothing(draft, agent):
    fault = bring_to(draft, "accepted")
    before = snapshot(fault)

    fault_amend(fault_id=fault.pk, actor=agent, changes={"priority": fault.priority})

    assert snapshot(fault) == before


def test_a_draft_amends_freely_and_sends_nothing(draft, agent):
    fault_amend(fault_id=draft.pk, actor=agent, changes={"service_id": "S99", "fault_type": "X"})

    draft.refresh_from_db()
    assert (draft.service_id, draft.fault_type) == ("S99", "X")
    assert partner_calls(draft) == []


def test_amend_refuses_keys_of_a_raised_fault_and_invalid_values(draft, agent):
    fault = bring_to(draft, "accepted")
    before = snapshot(fault)

    with pytest.raises(FaultValidationError) as error:
        fault_amend(fault_id=fault.pk, actor=agent, changes={"service_id": "S2"})
    assert "service_id" in error.value.errors
    with pytest.raises(FaultValidationError):
        fault_amend(fault_id=fault.pk, actor=agent, changes={"description": "x" * 4001})
    assert snapshot(fault) == before
    fault.refresh_from_db()
    assert fault.description == "Intermittent loss of sync."


@pytest.mark.parametrize("status", ["resolved", "closed", "rejected", "cancelled"])
def test_amend_is_refused_once_the_fault_is_resolved_or_finished(draft, agent, status):
    fault = bring_to(draft, status)
    with pytest.raises(TransitionNotAllowed):
        fault_amend(fault_id=fault.pk, actor=agent, changes={"description": "late"})


# --- cancel ------------------------------------------------------------------------------------
def test_cancelling_a_draft_sends_nothing(draft, agent):
    fault = fault_cancel(fault_id=draft.pk, actor=agent, reason="Raised by mistake")

    assert fault.status == FaultStatus.CANCELLED
    assert partner_calls(fault) == []


def test_cancelling_a_raised_fault_asks_the_supplier(draft, agent):
    fault = bring_to(draft, "in-progress")
    fault = fault_cancel(fault_id=fault.pk, actor=agent, reason="Customer fixed it")

    assert fault.status == FaultStatus.CANCELLED
    assert fault.sla_state in {"met", "missed"}
    assert partner_calls(fault)[-1] == (PartnerOperation.CANCEL, {"reason": "Customer fixed it"})


@pytest.mark.parametrize("status", ["closed", "rejected", "cancelled"])
def test_cancelling_a_finished_fault_is_refused(draft, agent, status):
    fault = bring_to(draft, status)
    before = snapshot(fault)
    with pytest.raises(TransitionNotAllowed):
        fault_cancel(fault_id=fault.pk, actor=agent)
    assert snapshot(fault) == before


# --- resolution --------------------------------------------------------------------------------
def test_accepting_a_resolution_closes_and_answers_the_supplier(draft, agent):
    fault = bring_to(draft, "resolved")
    fault = fault_accept_resolution(fault_id=fault.pk, actor=agent)

    assert fault.status == FaultStatus.CLOSED
    assert fault.auto_close_due_at is None
    assert partner_calls(fault)[-1] == (PartnerOperation.RESOLUTION_ANSWER, {"accepted": True})


def test_rejecting_a_resolution_needs_a_reason_and_reopens(draft, agent):
    fault = bring_to(draft, "resolved")
    before = snapshot(fault)
    with pytest.raises(FaultValidationError):
        fault_reject_resolution(fault_id=fault.pk, actor=agent, reason="  ")
    assert snapshot(fault) == before

    fault = fault_reject_resolution(fault_id=fault.pk, actor=agent, reason="Still no sync")

    assert fault.status == FaultStatus.REOPENED
    assert fault.status_reason == "Still no sync"
    assert partner_calls(fault)[-1] == (
        PartnerOperation.RESOLUTION_ANSWER,
        {"accepted": False, "reason": "Still no sync"},
    )


@pytest.mark.parametrize("status", ["pending", "in-progress", "closed"])
def test_answering_a_fault_that_is_not_resolved_is_refused(draft, agent, status):
    fault = bring_to(draft, status)
    before = snapshot(fault)
    with pytest.raises(TransitionNotAllowed):
        fault_accept_resolution(fault_id=fault.pk, actor=agent)
    with pytest.raises(TransitionNotAllowed):
        fault_reject_resolution(fault_id=fault.pk, actor=agent, reason="no")
    assert snapshot(fault) == before


# --- comments, attachments, request update -----------------------------------------------------
def test_a_comment_is_stored_audited_and_sent(draft, agent, agent_user):
    fault = bring_to(draft, "in-progress")
    comment = fault_comment_add(fault_id=fault.pk, actor=agent, text="Customer available after 2pm")

    assert (comment.commented_by, comment.author) == ("buyer", agent_user)
    assert events(fault, EventKind.COMMENT)[0].actor_user == agent_user
    assert partner_calls(fault)[-1] == (PartnerOperation.COMMENT, {"comment_id": comment.pk})


def test_an_undated_supplier_comment_repeated_in_every_notification_is_stored_once(draft):
    fault = bring_to(draft, FaultStatus.IN_PROGRESS)
    comment = CommentEntry(text="Engineer booked for tomorrow.", commented_by="seller")
    first = timezone.now()

    for n in range(3):
        fault_apply_supplier_report(
            fault_id=fault.pk,
            report=SupplierReport(sent_at=first + timedelta(minutes=n), comments=(comment,)),
            actor=Actor.partner(f"MSG-{n}"),
        )

    stored = FaultComment.objects.filter(fault=fault)
    assert [c.text for c in stored] == ["Engineer booked for tomorrow."]
    assert len(events(fault, EventKind.COMMENT)) == 1


@pytest.mark.parametrize("text", ["", "   ", "c" * 4001])
def test_a_blank_or_over_long_comment_is_refused(draft, agent, text):
    with pytest.raises(FaultValidationError):
        fault_comment_add(fault_id=draft.pk, actor=agent, text=text)
    assert FaultComment.objects.count() == 0


def test_an_allowed_attachment_is_stored(draft, agent, settings):
    upload = SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1" + b"0" * 100)
    attachment = fault_attachment_add(fault_id=draft.pk, actor=agent, upload=upload)

    assert attachment.filename == "trace.pcap"
    assert attachment.size_bytes == 104
    assert attachment.file.read().startswith(b"\xd4\xc3\xb2\xa1")


@pytest.mark.parametrize("name", ["payload.exe", "page.html", "script.js", "noextension"])
def test_a_disallowed_extension_is_refused(draft, agent, name):
    with pytest.raises(FaultValidationError) as error:
        fault_attachment_add(fault_id=draft.pk, actor=agent, upload=SimpleUploadedFile(name, b"x"))
    assert "file" in error.value.errors
    assert FaultAttachment.objects.count() == 0


def test_an_oversized_attachment_is_refused(draft, agent, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(FaultValidationError) as error:
        fault_attachment_add(
            fault_id=draft.pk, actor=agent, upload=SimpleUploadedFile("big.txt", b"x" * 11)
        )
    assert "limit is 10 bytes" in error.value.errors["file"][0]
    assert FaultAttachment.objects.count() == 0


def test_request_update_needs_a_maintainer_reference(draft, agent):
    pending = bring_to(draft, "pending")
    with pytest.raises(FaultValidationError) as error:
        fault_request_update(fault_id=pending.pk, actor=agent)
    assert "maintainer_fault_reference" in error.value.errors

    fault = bring_to(
        FaultFactory(supplier=draft.supplier, buyer_identifier=draft.buyer_identifier),
        "on-hold",
        start=timezone.now() - timedelta(hours=2),
    )
    fault_request_update(fault_id=fault.pk, actor=agent)
    assert partner_calls(fault)[-1] == (PartnerOperation.REQUEST_UPDATE, {})


def test_amending_the_priority_moves_the_fault_to_that_prioritys_sla_policy(draft, agent):
    urgent = SlaPolicyFactory(partner=draft.supplier, priority=1, target=timedelta(hours=2))
    fault = bring_to(draft, "in-progress")
    assert fault.sla_policy != urgent

    fault_amend(fault_id=fault.pk, actor=agent, changes={"priority": 1})

    fault.refresh_from_db()
    assert fault.sla_policy == urgent
