"""Admins configure exception monitoring: a rule switched on or off, its description and
threshold; a call to action created for a rule that has none, or its texts and priority changed.
Each change is recorded in the admin's history of the object (LogEntry: who, when, which fields)
when made by one of our users, and logged either way. A rule switched off stops raising at the
next sweep, which also solves its open exceptions (`services.exceptions_sweep`).

Each service takes only the fields to change (`UNCHANGED` for the others), checks them all before
writing, and changes nothing when one is refused."""

import logging
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from faults.errors import FaultNotFound, FaultValidationError
from faults.exceptions.models import CallToAction, TicketExceptionRule
from faults.services.actors import Actor

logger = logging.getLogger(__name__)


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
MAX_THRESHOLD_HOURS = 24 * 366
MAX_PRIORITY = 99


def rule_update(
    *,
    rule_id: int,
    actor: Actor,
    is_active: bool = UNCHANGED,
    description: str = UNCHANGED,
    threshold_hours: float | None = UNCHANGED,
) -> TicketExceptionRule:
    changes = {
        "is_active": is_active,
        "description": description,
        "threshold_hours": threshold_hours,
    }
    changes = {name: value for name, value in changes.items() if value is not UNCHANGED}
    hours = changes.get("threshold_hours")
    if hours is not None and not 0 < hours <= MAX_THRESHOLD_HOURS:
        raise FaultValidationError(
            "The threshold is out of range.",
            errors={"threshold_hours": [f"More than 0 and at most {MAX_THRESHOLD_HOURS} hours."]},
        )
    if "description" in changes:
        changes["description"] = changes["description"].strip()
    with transaction.atomic():
        rule = TicketExceptionRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise FaultNotFound(f"No exception rule has the id {rule_id}.")
        changed = _apply(rule, changes)
        if changed:
            rule.save(update_fields=[*changed, "updated_at"])
            _record(rule, actor, CHANGE, changed)
    return rule


def call_to_action_create(
    *,
    type_name: str,
    actor: Actor,
    template_dayside: str,
    template_after_hours: str,
    template_team: str,
    request_type: int = 1,
    priority: int = 5,
) -> CallToAction:
    """A call to action for a rule that has none. An exception type is a rule with its evaluator
    in code, so a type no rule has is refused, not created: a rule row without an evaluator would
    never raise anything."""
    _check_priority(priority)
    with transaction.atomic():
        rule = TicketExceptionRule.objects.select_for_update().filter(type_name=type_name).first()
        if rule is None:
            known = ", ".join(TicketExceptionRule.objects.values_list("type_name", flat=True))
            raise FaultValidationError(
                f"No exception rule has the type {type_name}.",
                errors={
                    "type_name": [
                        f"No exception rule has the type {type_name!r}; exception types come "
                        f"with their rule in code (the types are: {known})."
                    ]
                },
            )
        if CallToAction.objects.filter(rule=rule).exists():
            raise FaultValidationError(
                f"{type_name} already has a call to action.",
                errors={
                    "type_name": [f"{type_name} already has a call to action: change that one."]
                },
            )
        call = CallToAction.objects.create(
            rule=rule,
            template_dayside=template_dayside.strip(),
            template_after_hours=template_after_hours.strip(),
            template_team=template_team.strip(),
            request_type=request_type,
            priority=priority,
        )
        _record(call, actor, ADDITION, [])
    return call


def call_to_action_update(
    *,
    call_to_action_id: int,
    actor: Actor,
    template_dayside: str = UNCHANGED,
    template_after_hours: str = UNCHANGED,
    template_team: str = UNCHANGED,
    request_type: int = UNCHANGED,
    priority: int = UNCHANGED,
) -> CallToAction:
    changes = {
        "template_dayside": template_dayside,
        "template_after_hours": template_after_hours,
        "template_team": template_team,
        "request_type": request_type,
        "priority": priority,
    }
    changes = {name: value for name, value in changes.items() if value is not UNCHANGED}
    if "priority" in changes:
        _check_priority(changes["priority"])
    for name in ("template_dayside", "template_after_hours", "template_team"):
        if name in changes:
            changes[name] = changes[name].strip()
            if not changes[name]:
                raise FaultValidationError(
                    "A call to action needs a text for every shift.",
                    errors={name: ["This field may not be blank."]},
                )
    with transaction.atomic():
        call = (
            CallToAction.objects.select_for_update(of=("self",))
            .select_related("rule")
            .filter(pk=call_to_action_id)
            .first()
        )
        if call is None:
            raise FaultNotFound(f"No call to action has the id {call_to_action_id}.")
        changed = _apply(call, changes)
        if changed:
            call.save(update_fields=changed)
            _record(call, actor, CHANGE, changed)
    return call


def _check_priority(priority: int) -> None:
    if not 1 <= priority <= MAX_PRIORITY:
        raise FaultValidationError(
            "The priority is out of range.",
            errors={"priority": [f"From 1 (the most urgent) to {MAX_PRIORITY}."]},
        )


def _apply(instance: models.Model, changes: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _record(instance: models.Model, actor: Actor, flag: int, changed: list[str]) -> None:
    labels = [str(instance._meta.get_field(name).verbose_name) for name in changed]
    what = f"Changed {', '.join(labels)}" if changed else "Added"
    message = f"{what} through the ticket exceptions API."
    logger.info("%s %s: %s (by %s)", instance._meta.verbose_name, instance.pk, message, actor.ref)
    if actor.user is None or actor.user.pk is None:
        return
    LogEntry.objects.create(
        user_id=actor.user.pk,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action_flag=flag,
        change_message=message,
    )
