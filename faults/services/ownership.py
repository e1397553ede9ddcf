"""Ownership: who in our NOC works a fault (its owner, an agent) and which team it belongs to.

Only the NOC cares: an assignment is recorded on the fault's timeline (`EventKind.ASSIGNED`,
saying from whom to whom) but it is not a change the supplier hears of, so the row emits no
domain event (`faults.events.EVENTLESS_KINDS`) and no protocol sends anything.

A finished fault (resolved, closed, rejected, cancelled) can still be reassigned: a NOC hands
its closed faults over too (the follow-up, a service-credit claim, a shift leaving), and the
change is on the timeline like any other.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from faults.choices import EventKind
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.models.workspace import Team
from faults.roles import ADMIN, AGENT, MANAGER
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock

# Who may own a fault: the people who work faults (agents) and those above them.
OWNER_ROLES = (AGENT, MANAGER, ADMIN)


def eligible_owners() -> QuerySet:
    """The users a fault may be assigned to: active, and an agent, manager or admin."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=OWNER_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def _name(value: AbstractBaseUser | Team | None) -> str:
    if value is None:
        return ""
    return value.get_username() if isinstance(value, AbstractBaseUser) else value.name


def assignment_refusal(owner: AbstractBaseUser | None, team: Team | None) -> dict[str, list[str]]:
    """Why this owner and team cannot be given to a fault, per field; empty when they can."""
    errors: dict[str, list[str]] = {}
    if owner is not None and not eligible_owners().filter(pk=owner.pk).exists():
        errors["owner"] = [
            f"{owner.get_username()} cannot own a fault: only an active agent, manager or "
            "admin can."
        ]
    elif owner is not None and team is not None and not team.members.filter(pk=owner.pk).exists():
        errors["team"] = [
            f"{owner.get_username()} is not in the team {team.name}: add them to it, or choose "
            "one of their teams."
        ]
    return errors


@transaction.atomic
def fault_assign(
    *, fault_id: int, owner: AbstractBaseUser | None, team: Team | None, actor: Actor
) -> Fault:
    """Give the fault this owner and team (None: nobody, no team), in any status, and record
    the change, from whom to whom, on its timeline. Nothing is recorded when both are already
    so. FaultValidationError, and nothing written, for an owner who is not an active agent
    (or manager, admin) or who is not in the given team; FaultNotFound for an unknown fault."""
    errors = assignment_refusal(owner, team)
    if errors:
        raise FaultValidationError(next(iter(errors.values()))[0], errors=errors)
    fault = fault_lock(fault_id=fault_id)
    before = (fault.owner, fault.team)
    if (fault.owner_id, fault.team_id) == (_pk(owner), _pk(team)):
        return fault
    fault.owner, fault.team = owner, team
    fault.save(update_fields=["owner", "team", "updated_at"])
    changes = {
        field: {"from": _name(old), "to": _name(new)}
        for field, old, new in (("owner", before[0], owner), ("team", before[1], team))
        if _pk(old) != _pk(new)
    }
    fault_event_record(
        fault=fault,
        kind=EventKind.ASSIGNED,
        actor=actor,
        at=timezone.now(),
        message=_message(changes),
        data=changes,
    )
    return fault


@transaction.atomic
def fault_assign_to_me(*, fault_id: int, actor: Actor) -> Fault:
    """Make the acting user the fault's owner. The fault keeps its team when they are in it;
    otherwise it takes their team if they have exactly one, and no team if they have none or
    several (the agent then picks one on the reassign form)."""
    user = actor.user
    if user is None:
        raise FaultValidationError(
            "Only a user can take a fault.", errors={"owner": ["Sign in as an agent."]}
        )
    fault = fault_lock(fault_id=fault_id)
    teams = list(Team.objects.filter(members=user)[:2])
    if fault.team_id is not None and fault.team.members.filter(pk=user.pk).exists():
        team = fault.team
    else:
        team = teams[0] if len(teams) == 1 else None
    return fault_assign(fault_id=fault.pk, owner=user, team=team, actor=actor)


def _pk(value: AbstractBaseUser | Team | None) -> int | None:
    return None if value is None else value.pk


def _message(changes: dict[str, dict[str, str]]) -> str:
    """'Owner: alice → bob. Team: none → Core.' (only what changed)."""
    parts = [
        f"{field.capitalize()}: {change['from'] or 'none'} → {change['to'] or 'none'}."
        for field, change in changes.items()
    ]
    return " ".join(parts)
