"""The six TEP-hosted operations through zeep against the running simulator, over mutual TLS:
round trips, the seed's faults for each scenario and for bad input, the once-a-minute limit on
the simulator's clock, GetTicket repeating a message until it is reported, GetReceipt's 20."""

import base64
import uuid

import pytest
import requests

from integrations.tep import faults, soap
from integrations.tep.faults import TepFault
from integrations.tep.simulator import TepSimulator
from tests.tep.simulator.conftest import (
    WAIT,
    TepCaller,
    advance,
    details_of,
    new_ticket,
    update_ticket,
)


def wait_messages(sim: TepSimulator, count: int) -> list[dict]:
    state = sim.wait_for(lambda s: len(s["messages"]) >= count, timeout=WAIT)
    return state["messages"]


def get_ticket(tep: TepCaller):
    """GetTicket, the minute since the last one first passed on the simulator's clock."""
    advance(tep.sim, 60)
    return tep.call("GetTicket")


def raw_post(sim: TepSimulator, pki, body: bytes, path: str = "/TicketService.svc"):
    with requests.Session() as session:
        session.trust_env = False
        session.cert = (str(pki.buyer_client.cert_path), str(pki.buyer_client.key_path))
        session.verify = str(pki.ca_cert_path)
        return session.post(
            sim.url + path, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}
        )


# --- round trips ------------------------------------------------------------------------------
def test_all_six_operations_round_trip_through_zeep(simulator, tep):
    stid = str(uuid.uuid4())
    uri = tep.call(
        "PostAttachment",
        Attachment={"Filename": "trace.log", "Payload": b"line 1\n", "SystemTransactionID": stid},
    )
    assert uri.filename == "trace.log" and uri.uri.startswith(simulator.url)
    fetched = tep.call("GetAttachment", AttachmentUri={"Filename": uri.filename, "Uri": uri.uri})
    assert (fetched.filename, fetched.payload, fetched.system_transaction_id) == (
        "trace.log",
        b"line 1\n",
        stid,
    )

    ticket = new_ticket("F-100", tracking="TRK-100")
    ticket["Attachments"] = {"AttachmentUri": [{"Filename": uri.filename, "Uri": uri.uri}]}
    interaction_id = tep.call("PostTicket", Ticket=ticket).interaction_id
    assert interaction_id > 0

    receipts = tep.call("GetReceipt", Count=20)
    (receipt,) = receipts
    assert receipt.status == "DeliverySuceeded"
    assert (receipt.tracking_reference, receipt.interaction_id) == ("TRK-100", interaction_id)
    assert receipt.ticket_sender.ticket_reference == "F-100"

    wait_messages(simulator, 1)
    result = tep.call("GetTicket")
    assert result.ticket.message_type == "Update"
    assert result.ticket.receiver.ticket_reference == "F-100"
    assert details_of(result.ticket)["Status"] == "Accepted"
    assert (
        tep.call(
            "ReportTicketResult",
            TicketMessageProcessingResult={
                "MessageID": result.message_id,
                "TicketReference": "F-100",
                "ProcessingStatus": "Success",
            },
        )
        is None
    )
    state = simulator.state()
    assert state["messages"][0]["reported"] == "Success" and state["messages"][0]["done"]
    # Every answer the simulator wrote satisfied the XSD.
    assert all(not call.get("answer_schema_errors") for call in state["calls"])


def test_get_ticket_with_nothing_waiting_is_empty(tep):
    assert tep.call("GetTicket") is None


# --- the once-a-minute limit --------------------------------------------------------------------
@pytest.mark.parametrize(("operation", "kwargs"), [("GetTicket", {}), ("GetReceipt", {"Count": 5})])
def test_polling_more_than_once_a_minute_is_refused_as_unavailable(tep, pki, operation, kwargs):
    tep.call(operation, **kwargs)
    with pytest.raises(TepFault) as refused:
        tep.call(operation, **kwargs)
    assert refused.value.code == faults.UNAVAILABLE
    assert refused.value.fault_type == "ServiceUnavailableFault"
    advance(tep.sim, 59)
    with pytest.raises(TepFault):
        tep.call(operation, **kwargs)
    # The refused calls did not restart the minute.
    advance(tep.sim, 1)
    tep.call(operation, **kwargs)
    # Another caller (another client certificate) has a minute of its own.
    other = TepCaller(tep.sim, pki.supplier_client, pki.ca_cert_path)
    other.call(operation, **kwargs)


def test_the_limits_of_get_ticket_and_get_receipt_are_separate(tep):
    tep.call("GetTicket")
    tep.call("GetReceipt", Count=1)


