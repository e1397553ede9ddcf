"""Helpdesk tickets linked to ticket exceptions, and the helpdesk telling us their status.

An agent links a ticket of the buyer's helpdesk (the seed's externalReferences: domain
"zendesk", type "ticket", its id) to an exception; the helpdesk's status webhook
(`helpdesk_status_update`) then solves or reopens the exceptions linked to that ticket:

* a status in the solved category (`solved`, `closed`) solves the linked exceptions still open,
  with the helpdesk's comment as the reason: solved by the helpdesk, not automatically (so the
  sweep leaves the fault alone for the rule's snooze, as after an agent's solve);
* a status in an open category (`new`, `open`, `pending`, `hold`) reopens the linked exceptions
  the helpdesk solved (not those an agent or the sweep solved), unless another exception of the
  same fault and rule is open already: one open per fault and rule is a database constraint, so
  that one is left solved and the timeline says why. A reopened exception is open like any
  other: if its rule's condition no longer holds, the next sweep solves it automatically.

Zendesk maps its custom statuses to these categories; the webhook sends a category (its
`{{ticket.status}}` placeholder), in any letter case ("On-hold" is `hold`). The same update
delivered twice changes nothing the second time and is not audited twice (Zendesk retries
deliveries).

Whether the helpdesk solved an exception is read from the fault's timeline: the last event of
the exception that changed its state says so (`data["action"] == HELPDESK_SOLVED`). The model
has no column for it, and the timeline is where every solve is recorded anyway."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from faults.choices import EventKind
from faults.errors import FaultNotFound, FaultValidationError
from faults.exceptions.models import ExternalReference, TicketException
from faults.models import FaultEvent
from faults.services.actors import Actor
from faults.services.audit import fault_event_record

SOLVED_CATEGORIES = frozenset({"solved", "closed"})
OPEN_CATEGORIES = frozenset({"new", "open", "pending", "hold"})
KNOWN_STATUSES = SOLVED_CATEGORIES | OPEN_CATEGORIES

# `data["action"]` of the timeline events written here.
LINKED = "helpdesk-linked"
UNLINKED = "helpdesk-unlinked"
HELPDESK_SOLVED = "helpdesk-solved"
HELPDESK_REOPENED = "helpdesk-reopened"
REOPEN_REFUSED = "helpdesk-reopen-refused"
# Events that leave the exception's state as it was.
_NOT_STATE_CHANGES = (LINKED, UNLINKED, REOPEN_REFUSED)

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
# A ticket's address pasted instead of its number: ".../tickets/12345".
TICKET_URL = re.compile(r"^https?://\S+/tickets/(\d+)/?(?:[?#]\S*)?$")
REASON_MAX = 4000


@dataclass(frozen=True)
class StatusUpdateResult:
    """What one status update did, exception by exception (ids)."""

    category: str
    solved: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # Exceptions left solved although the helpdesk reopened the ticket, with why.
    not_reopened: dict[int, str] = field(default_factory=dict)


def helpdesk_actor(system: str) -> Actor:
    return Actor.system(f"helpdesk:{system}")


def _clean_name(value: str, *, what: str) -> tuple[str, list[str]]:
    value = (value or "").strip().lower()
    if not value:
        return value, ["This field is required."]
    if not NAME.match(value):
        return value, [f"A {what} is up to 40 letters, digits, '.', '_' or '-' (e.g. \"zendesk\")."]
    return value, []


def clean_identifier(value: str) -> tuple[str, list[str]]:
    """A ticket's id as the helpdesk writes it: '#12345' and a pasted ticket address are taken
    as 12345."""
    value = (value or "").strip()
    pasted = TICKET_URL.match(value)
    if pasted:
        value = pasted.group(1)
    value = value.removeprefix("#")
    if not value:
        return value, ["Give the ticket's number."]
    if not IDENTIFIER.match(value):
        return value, [
            "A ticket number is up to 100 letters, digits, '.', '_', ':' or '-', "
            "with no spaces (e.g. 12345)."
        ]
    return value, []


def _event(
    exception: TicketException,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    text: str,
    reference: dict[str, str],
    **extra: object,
) -> None:
    fault_event_record(
        fault=exception.fault,
        kind=EventKind.EXCEPTION,
        actor=actor,
        at=at,
        message=text,
        data={
            "exception_id": exception.pk,
            "rule": exception.rule.type_name,
            "open": exception.solved_at is None,
            "action": action,
            "external_reference": reference,
            **extra,
        },
    )


def _describe(reference: dict[str, str]) -> str:
    return f"{reference['domain']} {reference['type']} {reference['identifier']}"


@transaction.atomic
def external_reference_link(
    *,
    exception_id: int,
    identifier: str,
    actor: Actor,
    domain: str | None = None,
    kind: str = "ticket",
) -> tuple[ExternalReference, bool]:
    """Link a helpdesk ticket to an exception. Linking it again returns the existing link
    (`created` False) and writes nothing."""
    domain, domain_errors = _clean_name(
        settings.HELPDESK_SYSTEM if domain is None else domain, what="system"
    )
    kind, type_errors = _clean_name(kind, what="type")
    identifier, identifier_errors = clean_identifier(identifier)
    errors = {
        name: messages
        for name, messages in (
            ("domain", domain_errors),
            ("type", type_errors),
            ("identifier", identifier_errors),
        )
        if messages
    }
    if errors:
        raise FaultValidationError(next(iter(errors.values()))[0], errors=errors)
    exception = (
        TicketException.objects.select_for_update(of=("self",))
        .select_related("fault", "rule")
        .filter(pk=exception_id)
        .first()
    )
    if exception is None:
        raise FaultNotFound(f"There is no exception {exception_id}.")
    reference, created = ExternalReference.objects.get_or_create(
        exception=exception,
        domain=domain,
        type=kind,
        identifier=identifier,
        defaults={"created_by": actor.user},
    )
    if created:
        described = {"domain": domain, "type": kind, "identifier": identifier}
        _event(
            exception,
            action=LINKED,
            actor=actor,
            at=reference.created_at,
            text=f"Helpdesk {_describe(described)} linked to the exception: {exception.subject}.",
            reference=described,
        )
    return reference, created


@transaction.atomic
def external_reference_unlink(*, reference_id: int, actor: Actor) -> ExternalReference:
    """Remove a link; the timeline keeps that it existed."""
    reference = (
        ExternalReference.objects.select_for_update(of=("self",))
        .select_related("exception__fault", "exception__rule")
        .filter(pk=reference_id)
        .first()
    )
    if reference is None:
        raise FaultNotFound(f"There is no helpdesk link {reference_id}.")
    described = {
        "domain": reference.domain,
        "type": reference.type,
        "identifier": reference.identifier,
    }
    exception = reference.exception
    reference.delete()
    _event(
        exception,
        action=UNLINKED,
        actor=actor,
        at=timezone.now(),
        text=f"Helpdesk {_describe(described)} unlinked from the exception: {exception.subject}.",
        reference=described,
    )
    return reference


def normal_status(status: str) -> str:
    """The category as we name it: lower case, and Zendesk's label "On-hold" as `hold`."""
    status = (status or "").strip().lower()
    return "hold" if status in ("on-hold", "on hold", "on_hold") else status


