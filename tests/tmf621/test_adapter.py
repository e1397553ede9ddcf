"""The TMF621 supplier's side of the outbox, over a real socket: each operation's request on the
wire (method, path, token, content type), the raise's answer recorded on the fault, the
supplier's refusals shown to the agent, retries and order, and a PATCH that waits for the ticket
id the raise brings."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.models import FaultEvent
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_amend,
    fault_apply_supplier_status,
    fault_cancel,
    fault_comment_add,
    fault_reject_resolution,
    fault_submit,
)
from integrations.choices import OutboundStatus
from integrations.http import CallResult, Outcome
from integrations.models import OutboundMessage
from integrations.outbox import outbox_deliver
from integrations.tmf621.adapter import Tmf621Adapter
from tests.tmf621.supplier_stub import Reply, tmf_error

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test-agent")
SUPPLIER = Actor.partner("tmf-event")


def messages(fault) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(fault=fault).order_by("id"))


def deliver(message: OutboundMessage, *, due: bool = False) -> str | None:
    """One delivery attempt, as the worker makes it; `due` first brings a retry's time forward
    (time passing, without waiting)."""
    if due:
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    return outbox_deliver(outbound_id=message.pk)


def raised(fault, stub) -> str:
    """Submit the fault and deliver its raise; returns the supplier's ticket id."""
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (raise_message,) = messages(fault)
    assert deliver(raise_message) == OutboundStatus.DELIVERED
    fault.refresh_from_db()
    return fault.maintainer_fault_reference


def resolved(fault) -> None:
    for status in ("in-progress", "resolved"):
        fault_apply_supplier_status(fault_id=fault.pk, status=status, actor=SUPPLIER)


def test_the_raise_is_posted_with_a_token_and_its_answer_gives_the_fault_its_ticket(
    tmf_fault, tmf_stub
):
    ticket_id = raised(tmf_fault, tmf_stub)

    (call,) = tmf_stub.received
    assert (call.method, call.path) == ("POST", "troubleTicket")
    assert call.headers["Content-Type"] == "application/json;charset=utf-8"
    assert call.bearer in tmf_stub.valid_tokens
    assert call.json["externalId"] == tmf_fault.buyer_fault_reference
    assert ticket_id == "TT-2"  # the stub's counter: token-1, then TT-2
    assert tmf_fault.status == FaultStatus.ACCEPTED  # the answer's "acknowledged"


def test_every_change_goes_to_the_tickets_url_with_the_token_fetched_once(tmf_fault, tmf_stub):
    ticket_id = raised(tmf_fault, tmf_stub)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Engineer may call after 2pm")
    fault_amend(fault_id=tmf_fault.pk, actor=AGENT, changes={"description": "Now down hard."})
    resolved(tmf_fault)
    fault_reject_resolution(fault_id=tmf_fault.pk, actor=AGENT, reason="Still no sync.")
    resolved(tmf_fault)
    fault_accept_resolution(fault_id=tmf_fault.pk, actor=AGENT)
    for message in messages(tmf_fault)[1:]:
        assert deliver(message) == OutboundStatus.DELIVERED

    calls = [(call.method, call.path) for call in tmf_stub.received]
    ticket = f"troubleTicket/{ticket_id}"
    assert calls == [("POST", "troubleTicket"), *[("PATCH", ticket)] * 4]
    assert len(tmf_stub.token_requests) == 1
    assert len({call.bearer for call in tmf_stub.received}) == 1
    assert tmf_stub.tickets[ticket_id]["status"] == "closed"
    assert [note["text"] for note in tmf_stub.tickets[ticket_id]["note"]][-2:] == [
        "Engineer may call after 2pm",
        "Still no sync.",
    ]


def test_the_token_request_is_http_basic_with_the_client_credentials_grant(tmf_fault, tmf_stub):
    raised(tmf_fault, tmf_stub)

    (token_request,) = tmf_stub.token_requests
    assert token_request["authorization"].startswith("Basic ")
    assert token_request["grant_type"] == "client_credentials"


def test_a_token_expired_mid_run_is_renewed_once_and_the_message_delivered(tmf_fault, tmf_stub):
    raised(tmf_fault, tmf_stub)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Any news?")
    tmf_stub.expire_tokens()

    comment = messages(tmf_fault)[1]
    assert deliver(comment) == OutboundStatus.DELIVERED

    first, refused, resent = tmf_stub.received
    assert refused.path == resent.path == f"troubleTicket/{tmf_fault.maintainer_fault_reference}"
    assert refused.body == resent.body
    assert refused.bearer == first.bearer != resent.bearer
    assert len(tmf_stub.token_requests) == 2
    comment.refresh_from_db()
    assert comment.attempts == 1
    tmf_fault.supplier.refresh_from_db()
    assert tmf_fault.supplier.credentials_broken_at is None


