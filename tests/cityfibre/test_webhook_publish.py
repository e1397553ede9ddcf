"""The webhook publishes the apply task of a stored message to the broker (Redis) after the
commit, once, carrying the request's id (a thread publishing after the answer was tried and cost
more CPU per message than this publish, now one SET NX for a fault whose task already waits)."""

import base64
import json

import pytest
import redis
from django.conf import settings

from integrations.inbox import inbox_clear_queued_mark
from integrations.models import InboundMessage
from tests.cityfibre.conftest import sample
from tests.e2e.processes import wait_for
from tests.factories import FaultFactory
from tests.helpers import bring_to

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ACCEPTED = 12  # the supplier's sample: messageId CF-00001 for SP-123ABC


def tasks_on(broker: redis.Redis) -> list[tuple[list, dict]]:
    """(args, headers) of every apply_inbound task waiting in the default queue."""
    found = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") != "integrations.tasks.apply_inbound":
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((args, message["headers"]))
    return found


def test_an_acknowledged_notification_is_published_once_with_its_request_id(
    client, post_notification, cityfibre_partner, spdev1
):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    fault = FaultFactory(
        supplier=cityfibre_partner, buyer_identifier=spdev1, buyer_fault_reference="SP-123ABC"
    )
    bring_to(fault, "pending")
    inbox_clear_queued_mark(fault.pk)  # one left in Redis by an earlier test's fault of that id

    response = post_notification(client, sample(ACCEPTED))

    assert response.status_code == 200
    stored = InboundMessage.objects.get()
    request_id = response["X-Request-ID"]
    wait_for(
        lambda: any(headers.get("request_id") == request_id for _, headers in tasks_on(broker)),
        timeout=10,
        what="the apply task on the broker",
    )
    ours = [args for args, headers in tasks_on(broker) if headers.get("request_id") == request_id]
    assert ours == [[stored.pk, fault.pk]]  # the message, with its fault: once
    for raw in broker.lrange("celery", 0, -1):  # leave the queue as it was
        if json.loads(raw)["headers"].get("request_id") == request_id:
            broker.lrem("celery", 1, raw)
    inbox_clear_queued_mark(fault.pk)
