"""Every dataclass survives to_element/from_element both ways; note times in the seed's format;
each operation's wrapped request and response."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from integrations.tep import messages as m
from integrations.tep import operations, schema, soap
from integrations.tep.namespaces import PARTNER_SERVICE_NS, TICKET_SERVICE_NS, TYPES_NS
from tests.tep.contract.samples import TYPED_SAMPLES, every_message, full_ticket, sample


@pytest.mark.parametrize("message", every_message(), ids=lambda message: message.xml_name)
def test_a_message_written_and_read_is_the_same_message(message):
    element = message.to_element()

    assert etree.QName(element).text == f"{{{TYPES_NS}}}{type(message).__name__}"
    assert type(message).from_element(element) == message


def test_every_field_of_every_message_is_set_in_the_round_trip_samples():
    """The round trip above proves something only if no field is left at its default."""
    for message in every_message():
        for spec in fields(message):
            assert getattr(message, spec.name) not in (None, []), (message.xml_name, spec.name)


@pytest.mark.parametrize(("name", "cls"), TYPED_SAMPLES.items())
def test_a_golden_sample_read_and_written_again_is_the_same(name, cls):
    message = cls.from_element(sample(name))

    element = message.to_element()

    assert schema.schema_errors(element) == []
    assert cls.from_element(element) == message


def test_a_ticket_is_read_as_the_seed_describes_it():
    ticket = m.Ticket.from_element(sample("ticket_new.xml"))

    assert ticket.message_type is m.MessageType.NEW
    assert ticket.system_transaction_id == "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert ticket.sender == m.Partner(
        id=1001, name="Example Operator", conversation_role_id=7, ticket_reference="F-000123"
    )
    assert ticket.receiver.ticket_reference is None
    assert ticket.detail("Severity") == "2"
    assert ticket.detail("ServiceId") is None
    assert ticket.details[1].context == "mapped"
    assert [c.email for c in ticket.contacts] == [
        "noc@operator.example",
        "engineer@operator.example",
    ]
    assert ticket.contacts[0].is_primary is True
    assert ticket.contacts[1].is_email_enabled is False
    assert ticket.contacts[0].details == [m.Detail(name="Shift", value="Night")]
    assert ticket.notes[0].created_date_time == datetime(2012, 5, 21, 13, 0, tzinfo=UTC)
    assert ticket.notes[1].created_date_time == datetime(2026, 11, 28, 8, 14, tzinfo=UTC)
    assert ticket.attachments[0].uri == "https://tep.example/attachments/8c1e"


def test_a_receipt_keeps_the_seeds_spelling_and_a_long_interaction_id():
    receipt = m.Receipt.from_element(sample("receipt.xml"))

    assert receipt.status is m.ReceiptStatus.DELIVERY_SUCCEEDED
    assert receipt.status == "DeliverySuceeded"
    assert receipt.interaction_id == 2**63 - 1
    assert receipt.date_time == datetime(2026, 11, 28, 9, 15, 2, 123456, tzinfo=UTC)
    assert receipt.ticket_receiver.ticket_reference == "SUP-42"


def test_an_attachment_payload_is_bytes():
    attachment = m.Attachment.from_element(sample("attachment.xml"))

    assert attachment.payload.startswith(b"\xd4\xc3\xb2\xa1")  # a pcap file
    assert attachment.extension == "pcap"
    assert attachment.mime_type != ""


def test_an_optional_string_that_is_empty_stays_empty():
    ticket = m.Ticket.from_element(sample("ticket_add.xml"))

    assert ticket.receiver.ticket_reference == ""
    assert m.Ticket.from_element(ticket.to_element()).receiver.ticket_reference == ""


def test_a_message_can_be_written_under_another_tag():
    ticket = full_ticket()

    element = etree.fromstring(etree.tostring(ticket.to_element(f"{{{PARTNER_SERVICE_NS}}}Ticket")))

    assert element.tag == f"{{{PARTNER_SERVICE_NS}}}Ticket"
    assert element[0].tag == f"{{{TYPES_NS}}}MessageType"
    assert m.Ticket.from_element(element) == ticket


def test_a_missing_required_property_is_a_value_error():
    element = sample("ticket_update.xml")
    element.remove(element.find(f"{{{TYPES_NS}}}Sender"))

    with pytest.raises(ValueError, match="Ticket without Sender"):
        m.Ticket.from_element(element)


def test_new_system_transaction_ids_are_fresh_guids():
    first, second = m.new_system_transaction_id(), m.new_system_transaction_id()

    assert first != second
    ticket = full_ticket(system_transaction_id=first)
    assert schema.schema_errors(ticket.to_element()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/21/2012 1:00:00 PM", datetime(2012, 5, 21, 13, 0, tzinfo=UTC)),
        ("05/21/2012 01:00:00 PM", datetime(2012, 5, 21, 13, 0, tzinfo=UTC)),
        ("5/21/2012 12:00:00 AM", datetime(2012, 5, 21, 0, 0, tzinfo=UTC)),
        ("5/21/2012 12:30:15 PM", datetime(2012, 5, 21, 12, 30, 15, tzinfo=UTC)),
        ("12/31/2012 11:59 pm", datetime(2012, 12, 31, 23, 59, tzinfo=UTC)),
        ("2012-05-21T13:00:00Z", datetime(2012, 5, 21, 13, 0, tzinfo=UTC)),
        ("2012-05-21T13:00:00", datetime(2012, 5, 21, 13, 0, tzinfo=UTC)),
        (
            "2012-05-21T15:00:00+02:00",
            datetime(2012, 5, 21, 15, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_note_times_are_read_in_the_seeds_format_and_as_xs_datetime(text, expected):
    assert m.parse_note_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "21/5/2012 1:00:00 PM", "5/21/2012 13:00:00 PM", "5/21/2012 0:00:00 AM"],
)
def test_a_note_time_in_no_format_is_a_value_error(text):
    with pytest.raises(ValueError):
        m.parse_note_time(text)


def test_note_times_are_written_as_xs_datetime_in_utc():
    note = m.Note(
        note_id="1",
        created_date_time=datetime(2012, 5, 21, 15, 0, tzinfo=timezone(timedelta(hours=2))),
    )

    element = note.to_element()

    assert element.findtext(f"{{{TYPES_NS}}}CreatedDateTime") == "2012-05-21T13:00:00Z"


def test_the_seeds_limits():
    assert m.MAX_STRING == 300_000
    assert len(m.ATTACHMENT_EXTENSIONS) == 69
    assert {"pcap", "uccapilog", "xltx", "pdf"} <= m.ATTACHMENT_EXTENSIONS
    assert "exe" not in m.ATTACHMENT_EXTENSIONS


# --- operations -------------------------------------------------------------------------------

_RECEIPT = m.Receipt(status=m.ReceiptStatus.DELIVERY_FAILED, tracking_reference="F-1/1")
_ATTACHMENT = m.Attachment(
    filename="a.txt", payload=b"hello", system_transaction_id=m.new_system_transaction_id()
)
_URI = m.AttachmentUri(filename="a.txt", uri="https://tep.example/a/1")
_RESULT = m.TicketMessageProcessingResult(
    message_id=1, ticket_reference="F-1", processing_status=m.ProcessingStatus.SUCCESS
)

# (side, operation, request value, response value)
EXCHANGES = [
    ("tep", "PostTicket", full_ticket(), m.PostTicketResponse(interaction_id=1)),
    ("tep", "GetTicket", None, m.GetTicketResponse(message_id=3, ticket=full_ticket())),
    ("tep", "GetTicket", None, None),
    ("tep", "ReportTicketResult", _RESULT, None),
    ("tep", "GetReceipt", 20, [_RECEIPT, _RECEIPT]),
    ("tep", "GetReceipt", 1, []),
    ("tep", "PostAttachment", _ATTACHMENT, _URI),
    ("tep", "GetAttachment", _URI, _ATTACHMENT),
    ("partner", "PostTicket", full_ticket(), m.PartnerPostTicketResponse(ticket_reference="P-1")),
    ("partner", "PostReceipt", _RECEIPT, None),
    ("partner", "PostAttachment", _ATTACHMENT, _URI),
    ("partner", "GetAttachment", _URI, _ATTACHMENT),
]


@pytest.mark.parametrize(
    ("side", "name", "request_value", "response_value"),
    EXCHANGES,
    ids=[f"{e[0]}-{e[1]}-{i}" for i, e in enumerate(EXCHANGES)],
)
def test_each_operation_request_and_response_round_trip_and_validate(
    side, name, request_value, response_value
):
    ops = operations.TEP_OPERATIONS if side == "tep" else operations.PARTNER_OPERATIONS
    op = ops[name]

    # Through the wire: what is written is what is read.
    _name, request = soap.unwrap(soap.envelope(operations.request_element(op, request_value)))
    _name, response = soap.unwrap(soap.envelope(operations.response_element(op, response_value)))

    assert schema.schema_errors(request) == []
    assert schema.schema_errors(response) == []
    assert operations.operation_for(request) is op
    assert operations.read_request(op, request) == request_value
    assert operations.read_response(op, response) == response_value
    namespace = TICKET_SERVICE_NS if side == "tep" else PARTNER_SERVICE_NS
    assert request.tag == f"{{{namespace}}}{name}"
    assert response.tag == f"{{{namespace}}}{name}Response"


def test_ten_operations_in_all():
    assert len(operations.TEP_OPERATIONS) + len(operations.PARTNER_OPERATIONS) == 10
    assert operations.operation_for(etree.Element(f"{{{TYPES_NS}}}PostTicket")) is None