def test_a_401_after_the_renewal_flags_the_partner_and_the_message_waits(tmf_fault, tmf_stub):
    raised(tmf_fault, tmf_stub)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Any news?")
    tmf_stub.refuse_every_token = True

    comment = messages(tmf_fault)[1]
    assert deliver(comment) == OutboundStatus.PENDING

    assert [call.method for call in tmf_stub.received] == ["POST", "PATCH", "PATCH"]
    assert len(tmf_stub.token_requests) == 2  # the first token, and one renewal
    partner = tmf_fault.supplier
    partner.refresh_from_db()
    assert partner.credentials_broken_at is not None
    assert "HTTP 401" in partner.credentials_broken_reason
    comment.refresh_from_db()
    assert comment.attempts == 0  # not the message's fault: it waits for new credentials
    assert deliver(comment) is None  # and nothing is sent meanwhile
    assert len(tmf_stub.received) == 3


def test_client_credentials_refused_by_the_token_endpoint_flag_the_partner_before_any_call(
    tmf_fault, tmf_stub
):
    tmf_stub.client_secret = "the supplier changed it"
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)

    assert deliver(messages(tmf_fault)[0]) == OutboundStatus.PENDING

    assert tmf_stub.received == []
    partner = tmf_fault.supplier
    partner.refresh_from_db()
    assert partner.credentials_broken_at is not None
    assert partner.credentials_broken_reason.endswith(
        "the token endpoint refused our client credentials (HTTP 401: Invalid client credentials)"
    )


def test_a_token_endpoint_that_is_down_is_retried_without_flagging_the_partner(tmf_fault, tmf_stub):
    tmf_stub.token_script.append(tmf_error(503, "Token service unavailable"))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    (raise_message,) = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.PENDING
    raise_message.refresh_from_db()
    assert "token endpoint answered HTTP 503" in raise_message.last_error
    assert deliver(raise_message, due=True) == OutboundStatus.DELIVERED
    tmf_fault.supplier.refresh_from_db()
    assert tmf_fault.supplier.credentials_broken_at is None


def test_the_supplier_down_for_a_while_gets_everything_later_in_the_order_written(
    tmf_fault, tmf_stub
):
    tmf_stub.then(tmf_error(503, "Service unavailable"), tmf_error(503, "Service unavailable"))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="first")
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="second")
    raise_message, first, second = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.PENDING
    assert deliver(first) is None  # waits behind the raise
    assert deliver(raise_message, due=True) == OutboundStatus.PENDING
    assert deliver(raise_message, due=True) == OutboundStatus.DELIVERED
    assert deliver(second) is None  # waits behind the first comment
    assert deliver(first) == OutboundStatus.DELIVERED
    assert deliver(second) == OutboundStatus.DELIVERED

    delivered = [
        (call.method, call.json.get("note", [{}])[-1].get("text")) for call in tmf_stub.received
    ]
    assert [method for method, _ in delivered] == ["POST", "POST", "POST", "PATCH", "PATCH"]
    assert [text for _, text in delivered[3:]] == ["first", "second"]
    tmf_fault.refresh_from_db()
    assert tmf_fault.status == FaultStatus.ACCEPTED


def test_a_patch_written_before_the_ticket_exists_is_sent_to_it_once_known(tmf_fault, tmf_stub):
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Customer is home all day")
    raise_message, comment = messages(tmf_fault)
    assert comment.path == "troubleTicket/{ticketId}"  # stored before the supplier answered

    assert deliver(comment) is None
    assert deliver(raise_message) == OutboundStatus.DELIVERED
    assert deliver(comment) == OutboundStatus.DELIVERED

    tmf_fault.refresh_from_db()
    assert tmf_stub.received[-1].path == f"troubleTicket/{tmf_fault.maintainer_fault_reference}"
    comment.refresh_from_db()
    assert comment.path == "troubleTicket/{ticketId}"  # the stored request is not changed


