"""Celery tasks of the spine: each takes a row id, loads the row and is safe to run twice."""

from celery import shared_task

from integrations.certificates import certificates_sweep
from integrations.inbox import inbox_apply, inbox_sweep
from integrations.outbox import outbox_deliver, outbox_sweep
from integrations.reconcile import faults_request_reconciliation


@shared_task(name="integrations.tasks.deliver_outbound")
def deliver_outbound(outbound_id: int) -> str | None:
    return outbox_deliver(outbound_id=outbound_id)


@shared_task(name="integrations.tasks.apply_inbound")
def apply_inbound(inbound_id: int) -> str | None:
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
