"""Bulk runs (`faults.services.bulk`): a result per fault, done or refused with the service's
reason; a refused fault never stops the others; a re-delivered task applies no fault twice; bad
input is refused before anything is written."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.errors import FaultValidationError
from faults.models import BulkRun, BulkRunItem, Fault, FaultEvent
from faults.models.bulk import BulkAction, BulkItemState
from faults.models.workspace import FaultNote, Team
from faults.roles import AGENT, ensure_role_groups
from faults.services.bulk import (
    bulk_item_apply,
    bulk_run_apply,
    bulk_run_start,
    bulk_runs_resume,
)
from faults.tasks import apply_bulk_run
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


def faults_in(status: str, count: int, partner, buyer_identifier, **extra) -> list[Fault]:
    return FaultFactory.create_batch(
        count, supplier=partner, buyer_identifier=buyer_identifier, status=status, **extra
    )


def results(run: BulkRun) -> dict[int, tuple[str, str]]:
    return {i.fault_id: (i.state, i.message) for i in BulkRunItem.objects.filter(run=run)}


def test_a_run_over_500_faults_gives_a_result_per_fault_and_refusals_stop_nothing(
    partner, buyer_identifier, sla_policy, agent, django_capture_on_commit_callbacks
):
    resolved = faults_in(FaultStatus.RESOLVED, 460, partner, buyer_identifier)
    working = faults_in(FaultStatus.IN_PROGRESS, 40, partner, buyer_identifier)
    # Interleaved, so refusals fall among the accepted faults, not after them.
    ids = [f.pk for pair in zip(resolved[:40], working, strict=True) for f in pair]
    ids += [f.pk for f in resolved[40:]]

    with django_capture_on_commit_callbacks() as published:
        run = bulk_run_start(
            action=BulkAction.ACCEPT_RESOLUTION, fault_ids=ids, actor=agent, params={}
        )
    # More than the inline limit: nothing applied yet, one task asked for after the commit.
    assert len(published) == 1
    assert set(BulkRunItem.objects.filter(run=run).values_list("state", flat=True)) == {"pending"}

    counts = apply_bulk_run(run.pk)  # what the worker runs

    assert counts == {"done": 460, "refused": 40, "pending": 0}
    by_fault = results(run)
    assert len(by_fault) == 500
    for fault in resolved:
        assert by_fault[fault.pk] == ("done", "Resolution accepted; the fault is closed.")
    for fault in working:
        state, message = by_fault[fault.pk]
        assert state == "refused"
        assert message == (
            f"Fault {fault.buyer_fault_reference} is in-progress: 'accept_resolution' is not "
            "allowed from in-progress."
        )
    assert Fault.objects.filter(pk__in=[f.pk for f in resolved], status="closed").count() == 460
    assert Fault.objects.filter(pk__in=[f.pk for f in working], status="in-progress").count() == 40
    run.refresh_from_db()
    assert run.finished_at is not None


def test_a_task_delivered_again_applies_no_fault_twice(
    partner, buyer_identifier, sla_policy, agent, settings
):
    settings.BULK_INLINE_MAX = 5
    faults = faults_in(FaultStatus.IN_PROGRESS, 12, partner, buyer_identifier)
    run = bulk_run_start(
        action=BulkAction.ADD_NOTE,
        fault_ids=[f.pk for f in faults],
        actor=agent,
        params={"text": "Power cut in the area."},
    )
    # The first delivery stops after four faults (its worker was lost) ...
    for item in BulkRunItem.objects.filter(run=run).order_by("pk")[:4]:
        bulk_item_apply(item_id=item.pk, run=run, actor=agent)
    # ... and is delivered again, then once more.
    apply_bulk_run(run.pk)
    apply_bulk_run(run.pk)

    for fault in faults:
        assert FaultNote.objects.filter(fault=fault).count() == 1
        assert FaultEvent.objects.filter(fault=fault, kind=EventKind.NOTE).count() == 1
    assert {state for state, _ in results(run).values()} == {"done"}


def test_a_small_run_is_applied_at_once_each_fault_through_its_own_service(
    partner, buyer_identifier, sla_policy, agent
):
    accepted = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted"
    )
    draft = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    no_reference = faults_in(FaultStatus.PENDING, 1, partner, buyer_identifier)[0]
    calls_before = FaultEvent.objects.filter(kind=EventKind.PARTNER_CALL).count()

    run = bulk_run_start(
        action=BulkAction.REQUEST_UPDATE,
        fault_ids=[accepted.pk, draft.pk, no_reference.pk],
        actor=agent,
    )

    by_fault = results(run)
    assert by_fault[accepted.pk] == ("done", "A full update was requested from Test Supplier.")
    assert by_fault[draft.pk][0] == "refused"
    assert "'request_update' is not allowed from draft" in by_fault[draft.pk][1]
    assert by_fault[no_reference.pk] == (
        "refused",
        "The supplier has not given its reference yet; an update can be requested once the "
        "fault is accepted.",
    )
    # One request to the supplier: the accepted fault's, none for the refused ones.
    calls = FaultEvent.objects.filter(kind=EventKind.PARTNER_CALL)
    assert calls.count() == calls_before + 1
    assert calls.order_by("-id").first().fault_id == accepted.pk
    run.refresh_from_db()
    assert run.finished_at is not None


def test_cancel_sends_the_reason_and_a_finished_fault_is_refused(
    partner, buyer_identifier, sla_policy, agent
):
    live = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted")
    closed = faults_in(FaultStatus.CLOSED, 1, partner, buyer_identifier)[0]

    run = bulk_run_start(
        action=BulkAction.CANCEL,
        fault_ids=[live.pk, closed.pk],
        actor=agent,
        params={"reason": "Customer's own router."},
    )

    live.refresh_from_db()
    assert (live.status, live.status_reason) == ("cancelled", "Customer's own router.")
    assert results(run)[closed.pk][0] == "refused"
    assert Fault.objects.get(pk=closed.pk).status == "closed"


@pytest.mark.parametrize(
    ("action", "params", "field"),
    [
        ("add_note", {"text": "  "}, "text"),
        ("add_note", {"text": "x" * 4001}, "text"),
        ("cancel", {"reason": ""}, "reason"),
        ("cancel", {"reason": "r" * 4001}, "reason"),
        ("delete_everything", {}, "action"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(draft, agent, action, params, field):
    with pytest.raises(FaultValidationError) as refused:
        bulk_run_start(action=action, fault_ids=[draft.pk], actor=agent, params=params)
    assert field in refused.value.errors
    assert BulkRun.objects.count() == 0
    assert FaultNote.objects.count() == 0


def test_no_faults_too_many_or_unknown_ones_are_refused(draft, agent, settings):
    settings.BULK_MAX_FAULTS = 2
    for ids, message in [
        ([], "Select at least one fault."),
        ([draft.pk, 999_998, 999_999], "A bulk action takes at most 2 faults; 3 were selected."),
        ([999_999], "None of the selected faults exists any more."),
    ]:
        with pytest.raises(FaultValidationError) as refused:
            bulk_run_start(action="request_update", fault_ids=ids, actor=agent)
        assert refused.value.message.startswith(message)
    assert BulkRun.objects.count() == 0


def test_a_lost_run_is_published_again_and_a_running_one_is_not(
    partner, buyer_identifier, agent, settings, monkeypatch
):
    settings.BULK_INLINE_MAX = 1
    faults = faults_in(FaultStatus.IN_PROGRESS, 3, partner, buyer_identifier)
    lost = bulk_run_start(
        action="add_note", fault_ids=[f.pk for f in faults], actor=agent, params={"text": "a"}
    )
    running = bulk_run_start(
        action="add_note", fault_ids=[f.pk for f in faults], actor=agent, params={"text": "b"}
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    BulkRun.objects.filter(pk__in=[lost.pk, running.pk]).update(created_at=an_hour_ago)
    first = BulkRunItem.objects.filter(run=running).order_by("pk").first()
    bulk_item_apply(item_id=first.pk, run=running, actor=agent)  # applied just now

    published: list[int] = []
    monkeypatch.setattr(
        apply_bulk_run, "apply_async", lambda args, retry: published.append(args[0])
    )
    assert bulk_runs_resume() == 1
    assert published == [lost.pk]
    assert bulk_run_apply(run_id=lost.pk) == {"done": 3, "refused": 0, "pending": 0}


def test_an_item_already_applied_is_left_alone(partner, buyer_identifier, agent):
    fault = faults_in(FaultStatus.IN_PROGRESS, 1, partner, buyer_identifier)[0]
    run = bulk_run_start(
        action="add_note", fault_ids=[fault.pk], actor=agent, params={"text": "Once."}
    )
    item = BulkRunItem.objects.get(run=run)
    assert item.state == BulkItemState.DONE
    assert bulk_item_apply(item_id=item.pk, run=run, actor=agent) is None
    assert FaultNote.objects.filter(fault=fault).count() == 1


@pytest.fixture
def core(agent_user):
    """The team Core with the agent and bob (an agent) in it; a reader-only user outside."""
    bob = get_user_model().objects.create_user(username="bob")
    bob.groups.add(ensure_role_groups()[AGENT])
    team = Team.objects.create(name="Core")
    team.members.add(agent_user, bob)
    return {"team": team, "bob": bob}


def test_assign_to_me_and_to_an_owner_with_a_team_through_the_ownership_service(
    partner, buyer_identifier, agent, agent_user, core
):
    faults = faults_in(FaultStatus.IN_PROGRESS, 3, partner, buyer_identifier)
    closed = faults_in(FaultStatus.CLOSED, 1, partner, buyer_identifier)[0]
    ids = [f.pk for f in faults] + [closed.pk]

    mine = bulk_run_start(action="assign", fault_ids=ids, actor=agent, params={"owner": "me"})
    assert {message for _, message in results(mine).values()} == {
        "Owner: test-agent; team: Core."  # the agent's only team
    }
    bobs = bulk_run_start(
        action="assign",
        fault_ids=ids,
        actor=agent,
        params={"owner": str(core["bob"].pk), "team": str(core["team"].pk)},
    )
    assert {state for state, _ in results(bobs).values()} == {"done"}  # a closed fault too
    assert set(Fault.objects.filter(pk__in=ids).values_list("owner__username", "team__name")) == {
        ("bob", "Core")
    }
    assert FaultEvent.objects.filter(fault_id__in=ids, kind=EventKind.ASSIGNED).count() == 8


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"owner": "OUTSIDER", "team": ""}, "owner"),  # not an agent
        ({"owner": "OUTSIDER_IN_TEAM", "team": "CORE"}, "owner"),
        ({"owner": "me", "team": "999999"}, "team"),
        ({"owner": "999999"}, "owner"),
        ({"owner": "bob; drop"}, "owner"),
        ({"owner": "BOB", "team": "NIGHT"}, "team"),  # bob is not in Night
    ],
)
def test_an_assignment_the_service_would_refuse_is_refused_before_any_fault_is_touched(
    partner, buyer_identifier, agent, core, params, field
):
    fault = faults_in(FaultStatus.IN_PROGRESS, 1, partner, buyer_identifier)[0]
    outsider = get_user_model().objects.create_user(username="outsider")
    night = Team.objects.create(name="Night")
    names = {
        "OUTSIDER": outsider.pk,
        "OUTSIDER_IN_TEAM": outsider.pk,
        "BOB": core["bob"].pk,
        "CORE": core["team"].pk,
        "NIGHT": night.pk,
    }
    params = {key: str(names.get(value, value)) for key, value in params.items()}

    with pytest.raises(FaultValidationError) as refused:
        bulk_run_start(action="assign", fault_ids=[fault.pk], actor=agent, params=params)

    assert field in refused.value.errors
    assert BulkRun.objects.count() == 0
    assert not FaultEvent.objects.filter(kind=EventKind.ASSIGNED).exists()
