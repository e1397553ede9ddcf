"""Issue 17: a real Celery worker logs as production does (LOG_FORMAT=json): one JSON object a
line, each task's lines naming the task; a delivery's lines name the message, the fault's
reference and the partner, and the id of the request that queued it (passed in the task's
headers), the id the API's response returned."""

import json

import pytest

from integrations.models import OutboundMessage
from tests.e2e.conftest import SLUG, fault_payload
from tests.e2e.fault_life import all_settled, reaches
from tests.e2e.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
REQUEST_ID = "e2e-raise-0123456789abcdef"


def test_a_workers_lines_name_the_task_message_fault_and_request(simulator, start_worker, api):
    worker = start_worker(LOG_FORMAT="json")
    payload = fault_payload("SIM-LOGS-1")

    response = api.post(
        f"{api.base_url}/faults/", json=payload, headers={"X-Request-ID": REQUEST_ID}, timeout=10
    )

    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == REQUEST_ID
    reference = response.json()["buyer_fault_reference"]
    reaches(reference, "accepted")
    wait_for(all_settled, timeout=30, what="every message delivered and applied")
    raised = OutboundMessage.objects.filter(fault__buyer_fault_reference=reference).first()

    records = [json.loads(line) for line in worker.lines if line.startswith("{")]
    assert records, "".join(worker.lines)
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    [call] = [
        record
        for record in records
        if record["logger"] == "integrations.http" and record.get("outbound_id") == raised.pk
    ]
    assert call["message"].endswith("(delivered)")
    assert call["task"] == "integrations.tasks.deliver_outbound"
    assert call["request_id"] == REQUEST_ID
    assert call["message_id"] == raised.message_id
    assert call["fault"] == reference
    assert call["partner"] == SLUG
    assert "task_id" in call
