"""Celery tasks of the spine: each takes a row id, loads the row and is safe to run twice."""

from celery import Task, shared_task

from integrations.certificates import certificates_sweep
from integrations.inbox import (
    inbox_apply,
    inbox_clear_queued_mark,
    inbox_mark_queued,
    inbox_sweep,
)
from integrations.outbox import outbox_deliver, outbox_sweep
from integrations.reconcile import faults_request_reconciliation


@shared_task(name="integrations.tasks.deliver_outbound")
def deliver_outbound(outbound_id: int) -> str | None:
    return outbox_deliver(outbound_id=outbound_id)


class ApplyInboundTask(Task):
    """Queued at most once per fault at a time when the fault is given (`apply_inbound(id,
    fault_id)`, as the inbox does on storing a message): while a fault's task waits in the
    queue, its next messages queue none, since that task applies every waiting message of the
    fault (`inbox_apply`; issue 17: one task per message cost more than applying it). Without
    the fault (the sweep, an admin's retry) a task is always queued."""

    def apply_async(self, args=None, kwargs=None, **options):
        fault_id = args[1] if args and len(args) > 1 else None
        if fault_id is None or self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, **options)
        if not inbox_mark_queued(fault_id):
            return None
        try:
            return super().apply_async(args, kwargs, **options)
        except Exception:
            inbox_clear_queued_mark(fault_id)  # no task queued after all: the next may queue one
            raise


@shared_task(name="integrations.tasks.apply_inbound", base=ApplyInboundTask)
def apply_inbound(inbound_id: int, fault_id: int | None = None) -> str | None:
    """Apply the message and its fault's other waiting ones (`fault_id` is for the queueing)."""
    return inbox_apply(inbound_id=inbound_id)


@shared_task(name="integrations.tasks.sweep_outbox")
def sweep_outbox() -> int:
    return outbox_sweep()


@shared_task(name="integrations.tasks.sweep_inbox")
def sweep_inbox() -> int:
    return inbox_sweep()


@shared_task(name="integrations.tasks.reconcile_silent_faults")
def reconcile_silent_faults() -> int:
    return faults_request_reconciliation()


@shared_task(name="integrations.tasks.sweep_certificates")
def sweep_certificates() -> int:
    """Partners' certificates: the warnings given and partners flagged, counted."""
    result = certificates_sweep()
    return len(result.warned) + len(result.flagged)