def status_category(status: str) -> str:
    """'solved' or 'open' for a helpdesk status category; a validation error otherwise."""
    status = normal_status(status)
    if status in SOLVED_CATEGORIES:
        return "solved"
    if status in OPEN_CATEGORIES:
        return "open"
    known = ", ".join(sorted(KNOWN_STATUSES))
    message = "This field is required." if not status else f"Unknown status; one of: {known}."
    raise FaultValidationError(
        f"The status is not one the helpdesk's categories name ({known}).",
        errors={"status": [message]},
    )


@transaction.atomic
def helpdesk_status_update(
    *,
    system: str,
    reference_id: str,
    status: str,
    comment: str = "",
    actor: Actor | None = None,
    now: datetime | None = None,
) -> StatusUpdateResult:
    """The helpdesk says its ticket `reference_id` has this status: solve or reopen the
    exceptions linked to it (module docstring). Raises FaultValidationError for bad input and
    FaultNotFound when no exception is linked to that ticket; changes nothing then."""
    errors: dict[str, list[str]] = {}
    system, system_errors = _clean_name(system, what="system")
    if system_errors:
        errors["system"] = system_errors
    reference_id = (reference_id or "").strip()
    if not reference_id:
        errors["reference_id"] = ["This field is required."]
    try:
        category = status_category(status)
    except FaultValidationError as error:
        errors.update(error.errors)
    if errors:
        raise FaultValidationError("The status update is not valid.", errors=errors)
    status = normal_status(status)
    comment = (comment or "").strip()
    if len(comment) > REASON_MAX:
        comment = comment[: REASON_MAX - 1] + "…"
    now = now or timezone.now()
    actor = actor or helpdesk_actor(system)
    reference = {"domain": system, "type": "ticket", "identifier": reference_id}

    linked = ExternalReference.objects.filter(domain=system, identifier=reference_id)
    exceptions = list(
        TicketException.objects.filter(pk__in=linked.values("exception_id"))
        .select_for_update(of=("self",))
        .select_related("fault", "rule")
        .order_by("pk")  # a fixed lock order: two deliveries at once wait, never deadlock
    )
    if not exceptions:
        raise FaultNotFound(f"No exception is linked to {system} ticket {reference_id}.")
    types = dict(linked.values_list("exception_id", "type"))

    result = StatusUpdateResult(category=category)
    for exception in exceptions:
        reference["type"] = types.get(exception.pk, "ticket")
        if category == "solved":
            _solve(
                exception,
                result,
                status=status,
                comment=comment,
                actor=actor,
                now=now,
                reference=dict(reference),
            )
        else:
            _reopen(
                exception, result, status=status, actor=actor, now=now, reference=dict(reference)
            )
    return result