def test_a_raise_answered_without_a_ticket_id_holds_the_patches_until_an_event_brings_it(
    tmf_fault, tmf_stub
):
    tmf_stub.then(Reply(201, {"status": "acknowledged"}))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Hello")
    raise_message, comment = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.DELIVERED
    assert deliver(comment) == OutboundStatus.PENDING
    comment.refresh_from_db()
    assert "ticket id is not known yet" in comment.last_error
    assert len(tmf_stub.received) == 1  # nothing was sent for the comment
    anomaly = FaultEvent.objects.get(fault=tmf_fault, kind=EventKind.ANOMALY)
    assert "names no ticket id" in anomaly.message

    tmf_stub.tickets["TT-9"] = {"id": "TT-9", "status": "acknowledged"}
    fault_apply_supplier_status(
        fault_id=tmf_fault.pk,
        status="accepted",
        actor=SUPPLIER,
        maintainer_fault_reference="TT-9",
    )
    assert deliver(comment, due=True) == OutboundStatus.DELIVERED
    assert tmf_stub.received[-1].path == "troubleTicket/TT-9"


def test_a_comment_written_before_a_refused_raise_is_not_sent_and_the_agent_is_told(
    tmf_fault, tmf_stub
):
    """The supplier refused the raise, so no ticket will ever exist for the comment written while
    it was on its way: the comment is refused at once, never sent, with the reason on the fault's
    timeline, instead of being retried for hours until it dies."""
    tmf_stub.then(tmf_error(400, "Invalid relatedEntity", "Service SVC-1 is not ours"))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Customer is home all day")
    raise_message, comment = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.REFUSED
    assert deliver(comment) == OutboundStatus.REFUSED

    assert len(tmf_stub.received) == 1  # the raise only
    comment.refresh_from_db()
    assert comment.last_error == (
        "not sent: the supplier refused our raise, so it has no ticket for this fault"
    )
    anomaly = FaultEvent.objects.filter(fault=tmf_fault, kind=EventKind.ANOMALY).latest("id")
    assert anomaly.message == (
        "Our request (send comment) was not sent: the supplier refused our raise, so it has no "
        "ticket for this fault"
    )


def test_a_raise_refused_with_a_tmf_error_rejects_the_fault_with_the_suppliers_reason(
    tmf_fault, tmf_stub
):
    tmf_stub.then(tmf_error(400, "Invalid relatedEntity", "Service SVC-1 is not ours"))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    (raise_message,) = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.REFUSED

    tmf_fault.refresh_from_db()
    assert tmf_fault.status == FaultStatus.REJECTED
    assert tmf_fault.status_reason == "Invalid relatedEntity: Service SVC-1 is not ours"
    raise_message.refresh_from_db()
    assert raise_message.last_error == tmf_fault.status_reason


@pytest.mark.parametrize("status", [404, 409, 422])
def test_a_patch_refused_is_an_anomaly_on_the_fault_with_the_suppliers_reason(
    tmf_fault, tmf_stub, status
):
    raised(tmf_fault, tmf_stub)
    fault_comment_add(fault_id=tmf_fault.pk, actor=AGENT, text="Hello")
    tmf_stub.then(tmf_error(status, "Ticket is closed"))

    assert deliver(messages(tmf_fault)[1]) == OutboundStatus.REFUSED

    anomaly = FaultEvent.objects.get(fault=tmf_fault, kind=EventKind.ANOMALY)
    assert anomaly.message == "The supplier refused our request (send comment): Ticket is closed"
    tmf_fault.refresh_from_db()
    assert tmf_fault.status == FaultStatus.ACCEPTED


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_or_failing_answers_are_retried(tmf_fault, tmf_stub, status):
    tmf_stub.then(tmf_error(status, "Try later"))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    (raise_message,) = messages(tmf_fault)

    assert deliver(raise_message) == OutboundStatus.PENDING
    raise_message.refresh_from_db()
    assert raise_message.next_attempt_at > timezone.now()
    assert deliver(raise_message, due=True) == OutboundStatus.DELIVERED


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, Outcome.FINAL),
        (401, Outcome.CREDENTIALS_REFUSED),
        (404, Outcome.FINAL),
        (409, Outcome.FINAL),
        (422, Outcome.FINAL),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
    ],
)
def test_tmf_error_answers_are_classified(status, outcome):
    answer = CallResult(Outcome.FINAL, status, b"{}")

    assert Tmf621Adapter().classify(None, answer) == outcome  # type: ignore[arg-type]


