"""TEP's fault codes decide what becomes of a message, through the real outbox delivery: the
unavailable family is retried like a 503 with the same SystemTransactionID; configuration and
authorisation stop everything to the partner and flag it; validation, error and unknown are
final and put in front of the agent with TEP's message; 3100 on an update means the partner
purged its ticket: said on the fault, and nothing more is sent about it."""

import pytest

from faults.choices import EventKind
from faults.services import fault_comment_add, fault_submit
from faults.services.partner_ticket import PURGED
from integrations.choices import OutboundStatus
from integrations.models import Partner
from integrations.outbox import outbox_retry, partner_credentials_restored
from integrations.tep.models import TepTransaction
from integrations.undelivered import describe_undelivered, undelivered_outbound_messages
from tests.tep.outbound.conftest import AGENT, deliver, due
from tests.tep.outbound.stub import Reply, accepted, soap_fault, text, ticket_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def raised(tep, tep_partner, the_fault):
    """The fault raised and its New ticket delivered."""
    fault_submit(fault_id=the_fault.pk, actor=AGENT)
    tep.then(accepted(1))
    (message,) = due(tep_partner)
    assert deliver(message).status == OutboundStatus.DELIVERED
    return message


@pytest.mark.parametrize(
    "reply",
    [soap_fault(1000, "TEP is unavailable"), soap_fault(1100, "Ticket locked"), Reply(503, b"")],
    ids=["1000-unavailable", "1100-locked", "http-503"],
)
def test_unavailable_is_retried_with_its_own_system_transaction_id(tep, tep_partner, fault, reply):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(tep_partner)
    tep.then(reply, accepted(77))

    first = deliver(message)
    assert (first.status, first.attempts) == (OutboundStatus.PENDING, 1)
    if reply.status == 500:
        assert "ServiceUnavailableFault" in first.last_error
        assert TepTransaction.objects.get(outbound=message).fault_code in (1000, 1100)
    assert first.next_attempt_at > first.updated_at  # backoff, as for a 503

    assert deliver(message, later=True).status == OutboundStatus.DELIVERED
    sent = TepTransaction.objects.get(outbound=message)
    stids = [text(ticket_of(r), "SystemTransactionID") for r in tep.received]
    assert stids == [sent.system_transaction_id] * 2
    assert tep.received[0].body == tep.received[1].body
    assert sent.interaction_id == 77


@pytest.mark.parametrize("code", [2000, 2100])
def test_configuration_and_authorisation_stop_and_flag_the_partner(tep, tep_partner, fault, code):
    raised(tep, tep_partner, fault)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="First.")
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Second.")
    first, second = due(tep_partner)[1:]
    tep.then(soap_fault(code, "Partner 101 may not post to 202"))

    first = deliver(first)
    assert (first.status, first.attempts) == (OutboundStatus.PENDING, 0)  # waits, not spent
    partner = Partner.objects.get(pk=tep_partner.pk)
    assert partner.credentials_broken_at is not None
    assert "Partner 101 may not post to 202" in partner.credentials_broken_reason
    assert "ServiceConfigurationFault" in partner.credentials_broken_reason
    # Nothing more goes to the partner until an admin restores it.
    assert deliver(first, later=True).status == OutboundStatus.PENDING
    assert deliver(second, later=True).status == OutboundStatus.PENDING
    assert len(tep.received) == 2

    partner_credentials_restored(partner_id=partner.pk)
    tep.then(accepted(2), accepted(3))
    assert deliver(first).status == OutboundStatus.DELIVERED
    assert deliver(second).status == OutboundStatus.DELIVERED


@pytest.mark.parametrize(
    ("code", "family"),
    [
        (3000, "ServiceValidationFault"),
        (3042, "ServiceValidationFault"),
        (4000, "ServiceErrorFault"),
        (4299, "ServiceErrorFault"),
        (5000, "ServiceUnknownFault"),
    ],
)
def test_validation_error_and_unknown_are_final_and_shown_to_the_agent(
    tep, tep_partner, fault, code, family
):
    raised(tep, tep_partner, fault)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer needs access.")
    comment = due(tep_partner)[-1]
    tep.then(soap_fault(code, "Detail 'Severity' has no value 'Urgent'"))

    comment = deliver(comment)
    assert (comment.status, comment.attempts) == (OutboundStatus.REFUSED, 1)
    assert len(tep.received) == 2  # never retried
    (row,) = undelivered_outbound_messages()
    shown = describe_undelivered(row)
    assert "Detail 'Severity' has no value 'Urgent'" in shown.reason
    assert f"{family} {code}" in shown.reason
    assert fault.events.filter(
        kind=EventKind.ANOMALY, message__contains="Detail 'Severity' has no value"
    ).exists()


def test_a_refused_raise_rejects_the_fault_with_teps_reason(tep, tep_partner, fault):
    fault_submit(fault_id=fault.pk, actor=AGENT)
    (message,) = due(tep_partner)
    tep.then(soap_fault(3000, "Sender.ConversationRoleID 7 is not a role of conversation type 3"))
    assert deliver(message).status == OutboundStatus.REFUSED
    fault.refresh_from_db()
    assert fault.status == "rejected"
    assert "ConversationRoleID 7 is not a role" in fault.status_reason


def test_ticket_not_found_means_the_partner_purged_it(tep, tep_partner, fault):
    raised(tep, tep_partner, fault)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Any news?")
    purged_on = due(tep_partner)[-1]
    tep.then(soap_fault(3100, "Ticket TEST-000 not found"))

    purged_on = deliver(purged_on)
    assert purged_on.status == OutboundStatus.REFUSED
    assert "purged" in purged_on.last_error
    (entry,) = fault.events.filter(kind=EventKind.ANOMALY, data__has_key=PURGED)
    assert "no longer has its ticket" in entry.message
    assert "Ticket TEST-000 not found" in entry.message
    (row,) = undelivered_outbound_messages()
    assert "purged" in describe_undelivered(row).reason

    # An agent's retry does not send it again: TEP has nothing to update.
    assert outbox_retry(outbound_ids=[purged_on.pk]) == 1
    assert deliver(purged_on).status == OutboundStatus.REFUSED
    assert len(tep.received) == 2

    # A later message about the fault is not sent, and not said twice.
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Hello?")
    later = deliver(due(tep_partner)[-1])
    assert later.status == OutboundStatus.REFUSED
    assert len(tep.received) == 2
    assert fault.events.filter(kind=EventKind.ANOMALY, data__has_key=PURGED).count() == 1