def _solve(exception, result, *, status, comment, actor, now, reference) -> None:
    if exception.solved_at is not None:
        result.unchanged.append(exception.pk)
        return
    exception.solved_at = now
    exception.solved_automatically = False
    exception.solved_by = actor.user
    exception.solved_reason = comment or f"Solved in {_describe(reference)}."
    exception.save(
        update_fields=["solved_at", "solved_automatically", "solved_by", "solved_reason"]
    )
    said = f": {comment}" if comment else "."
    _event(
        exception,
        action=HELPDESK_SOLVED,
        actor=actor,
        at=now,
        text=f"Exception solved by the helpdesk ({_describe(reference)} is {status}): "
        f"{exception.subject}{said}",
        reference=reference,
        status=status,
    )
    result.solved.append(exception.pk)


def _last_state_change(exception: TicketException) -> FaultEvent | None:
    return (
        FaultEvent.objects.filter(
            fault_id=exception.fault_id, kind=EventKind.EXCEPTION, data__exception_id=exception.pk
        )
        .exclude(data__action__in=_NOT_STATE_CHANGES)
        .order_by("-id")
        .first()
    )


def _last_event(exception: TicketException) -> FaultEvent | None:
    return (
        FaultEvent.objects.filter(
            fault_id=exception.fault_id, kind=EventKind.EXCEPTION, data__exception_id=exception.pk
        )
        .order_by("-id")
        .first()
    )


def _other_open(exception: TicketException) -> TicketException | None:
    return (
        TicketException.objects.filter(
            fault_id=exception.fault_id, rule_id=exception.rule_id, solved_at__isnull=True
        )
        .exclude(pk=exception.pk)
        .first()
    )


def _reopen(exception, result, *, status, actor, now, reference) -> None:
    if exception.solved_at is None:
        result.unchanged.append(exception.pk)
        return
    last = _last_state_change(exception)
    if (
        exception.solved_automatically
        or last is None
        or last.data.get("action") != (HELPDESK_SOLVED)
    ):
        # An agent or the sweep solved it: the helpdesk reopening its ticket does not undo that.
        result.unchanged.append(exception.pk)
        return
    other_open = _other_open(exception)
    if other_open is None:
        try:
            with transaction.atomic():  # a sweep may raise one in between: the index refuses
                TicketException.objects.filter(pk=exception.pk).update(
                    solved_at=None, solved_automatically=False, solved_by=None, solved_reason=""
                )
        except IntegrityError:
            other_open = _other_open(exception)
        else:
            exception.refresh_from_db(
                fields=["solved_at", "solved_automatically", "solved_by", "solved_reason"]
            )
            _event(
                exception,
                action=HELPDESK_REOPENED,
                actor=actor,
                at=now,
                text=f"Exception reopened by the helpdesk ({_describe(reference)} is {status}): "
                f"{exception.subject}.",
                reference=reference,
                status=status,
            )
            result.reopened.append(exception.pk)
            return
    why = (
        f'another "{exception.rule.name}" exception is open on this fault'
        + (f" (exception {other_open.pk})" if other_open else "")
        + "; only one may be open at a time"
    )
    result.not_reopened[exception.pk] = why
    last_any = _last_event(exception)
    if last_any is not None and last_any.data.get("action") == REOPEN_REFUSED:
        return  # already said (a redelivery): once on the timeline is enough
    _event(
        exception,
        action=REOPEN_REFUSED,
        actor=actor,
        at=now,
        text=f"Not reopened although {_describe(reference)} is {status}: {why}. "
        f"{exception.subject}.",
        reference=reference,
        status=status,
        other_exception_id=other_open.pk if other_open else None,
    )