# --- GetTicket repeats until reported -----------------------------------------------------------
def test_get_ticket_returns_the_same_message_until_it_is_reported(simulator, tep):
    simulator.configure(step_delay=0.02)
    tep.call("PostTicket", Ticket=new_ticket("F-200"))
    wait_messages(simulator, 3)  # accepted, in progress, resolved
    first = tep.call("GetTicket")
    again = get_ticket(tep)
    assert again.message_id == first.message_id
    assert again.ticket.system_transaction_id == first.ticket.system_transaction_id

    def report(message, status):
        tep.call(
            "ReportTicketResult",
            TicketMessageProcessingResult={
                "MessageID": message.message_id,
                "TicketReference": "F-200",
                "ProcessingStatus": status,
            },
        )

    report(again, "Unavailable")  # a temporary problem on our side: it comes again
    assert get_ticket(tep).message_id == first.message_id
    report(first, "Success")
    second = get_ticket(tep)
    assert second.message_id != first.message_id
    assert details_of(second.ticket)["Status"] == "In Progress"
    with pytest.raises(TepFault) as stale:  # reported already
        report(first, "Success")
    assert stale.value.code == faults.VALIDATION
    assert simulator.state()["messages"][0]["returned"] == 3


# --- receipts -----------------------------------------------------------------------------------
def test_get_receipt_returns_at_most_twenty_a_call(simulator, tep, pki):
    simulator.configure(step_delay=3600)
    tracking = [f"TRK-{n}" for n in range(25)]
    for n, reference in enumerate(tracking):
        tep.call("PostTicket", Ticket=new_ticket(f"F-3{n:02d}", tracking=reference))
    # The XSD's Count is 1..20: more is a validation fault (sent by hand: our client would
    # not send it).
    too_many = raw_post(simulator, pki, ENVELOPE.format(RECEIPTS_21).encode())
    assert soap.fault_from_envelope(too_many.content).code == faults.VALIDATION
    first = tep.call("GetReceipt", Count=20)
    advance(simulator, 60)
    rest = tep.call("GetReceipt", Count=20)
    advance(simulator, 60)
    assert tep.call("GetReceipt", Count=20) == []
    assert len(first) == 20 and len(rest) == 5
    assert [r.tracking_reference for r in first + rest] == tracking
    assert {r.status for r in first + rest} == {"DeliverySuceeded"}


def test_get_receipt_honours_a_smaller_count(simulator, tep):
    simulator.configure(step_delay=3600)
    for n in range(3):
        tep.call("PostTicket", Ticket=new_ticket(f"F-4{n}"))
    assert len(tep.call("GetReceipt", Count=2)) == 2
    advance(simulator, 60)
    assert len(tep.call("GetReceipt", Count=2)) == 1


# --- scenarios ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "code", "fault_type"),
    [
        ("SIM-VALIDATION", 3000, "ServiceValidationFault"),
        ("SIM-CONFIG", 2000, "ServiceConfigurationFault"),
        ("SIM-AUTH", 2100, "ServiceConfigurationFault"),
    ],
)
def test_scenario_faults(simulator, tep, service, code, fault_type):
    with pytest.raises(TepFault) as refused:
        tep.call("PostTicket", Ticket=new_ticket("F-500", service=f"{service}-1"))
    assert (refused.value.code, refused.value.fault_type) == (code, fault_type)
    state = simulator.state()
    assert state["tickets"] == {} and state["receipts"] == []


def test_locked_scenario_answers_1100_for_the_first_calls(simulator, tep):
    simulator.configure(locked_count=2)
    ticket = new_ticket("F-600", service="SIM-LOCKED-1")
    for _ in range(2):
        with pytest.raises(TepFault) as locked:
            tep.call("PostTicket", Ticket=ticket)  # a retry reuses its SystemTransactionID
        assert (locked.value.code, locked.value.fault_type) == (1100, "ServiceUnavailableFault")
        assert locked.value.retryable
    assert tep.call("PostTicket", Ticket=ticket).interaction_id > 0


def test_purged_scenario_answers_later_updates_with_ticket_not_found(simulator, tep):
    tep.call("PostTicket", Ticket=new_ticket("F-700", service="SIM-PURGED-1"))
    simulator.wait_for(lambda s: s["tickets"] and next(iter(s["tickets"].values()))["purged"])
    with pytest.raises(TepFault) as purged:
        tep.call("PostTicket", Ticket=update_ticket("F-700", "In Progress"))
    assert (purged.value.code, purged.value.fault_type) == (3100, "ServiceValidationFault")
    assert purged.value.purged


