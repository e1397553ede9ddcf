"""What must survive real partner traffic: a broker outage, a worker killed mid-task, a supplier
answering 503 for a while, duplicate and out-of-order notifications. Nothing received is lost,
nothing is applied twice, one fault's messages keep their order."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from faults.services import Actor, fault_create_draft, fault_submit
from integrations.choices import InboundStatus, OutboundStatus
from integrations.models import InboundMessage, OutboundMessage, Partner
from tests.e2e.conftest import notification, raise_fault
from tests.e2e.processes import wait_for
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PENDING = (
    b"<receivedFaultReport><apiVersion>1.0</apiVersion><buyerIdentifier>SPDEV1</buyerIdentifier>"
    b"<sentAt>2026-11-23T12:00:00Z</sentAt><messageId>m</messageId>"
    b"<buyerFaultReference>r</buyerFaultReference><status>pending</status>"
    b"<responseCode>201</responseCode></receivedFaultReport>"
)


def statuses(fault_id: int) -> list[str]:
    return list(
        FaultEvent.objects.filter(fault_id=fault_id, kind=EventKind.STATUS)
        .order_by("at", "id")
        .values_list("to_status", flat=True)
    )


def everything_settled() -> bool:
    return not (
        OutboundMessage.objects.exclude(status=OutboundStatus.DELIVERED).exists()
        or InboundMessage.objects.exclude(status=InboundStatus.APPLIED).exists()
    )


def received_by_simulator(simulator, reference: str) -> list[tuple[str, int]]:
    return [
        (r["operation"], r["http_status"])
        for r in simulator.state()["received"]
        if r.get("buyer_fault_reference") == reference
    ]


def test_a_broker_outage_delays_raises_and_webhooks_but_loses_none(
    simulator, start_worker, redis_server, api, notify
):
    start_worker()
    redis_server.stop()

    references = [raise_fault(api, f"SIM-SILENT-{n}") for n in range(3)]
    start = timezone.now()
    for n, reference in enumerate(references):
        notify(notification(reference, "accepted", start + timedelta(seconds=n), f"OUT-A{n}"))
        notify(notification(reference, "in-progress", start + timedelta(seconds=9), f"OUT-B{n}"))
    assert OutboundMessage.objects.filter(status=OutboundStatus.PENDING).count() == 3
    assert InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count() == 6

    redis_server.start()

    wait_for(everything_settled, timeout=60, what="the outbox and inbox to drain")
    for reference in references:
        fault = Fault.objects.get(buyer_fault_reference=reference)
        assert fault.status == "in-progress"
        assert statuses(fault.pk) == ["pending", "accepted", "in-progress"]
        assert received_by_simulator(simulator, reference) == [("addFaultReport", 201)]


def test_a_worker_killed_while_applying_loses_nothing_and_applies_nothing_twice(
    simulator, start_worker, api, notify, e2e_partner
):
    actor = Actor.system("test")
    faults = []
    for n in range(15):
        fault = fault_create_draft(
            actor=actor,
            supplier=e2e_partner,
            service_id=f"SIM-SILENT-K{n}",
            fault_type="Impaired Service",
            fault_start_time=timezone.now(),
            fault_location="Cabinet 1",
            site_access_details="Reception",
            site_access_contact_phone="1",
            triage_complete=True,
            triage_findings="Break",
        )
        faults.append(fault_submit(fault_id=fault.pk, actor=actor))
    start = timezone.now()
    for step, status in enumerate(
        ("accepted", "in-progress", "on-hold", "in-progress", "resolved")
    ):
        for fault in faults:
            sent = start + timedelta(seconds=step)
            notify(notification(fault.buyer_fault_reference, status, sent, f"K-{fault.pk}-{step}"))
    worker = start_worker()
    wait_for(
        lambda: InboundMessage.objects.filter(status=InboundStatus.APPLIED).count() >= 10,
        timeout=30,
        what="some notifications applied",
    )
    worker.kill()
    assert InboundMessage.objects.filter(status=InboundStatus.RECEIVED).exists()

    start_worker()

    wait_for(everything_settled, timeout=90, what="every notification applied")
    assert InboundMessage.objects.filter(status=InboundStatus.APPLIED).count() == 75
    for fault in faults:
        fault.refresh_from_db()
        assert fault.status == "resolved"
        moves = statuses(fault.pk)
        # Two processes apply one fault's messages in any order: an older status arriving after
        # a newer one is ignored, never applied twice or moved backwards.
        assert moves[:2] == ["pending", "accepted"]
        assert moves.count("accepted") == moves.count("resolved") == 1
        assert moves[-1] == "resolved"
        assert all(a != b for a, b in itertools.pairwise(moves))
        assert fault.updates.count() == 5


def test_a_worker_killed_while_sending_sends_again_with_the_same_message_id(
    simulator, start_worker, api, e2e_partner
):
    with ScriptedPartner(Reply(201, PENDING)) as partner_side:
        partner_side.then(Reply(201, PENDING, delay=3))
        Partner.objects.filter(pk=e2e_partner.pk).update(
            base_url=partner_side.url, client_cert_path="", ca_bundle_path=""
        )
        worker = start_worker()
        reference = raise_fault(api, "S-KILL-1")
        wait_for(lambda: partner_side.received, timeout=30, what="the raise to reach the partner")
        worker.kill()  # mid-call: the partner has the request, we never see the answer
        start_worker()

        message = OutboundMessage.objects.get(fault__buyer_fault_reference=reference)
        wait_for(
            lambda: OutboundMessage.objects.get(pk=message.pk).status == "delivered",
            timeout=40,
            what="the raise to be sent again once its lease ran out",
        )
    message.refresh_from_db()
    assert message.attempts == 2
    assert [r.body for r in partner_side.received] == [message.body.encode()] * 2


def test_a_supplier_answering_503_gets_everything_later_in_order(simulator, start_worker, api):
    # Everything is written before the worker starts, and the supplier refuses the first two
    # requests: those are the two raises, since each fault's amends wait behind its raise. (A
    # failure window in seconds raced the worker's start on a loaded machine.)
    references = [raise_fault(api, f"SIM-SILENT-503-{n}") for n in range(2)]
    for reference in references:
        comment = api.post(
            f"{api.base_url}/faults/{reference}/comments/",
            json={"text": f"Customer in after 2pm ({reference})"},
            timeout=10,
        )
        assert comment.status_code == 201, comment.text
        amend = api.patch(
            f"{api.base_url}/faults/{reference}/",
            json={"description": "Now no sync at all"},
            timeout=10,
        )
        assert amend.status_code == 200, amend.text
    simulator.configure(fail_next=2, fail_status=503)
    start_worker()

    wait_for(everything_settled, timeout=60, what="everything delivered after the outage")
    for reference in references:
        seen = received_by_simulator(simulator, reference)
        assert any(code == 503 for _, code in seen), seen
        delivered = [operation for operation, code in seen if code in (200, 201)]
        assert delivered == ["addFaultReport", "amendFaultReport", "amendFaultReport"], seen
        bodies = [
            r["body"]
            for r in simulator.state()["received"]
            if r.get("buyer_fault_reference") == reference and r["http_status"] == 200
        ]
        assert "Customer in after 2pm" in bodies[0] and "Now no sync" in bodies[1]


def test_duplicate_and_out_of_order_notifications(simulator, start_worker, api, notify):
    start_worker()
    reference = raise_fault(api, "SIM-SILENT-DUP")
    t0 = timezone.now()  # sent times a few seconds apart, within the allowed clock skew
    accepted = notification(reference, "accepted", t0, "D-1")
    started = notification(reference, "in-progress", t0 + timedelta(seconds=20), "D-2")
    held_earlier = notification(reference, "on-hold", t0 + timedelta(seconds=10), "D-3")

    for body in (accepted, started, started, accepted, held_earlier):
        notify(body)

    wait_for(everything_settled, timeout=30, what="every notification applied")
    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.status == "in-progress"
    assert statuses(fault.pk) == ["pending", "accepted", "in-progress"]
    assert InboundMessage.objects.filter(fault=fault).count() == 3
    assert (
        sum(
            InboundMessage.objects.filter(fault=fault).values_list("duplicates_received", flat=True)
        )
        == 2
    )
    assert FaultEvent.objects.filter(fault=fault, kind=EventKind.STALE_STATUS).count() == 1
    assert fault.updates.count() == 3  # the older on-hold's update is merged all the same