def test_a_raise_answered_with_a_status_we_do_not_know_is_an_anomaly(tmf_fault, tmf_stub):
    tmf_stub.then(Reply(201, {"id": "TT-77", "status": "triaging"}))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)

    assert deliver(messages(tmf_fault)[0]) == OutboundStatus.DELIVERED

    tmf_fault.refresh_from_db()
    assert tmf_fault.maintainer_fault_reference == "TT-77"
    assert tmf_fault.status == FaultStatus.PENDING
    anomaly = FaultEvent.objects.get(fault=tmf_fault, kind=EventKind.ANOMALY)
    assert "'triaging'" in anomaly.message


def test_a_raise_answered_with_an_expected_resolution_date_gives_the_fault_its_fix_time(
    tmf_fault, tmf_stub
):
    answer = {"id": "TT-8", "status": "acknowledged", "expectedResolutionDate": "2030-01-02T10:00Z"}
    tmf_stub.then(Reply(201, answer))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)

    assert deliver(messages(tmf_fault)[0]) == OutboundStatus.DELIVERED

    tmf_fault.refresh_from_db()
    assert tmf_fault.supplier_expected_resolution_at == datetime(2030, 1, 2, 10, 0, tzinfo=UTC)


def test_a_raise_answered_submitted_stays_pending_with_its_ticket(tmf_fault, tmf_stub):
    tmf_stub.then(Reply(201, {"id": "TT-5", "status": "submitted"}))
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)

    assert deliver(messages(tmf_fault)[0]) == OutboundStatus.DELIVERED

    tmf_fault.refresh_from_db()
    assert (tmf_fault.status, tmf_fault.maintainer_fault_reference) == ("pending", "TT-5")


def test_an_older_raise_answer_does_not_undo_a_newer_event(tmf_fault, tmf_stub):
    """The supplier's event (in progress) was applied before the raise's answer was recorded:
    the answer's acknowledged, set earlier by the supplier's clock, does not move it back."""
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    fault_apply_supplier_status(
        fault_id=tmf_fault.pk,
        status="in-progress",
        actor=SUPPLIER,
        sent_at=timezone.now(),
        maintainer_fault_reference="TT-2",
    )
    earlier = (timezone.now() - timedelta(minutes=1)).isoformat()
    tmf_stub.then(Reply(201, {"id": "TT-2", "status": "acknowledged", "statusChangeDate": earlier}))

    assert deliver(messages(tmf_fault)[0]) == OutboundStatus.DELIVERED

    tmf_fault.refresh_from_db()
    assert tmf_fault.status == FaultStatus.IN_PROGRESS


def test_cancel_and_the_answers_to_a_resolution_say_the_status_mef_124_expects(tmf_fault, tmf_stub):
    ticket_id = raised(tmf_fault, tmf_stub)
    resolved(tmf_fault)
    fault_reject_resolution(fault_id=tmf_fault.pk, actor=AGENT, reason="Still dropping.")
    fault_cancel(fault_id=tmf_fault.pk, actor=AGENT, reason="Customer fixed it.")
    for message in messages(tmf_fault)[1:]:
        assert deliver(message) == OutboundStatus.DELIVERED

    reject, cancel = (call.json for call in tmf_stub.received[1:])
    assert reject["status"] == "reopened"
    assert reject["statusChangeReason"] == "Still dropping."
    assert cancel == {"status": "cancelled", "statusChangeReason": "Customer fixed it."}
    assert tmf_stub.tickets[ticket_id]["status"] == "cancelled"


def test_the_comment_note_carries_our_id_and_the_agents_name(tmf_fault, tmf_stub, agent_user):
    raised(tmf_fault, tmf_stub)
    comment = fault_comment_add(
        fault_id=tmf_fault.pk, actor=Actor.for_user(agent_user), text="Call the site first"
    )

    deliver(messages(tmf_fault)[1])

    body = tmf_stub.received[-1].json
    assert body == {
        "note": [
            {
                "id": f"noc-comment-{comment.pk}",
                "text": "Call the site first",
                "author": agent_user.get_username(),
            }
        ]
    }


def test_the_stored_request_is_what_the_admin_shows(tmf_fault):
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    (message,) = messages(tmf_fault)

    assert (message.method, message.path) == ("POST", "troubleTicket")
    assert message.message_type == "createTroubleTicket"
    assert "Authorization" not in message.headers  # the session carries the token
    assert json.loads(message.body)["externalId"] == tmf_fault.buyer_fault_reference
