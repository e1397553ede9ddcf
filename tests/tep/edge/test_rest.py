"""The REST variants of our hosted services (seed 000, "Supported Partner Hosted REST Service
Transactions"): a Ticket answered at once with PartnerPostTicketResponse; a RestfulTicketRequest
answered 200 at once and later with ReportTicketResult, sent by a task after the message is
stored; HTTP 500 for a failure and 503 for what TEP should send again."""

from collections.abc import Iterator

import pytest

from config.celery import app
from integrations.models import InboundMessage, Partner
from integrations.tep import received
from integrations.tep.namespaces import TYPES_NS
from integrations.tep.schema import schema_errors
from integrations.xml import parse_xml
from tests.tep.edge.conftest import (
    REST_RECEIPT_URL,
    REST_TICKET_URL,
    bare,
    new_stid,
    post,
    stored,
    ticket_xml,
)
from tests.tep.edge.tep_stub import TepStub

T = f"{{{TYPES_NS}}}"
XML = "application/xml"


def _restful(message_id: str, **ticket) -> bytes:
    inner = ticket_xml(tag="t:InputTicket", **ticket)
    return bare(
        f"<t:RestfulTicketRequest><t:MessageID>{message_id}</t:MessageID>{inner}"
        "</t:RestfulTicketRequest>",
        "RestfulTicketRequest",
    )


def _failure(response, status: int, fault_type: str, code: int) -> None:
    assert response.status_code == status, response.content
    detail = parse_xml(response.content)
    assert detail.tag == f"{T}{fault_type}"
    assert detail.findtext(f"{T}FaultCode") == str(code)
    assert schema_errors(detail) == []


def test_a_ticket_is_answered_at_once_with_our_reference(client, pki, tep_partner):
    stid = new_stid()
    body = bare(ticket_xml(stid=stid, tag="t:Ticket"), "Ticket")

    response = post(client, REST_TICKET_URL, body, pki=pki, content_type=XML)

    assert response.status_code == 200, response.content
    answer = parse_xml(response.content)
    assert answer.tag == f"{T}PartnerPostTicketResponse"
    assert answer.findtext(f"{T}TicketReference") == received.promised_reference(tep_partner, stid)
    assert [m.message_id for m in stored(tep_partner)] == [stid]


def test_a_ticket_about_a_ticket_we_do_not_have_is_a_failure(client, pki, tep_partner):
    body = bare(ticket_xml("Update", tag="t:Ticket", receiver_reference="NOC-X"), "Ticket")
    response = post(client, REST_TICKET_URL, body, pki=pki, content_type=XML)
    _failure(response, 500, "ServiceValidationFault", 3100)
    assert stored(tep_partner) == []


def test_an_update_while_its_new_waits_is_unavailable(client, pki, tep_partner):
    stid = new_stid()
    post(client, REST_TICKET_URL, bare(ticket_xml(stid=stid, tag="t:Ticket"), "Ticket"), pki=pki)
    ours = received.promised_reference(tep_partner, stid)
    update = bare(ticket_xml("Update", tag="t:Ticket", receiver_reference=ours), "Ticket")

    response = post(client, REST_TICKET_URL, update, pki=pki, content_type=XML)

    _failure(response, 503, "ServiceUnavailableFault", 1000)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<t:Ticket", id="not-well-formed"),
        pytest.param(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', id="dtd"),
        pytest.param(bare("<t:Receipt><t:Status>X</t:Status></t:Receipt>", "Receipt"), id="other"),
        pytest.param(_restful("not-a-number"), id="message-id-not-a-number"),
    ],
)
def test_what_we_cannot_read_is_a_validation_failure(client, pki, tep_partner, body):
    response = post(client, REST_TICKET_URL, body, pki=pki, content_type=XML)
    _failure(response, 500, "ServiceValidationFault", 3000)
    assert not InboundMessage.objects.exists()


def test_an_unauthenticated_caller_gets_the_rest_shape_too(client, tep_partner):
    response = post(client, REST_TICKET_URL, bare(ticket_xml(tag="t:Ticket"), "Ticket"))
    _failure(response, 500, "ServiceConfigurationFault", 2100)


@pytest.fixture
def tep_behind(tep_partner, monkeypatch) -> Iterator[TepStub]:
    """TEP's ReportTicketResult on loopback, and tasks run as they are published."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    with TepStub() as stub:
        Partner.objects.filter(pk=tep_partner.pk).update(base_url=stub.url)
        yield stub


def test_a_restful_request_is_taken_at_once_and_reported_after_it_is_stored(
    client, pki, tep_partner, tep_behind, django_capture_on_commit_callbacks
):
    stid = new_stid()
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, REST_TICKET_URL, _restful("4711", stid=stid), pki=pki)
        assert response.status_code == 200 and response.content == b""
        # Nothing is reported before the storing transaction commits.
        assert tep_behind.calls == []
    assert callbacks
    for callback in callbacks:
        callback()

    reference = received.promised_reference(tep_partner, stid)
    assert tep_behind.reports() == [(4711, reference, "Success")]
    assert [m.message_id for m in stored(tep_partner)] == [stid]


def test_a_restful_request_for_a_ticket_we_do_not_have_is_reported_not_found(
    client, pki, tep_partner, tep_behind, django_capture_on_commit_callbacks
):
    body = _restful("12", message_type="Update", receiver_reference="NOC-GONE")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, REST_TICKET_URL, body, pki=pki)

    assert response.status_code == 200
    assert tep_behind.reports() == [(12, "NOC-GONE", "NotFound")]
    assert stored(tep_partner) == []


def test_a_receipt_that_is_not_one_is_a_failure(client, pki, tep_partner):
    response = post(client, REST_RECEIPT_URL, b"<Receipt/>", pki=pki, content_type=XML)
    _failure(response, 500, "ServiceValidationFault", 3000)


def test_the_asynchronous_report_is_tried_again_while_tep_cannot_take_it(tep_partner, tep_behind):
    from integrations.tep.tasks import REPORT_RETRIES, report_ticket_result

    tep_behind.reports_refused = REPORT_RETRIES
    outcome = report_ticket_result.apply(args=(tep_partner.pk, 88, "NOC-1", "Success"))

    assert outcome.get() == "Success"
    assert tep_behind.operations.count("ReportTicketResult") == REPORT_RETRIES + 1