def test_the_same_message_again_gets_the_same_answer_another_with_its_id_a_fault(tep):
    ticket = new_ticket("F-800")
    first = tep.call("PostTicket", Ticket=ticket)
    assert tep.call("PostTicket", Ticket=ticket) == first
    other = new_ticket("F-801")
    other["SystemTransactionID"] = ticket["SystemTransactionID"]
    with pytest.raises(TepFault) as refused:
        tep.call("PostTicket", Ticket=other)
    assert refused.value.code == faults.VALIDATION


def test_an_update_for_no_conversation_is_a_validation_fault(tep):
    with pytest.raises(TepFault) as refused:
        tep.call("PostTicket", Ticket=update_ticket("F-NOPE", "Closed"))
    assert refused.value.code == faults.VALIDATION


def test_add_is_a_configuration_fault(tep):
    with pytest.raises(TepFault) as refused:
        tep.call("PostTicket", Ticket=new_ticket("F-900", message_type="Add"))
    assert refused.value.fault_type == "ServiceConfigurationFault"


# --- bad input ----------------------------------------------------------------------------------
ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}</s:Body>'
    "</s:Envelope>"
)
TEP_NS = (
    'xmlns="http://schemas.ticketexchange.example/2013/06/tep/" '
    'xmlns:t="http://schemas.ticketexchange.example/2013/06/types"'
)
RECEIPTS_21 = f"<GetReceipt {TEP_NS}><Count>21</Count></GetReceipt>"
NO_STID = (
    f"<PostTicket {TEP_NS}><Ticket><t:MessageType>New</t:MessageType>"
    "<t:Sender><t:TicketReference>F-1</t:TicketReference></t:Sender></Ticket></PostTicket>"
)
LONG_STRING = (
    f"<PostTicket {TEP_NS}><Ticket><t:MessageType>New</t:MessageType>"
    f"<t:SystemTransactionID>{uuid.uuid4()}</t:SystemTransactionID>"
    "<t:Sender><t:ConversationRoleID>1</t:ConversationRoleID>"
    f"<t:TicketReference>{'x' * 300_001}</t:TicketReference></t:Sender></Ticket></PostTicket>"
)
EXE = (
    f"<PostAttachment {TEP_NS}><Attachment><t:Filename>run.exe</t:Filename>"
    f"<t:Payload>{base64.b64encode(b'MZ').decode()}</t:Payload>"
    f"<t:SystemTransactionID>{uuid.uuid4()}</t:SystemTransactionID></Attachment></PostAttachment>"
)
DOCTYPE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    + ENVELOPE.format(f"<GetTicket {TEP_NS}/>")
)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"<not well-formed", "/TicketService.svc"),
        (DOCTYPE.encode(), "/TicketService.svc"),
        (ENVELOPE.format(NO_STID).encode(), "/TicketService.svc"),
        (ENVELOPE.format(LONG_STRING).encode(), "/TicketService.svc"),
        (ENVELOPE.format(EXE).encode(), "/AttachmentService.svc"),
        (ENVELOPE.format(f"<DeleteTicket {TEP_NS}/>").encode(), "/TicketService.svc"),
        (ENVELOPE.format(f"<GetTicket {TEP_NS}/>").encode(), "/AttachmentService.svc"),
        (ENVELOPE.format(f"<GetReceipt {TEP_NS}><Count>many</Count></GetReceipt>").encode(), "/"),
    ],
    ids=[
        "not-well-formed",
        "dtd",
        "no-system-transaction-id",
        "string-over-300000",
        "forbidden-extension",
        "unknown-operation",
        "operation-of-the-other-service",
        "count-not-a-number",
    ],
)
def test_bad_input_is_a_validation_fault(simulator, pki, body, path):
    answer = raw_post(simulator, pki, body, path)
    assert answer.status_code == 500
    fault = soap.fault_from_envelope(answer.content)
    assert (fault.code, fault.fault_type) == (3000, "ServiceValidationFault")
    assert simulator.state()["tickets"] == {}


def test_a_caller_without_a_client_certificate_is_refused(simulator, pki):
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(pki.ca_cert_path)
        with pytest.raises(requests.exceptions.ConnectionError):
            session.post(simulator.ticket_service_url, data=b"")


def test_a_certificate_of_another_ca_is_refused(simulator, pki, other_pki):
    other = TepCaller(simulator, other_pki.buyer_client, pki.ca_cert_path)
    with pytest.raises(requests.exceptions.ConnectionError):
        other.call("GetTicket")
