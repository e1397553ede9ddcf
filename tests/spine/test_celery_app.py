"""The Celery app: every beat entry (the spine's sweeps, and TEP's poll: the supplier Ticketing
API and TMF621 have no polls) names a registered task, the reliability settings of design §7 are
on, and the configured broker carries a message."""

import uuid

import pytest

from config.celery import app
from integrations.beat import beat_schedule


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in beat_schedule().values()}

    assert scheduled <= set(app.tasks)
    assert scheduled == {
        "faults.tasks.auto_close_resolved_faults",
        "faults.tasks.sweep_sla",
        "faults.tasks.sweep_exceptions",
        "faults.tasks.send_work_digests",
        "faults.tasks.compact_daily_fault_counts",
        "faults.tasks.resume_bulk_runs",
        "integrations.tasks.sweep_outbox",
        "integrations.tasks.sweep_inbox",
        "integrations.tasks.reconcile_silent_faults",
        "integrations.tasks.sweep_certificates",
        "integrations.tep.tasks.poll_tep_partners",
    }


def test_reliability_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.redis
def test_a_message_round_trips_through_redis():
    payload = {"probe": uuid.uuid4().hex}
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=2)
        queue = connection.SimpleQueue(f"test-probe-{payload['probe']}")
        try:
            queue.put(payload)
            message = queue.get(timeout=5)
            message.ack()
        finally:
            queue.queue.delete()
            queue.close()

    assert message.payload == payload
