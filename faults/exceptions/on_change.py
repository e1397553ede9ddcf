"""Exceptions follow a fault's changes within seconds, not only at the periodic sweep.

A change that can raise or clear an exception (a status, a supplier's word, an appointment, our
comment) asks for a sweep soon after its commit. Asking is debounced: the first change in a
window enqueues one sweep `EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS` later, and the changes after it
in that window ride on it, so a burst of a thousand notifications costs one sweep, not a
thousand. The sweep is set-based (one query per rule), so evaluating all faults costs about what
evaluating the one that changed would, and the rules keep a single definition.

The countdown is seconds, far below the broker's visibility timeout, so it is never redelivered
(the long-countdown pitfall of Celery on Redis). Changes replayed as the demo's history ask for
nothing."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from faults.events import AttributesChanged, CommentAdded, DomainEvent, StatusChanged

PENDING_KEY = "faults:exceptions:sweep-requested"
RELEVANT = (StatusChanged, AttributesChanged, CommentAdded)


def sweep_soon_after(event: DomainEvent) -> None:
    """Domain-event subscriber: after this change commits, make sure a sweep is coming."""
    if event.history or not isinstance(event, RELEVANT):
        return
    if settings.EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS <= 0:
        return
    # Robust: a broker that is down must not fail the change; the periodic sweep catches up.
    transaction.on_commit(request_sweep, robust=True)


def request_sweep() -> bool:
    """Enqueue one sweep unless one is already coming; whether this call enqueued it."""
    delay = settings.EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS
    if not cache.add(PENDING_KEY, True, timeout=delay):
        return False
    from faults.tasks import sweep_exceptions

    sweep_exceptions.apply_async(countdown=delay)
    return True
