"""Bulk actions: one agent action applied to many faults, each through its own service.

`bulk_run_start` checks the action's input once (a blank note, a cancel without a reason is
refused before anything is written), records a `pending` result row per fault, and then either
applies them at once (a small run, inside the request) or hands the run's id to a Celery task
(`faults.tasks.apply_bulk_run`). `bulk_run_apply` walks the pending rows; each fault is applied
in a transaction of its own that also turns its row `done` or `refused` with the service's own
message, so:

- a fault the state machine refuses is recorded as refused and the next fault goes on;
- a fault is never applied twice, even if the task is delivered again (its row is no longer
  pending, and the row is locked while it is applied);
- a run that stops half way (a worker lost) leaves exactly the unapplied faults pending, and the
  re-delivered task finishes them.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from faults.errors import FaultError, FaultValidationError
from faults.models import Fault
from faults.models.bulk import BulkAction, BulkItemState, BulkRun, BulkRunItem
from faults.models.fault import TEXT_MAX
from faults.models.workspace import Team
from faults.services.actors import Actor
from faults.services.internal_notes import fault_add_note, note_text_check
from faults.services.ownership import (
    assignment_refusal,
    eligible_owners,
    fault_assign,
    fault_assign_to_me,
)
from faults.services.raising import fault_cancel, fault_request_update
from faults.services.resolution import fault_accept_resolution
from faults.validators import is_blank

logger = logging.getLogger(__name__)

# Apply one fault: (fault id, the run's params, actor) -> what the result row says when done.
Apply = Callable[[int, dict[str, Any], Actor], str]


def bulk_inline_max() -> int:
    """Up to this many faults a run is applied inside the request; more go to a task."""
    return settings.BULK_INLINE_MAX


def bulk_max_faults() -> int:
    return settings.BULK_MAX_FAULTS


def _request_update(fault_id: int, params: dict[str, Any], actor: Actor) -> str:
    fault = fault_request_update(fault_id=fault_id, actor=actor)
    return f"A full update was requested from {fault.supplier}."


def _add_note(fault_id: int, params: dict[str, Any], actor: Actor) -> str:
    fault_add_note(fault_id=fault_id, text=params["text"], actor=actor)
    return "Internal note added (not sent to the supplier)."


def _accept_resolution(fault_id: int, params: dict[str, Any], actor: Actor) -> str:
    fault_accept_resolution(fault_id=fault_id, actor=actor)
    return "Resolution accepted; the fault is closed."


def _cancel(fault_id: int, params: dict[str, Any], actor: Actor) -> str:
    fault_cancel(fault_id=fault_id, actor=actor, reason=params["reason"])
    return "Cancelled."


def _assign(fault_id: int, params: dict[str, Any], actor: Actor) -> str:
    """`owner` "me" (the run's agent), a user's id, or None (nobody); `team` a team's id or None.
    "me" without a team keeps the fault's team when the agent is in it (fault_assign_to_me)."""
    owner, team_id = params["owner"], params["team"]
    if owner == ME and team_id is None:
        fault = fault_assign_to_me(fault_id=fault_id, actor=actor)
    else:
        user = actor.user if owner == ME else _owner(owner)
        fault = fault_assign(fault_id=fault_id, owner=user, team=_team(team_id), actor=actor)
    owner_name = fault.owner.get_username() if fault.owner else "nobody"
    return f"Owner: {owner_name}; team: {fault.team.name if fault.team else 'none'}."


APPLY: dict[str, Apply] = {
    BulkAction.REQUEST_UPDATE: _request_update,
    BulkAction.ADD_NOTE: _add_note,
    BulkAction.ASSIGN: _assign,
    BulkAction.ACCEPT_RESOLUTION: _accept_resolution,
    BulkAction.CANCEL: _cancel,
}


ME = "me"


def _owner(owner_id: int | None):
    if owner_id is None:
        return None
    owner = eligible_owners().filter(pk=owner_id).first()
    if owner is None:
        raise FaultValidationError(
            "That owner cannot own faults: choose an active agent.",
            errors={"owner": ["Not an agent, manager or admin."]},
        )
    return owner


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise FaultValidationError("There is no such team.", errors={"team": ["Unknown team."]})
    return team


def _id_or_none(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FaultValidationError(
            f"The {field} could not be read.", errors={field: ["Choose one from the list."]}
        ) from None


def _assign_params(params: dict[str, Any], actor: Actor | None) -> dict[str, Any]:
    """The owner ("me", a user id, or None for nobody) and team (id or None), checked as the
    service checks them, so a wrong choice is refused before any fault is touched."""
    raw_owner = params.get("owner", ME)
    owner = ME if raw_owner == ME else _id_or_none(raw_owner, "owner")
    team_id = _id_or_none(params.get("team"), "team")
    user = (actor.user if actor else None) if owner == ME else _owner(owner)
    errors = assignment_refusal(user, _team(team_id))
    if errors:
        raise FaultValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"owner": owner, "team": team_id}


def bulk_actions_available() -> list[tuple[str, str]]:
    """The actions a bulk run can apply, as (value, label), in the order the list offers them."""
    return [(value, label) for value, label in BulkAction.choices if value in APPLY]


def bulk_params_check(
    action: str, params: dict[str, Any], actor: Actor | None = None
) -> dict[str, Any]:
    """The params the action needs, checked once for the whole run; raises FaultValidationError
    (nothing written) when they are missing or wrong."""
    if action not in APPLY:
        raise FaultValidationError(
            "Choose an action to apply.", errors={"action": ["Choose one of the actions."]}
        )
    if action == BulkAction.ADD_NOTE:
        text = params.get("text", "")
        note_text_check(text)
        return {"text": text}
    if action == BulkAction.CANCEL:
        reason = params.get("reason", "")
        if is_blank(reason):
            raise FaultValidationError(
                "Cancelling needs a reason: the supplier is told why.",
                errors={"reason": ["Say why the faults are cancelled."]},
            )
        if len(reason) > TEXT_MAX:
            raise FaultValidationError(
                "The reason is too long.", errors={"reason": [f"At most {TEXT_MAX} characters."]}
            )
        return {"reason": reason}
    if action == BulkAction.ASSIGN:
        return _assign_params(params, actor)
    return {}


def bulk_run_start(
    *, action: str, fault_ids: Iterable[int], actor: Actor, params: dict[str, Any] | None = None
) -> BulkRun:
    """Record a run of `action` over the faults and start it: applied here when it is small,
    by a task (after this transaction commits) when it is not. Raises FaultValidationError,
    with nothing written, for no faults, too many, an unknown action or missing params."""
    params = bulk_params_check(action, params or {}, actor)
    wanted = list(dict.fromkeys(int(pk) for pk in fault_ids))
    if not wanted:
        raise FaultValidationError(
            "Select at least one fault.", errors={"faults": ["No fault was selected."]}
        )
    if len(wanted) > bulk_max_faults():
        raise FaultValidationError(
            f"A bulk action takes at most {bulk_max_faults()} faults; {len(wanted)} were selected."
            " Narrow the filters.",
            errors={"faults": ["Too many faults."]},
        )
    known = set(Fault.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    fault_ids = [pk for pk in wanted if pk in known]
    if not fault_ids:
        raise FaultValidationError(
            "None of the selected faults exists any more.", errors={"faults": ["Unknown faults."]}
        )
    inline = len(fault_ids) <= bulk_inline_max()
    with transaction.atomic():
        run = BulkRun.objects.create(action=action, params=params, created_by=actor.user)
        BulkRunItem.objects.bulk_create(BulkRunItem(run=run, fault_id=pk) for pk in fault_ids)
        if not inline:
            run_id = run.pk
            transaction.on_commit(lambda: bulk_run_publish(run_id), robust=True)
    if inline:
        bulk_run_apply(run_id=run.pk)
    return run


def bulk_run_publish(run_id: int) -> bool:
    """Hand the run to a worker: its id only, the rows say the rest. A broker that is down
    fails fast and is logged, never the request: the run's rows stay pending and
    `bulk_runs_resume` (beat) publishes it again."""
    from faults.tasks import apply_bulk_run

    try:
        apply_bulk_run.apply_async(args=[run_id], retry=False)
    except Exception:
        logger.warning("Broker down: bulk run %s left for the resume.", run_id, exc_info=True)
        return False
    return True


def bulk_runs_resume(*, idle: timedelta = timedelta(minutes=5)) -> int:
    """Publish again each unfinished run none of whose faults was applied for `idle` (its task
    was lost: a broker down at the start, a worker killed mid-run); the task skips what is
    already applied. How many runs were published."""
    now = timezone.now()
    published = 0
    for run in BulkRun.objects.filter(finished_at__isnull=True, created_at__lt=now - idle):
        recent = BulkRunItem.objects.filter(run=run, finished_at__gte=now - idle).exists()
        if not recent and bulk_run_publish(run.pk):
            published += 1
    return published


def _actor(run: BulkRun) -> Actor:
    if run.created_by is not None:
        return Actor.for_user(run.created_by)
    return Actor.system(f"bulk-run-{run.pk}")


def bulk_item_apply(*, item_id: int, run: BulkRun, actor: Actor) -> str | None:
    """Apply one pending fault of the run, in a transaction of its own, and record its result.
    Returns the row's new state, or None when the row was no longer pending (already applied
    by an earlier delivery of the task)."""
    apply = APPLY[run.action]
    with transaction.atomic():
        item = (
            BulkRunItem.objects.select_for_update()
            .filter(pk=item_id, state=BulkItemState.PENDING)
            .first()
        )
        if item is None:
            return None
        try:
            # A savepoint: a refusal rolls back what the service began, not the result row.
            with transaction.atomic():
                message = apply(item.fault_id, run.params, actor)
        except FaultError as error:
            item.state, item.message = BulkItemState.REFUSED, error.message
        except Exception:  # one fault's unexpected error must not stop the others
            logger.exception("Bulk run %s: fault %s failed", run.pk, item.fault_id)
            item.state = BulkItemState.REFUSED
            item.message = "Not applied: an unexpected error (logged); nothing was changed."
        else:
            item.state, item.message = BulkItemState.DONE, message
        item.finished_at = timezone.now()
        item.save(update_fields=["state", "message", "finished_at"])
        return item.state


def bulk_run_apply(*, run_id: int) -> dict[str, int]:
    """Apply every pending fault of the run, one transaction each, and mark the run finished.
    Safe to call again (a re-delivered task): only pending faults are applied."""
    run = BulkRun.objects.select_related("created_by").get(pk=run_id)
    actor = _actor(run)
    pending = (
        BulkRunItem.objects.filter(run=run, state=BulkItemState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for item_id in list(pending):
        bulk_item_apply(item_id=item_id, run=run, actor=actor)
    counts = bulk_run_counts(run_id)
    if counts[BulkItemState.PENDING] == 0:
        BulkRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
    return counts


def bulk_run_counts(run_id: int) -> dict[str, int]:
    """How many faults of the run are done, refused and still pending."""
    counts = dict.fromkeys(BulkItemState.values, 0)
    rows = BulkRunItem.objects.filter(run_id=run_id).values("state").annotate(n=Count("pk"))
    for row in rows.order_by():
        counts[row["state"]] = row["n"]
    return counts
