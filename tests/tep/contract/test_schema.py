"""Every sample of every type satisfies our XSD; broken messages are refused with a reason."""

import copy

import pytest
from lxml import etree

from integrations.tep import faults, messages, schema
from integrations.tep.faults import TepFault
from integrations.tep.namespaces import TYPES_NS
from tests.tep.contract.samples import (
    TYPED_SAMPLES,
    every_message,
    full_ticket,
    sample,
    sample_bytes,
)

T = f"{{{TYPES_NS}}}"


@pytest.mark.parametrize("name", [*TYPED_SAMPLES, "soap_post_ticket.xml", "soap_fault_locked.xml"])
def test_every_golden_sample_is_valid(name):
    assert schema.schema_errors(sample_bytes(name)) == []


@pytest.mark.parametrize("message", every_message(), ids=lambda message: message.xml_name)
def test_every_message_we_build_is_valid(message):
    element = message.to_element()

    assert schema.schema_errors(element) == []
    schema.validate_or_raise(element)


@pytest.mark.parametrize("status", list(messages.ReceiptStatus))
def test_every_receipt_status_of_the_seed_is_valid(status):
    receipt = messages.Receipt(status=status)

    assert schema.schema_errors(receipt.to_element()) == []


def test_the_seven_receipt_statuses_are_the_seeds_with_its_spelling():
    assert {s.value for s in messages.ReceiptStatus} == {
        "TEP_ValidationError",
        "TEP_ConfigurationError",
        "TEP_ProcessingError",
        "DeliveryFailed",
        "DeliveryDelayed",
        "DeliveryNotRequired",
        "DeliverySuceeded",
    }


@pytest.mark.parametrize("status", list(messages.ProcessingStatus))
def test_every_processing_status_is_valid(status):
    result = messages.TicketMessageProcessingResult(
        message_id=1, ticket_reference="F-1", processing_status=status
    )
    assert schema.schema_errors(result.to_element()) == []


@pytest.mark.parametrize("code", [1000, 1100, 2000, 2100, 3000, 3100, 4000, 4299, 5000])
def test_every_fault_detail_is_valid(code):
    from integrations.tep.soap import fault_envelope

    assert schema.schema_errors(fault_envelope(TepFault(code, "why"))) == []


def _with_text(name: str, path: str, text: str) -> etree._Element:
    element = copy.deepcopy(sample(name))
    element.find(path).text = text
    return element


# (what breaks, the element, a piece of the reason)
BROKEN = [
    (
        "a string over 300000 characters",
        lambda: full_ticket(
            details=[messages.Detail(name="Long", value="x" * 300_001)]
        ).to_element(),
        "exceeds the allowed maximum length of '300000'",
    ),
    (
        "a bad GUID",
        lambda: _with_text("ticket_update.xml", f"{T}SystemTransactionID", "not-a-guid"),
        "SystemTransactionID",
    ),
    (
        "an unknown receipt status",
        lambda: _with_text("receipt.xml", f"{T}Status", "Delivered"),
        "'Delivered' is not an element of the set",
    ),
    (
        "DeliverySuceeded correctly spelled",
        lambda: _with_text("receipt.xml", f"{T}Status", "DeliverySucceeded"),
        "'DeliverySucceeded' is not an element of the set",
    ),
    (
        "an unknown processing status",
        lambda: _with_text("ticket_message_processing_result.xml", f"{T}ProcessingStatus", "Done"),
        "'Done' is not an element of the set",
    ),
    (
        "an unknown message type",
        lambda: _with_text("ticket_update.xml", f"{T}MessageType", "Create"),
        "'Create' is not an element of the set",
    ),
    (
        "a note time in no format",
        lambda: _with_text("ticket_new.xml", f"{T}Notes/{T}Note/{T}CreatedDateTime", "yesterday"),
        "'yesterday' is not a valid value of the union type",
    ),
    (
        "a badly formed e-mail",
        lambda: _with_text("ticket_new.xml", f"{T}Contacts/{T}Contact/{T}Email", "noc at example"),
        "Email",
    ),
    (
        "a payload that is not base64",
        lambda: _with_text("attachment.xml", f"{T}Payload", "not base64!"),
        "base64Binary",
    ),
    (
        "a forbidden attachment extension",
        lambda: _with_text("attachment.xml", f"{T}Filename", "setup.exe"),
        "the extension 'exe' is not one of the seed's allowed extensions",
    ),
    (
        "an attachment without an extension",
        lambda: _with_text("attachment.xml", f"{T}Filename", "README"),
        "the extension '(none)'",
    ),
]


@pytest.mark.parametrize(("broken", "make", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_message_is_refused_with_its_reason(broken, make, reason):
    element = make()

    errors = schema.schema_errors(element)

    assert any(reason in error for error in errors), errors
    with pytest.raises(TepFault) as raised:
        schema.validate_or_raise(element)
    assert raised.value.code == faults.VALIDATION
    assert raised.value.family is faults.FaultFamily.VALIDATION
    assert reason in raised.value.message


def test_a_ticket_without_system_transaction_id_is_refused():
    element = copy.deepcopy(sample("ticket_update.xml"))
    element.remove(element.find(f"{T}SystemTransactionID"))

    errors = schema.schema_errors(element)

    assert any(
        "SystemTransactionID" in error and "expected" in error.lower() for error in errors
    ), errors


def test_two_contacts_with_one_email_are_refused():
    ticket = full_ticket()
    ticket.contacts.append(ticket.contacts[0])

    errors = schema.schema_errors(ticket.to_element())

    assert any("Duplicate key-sequence ['noc@operator.example']" in error for error in errors), (
        errors
    )


def test_get_receipt_asks_for_at_most_20():
    from integrations.tep.operations import TEP_OPERATIONS, request_element

    get_receipt = TEP_OPERATIONS["GetReceipt"]
    assert schema.schema_errors(request_element(get_receipt, 20)) == []
    assert schema.schema_errors(request_element(get_receipt, 21)) != []
    assert schema.schema_errors(request_element(get_receipt, 0)) != []


def test_an_attachment_extension_is_checked_whatever_its_case():
    element = _with_text("attachment.xml", f"{T}Filename", "Report.PdF")

    assert schema.schema_errors(element) == []


def test_an_attachment_uri_filename_is_not_held_to_the_list():
    element = _with_text("attachment_uri.xml", f"{T}Filename", "whatever.bin")

    assert schema.schema_errors(element) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<Ticket", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
        (b"<Unknown/>", "No matching global declaration"),
    ],
)
def test_bytes_that_are_no_message_give_one_reason(body, reason):
    errors = schema.schema_errors(body)

    assert len(errors) == 1
    assert reason in errors[0]


def test_reasons_are_capped_and_readable():
    ticket = full_ticket(details=[messages.Detail(name="x" * 300_001) for _ in range(30)])

    errors = schema.schema_errors(ticket.to_element())

    assert len(errors) == 21
    assert errors[-1] == "… and 10 more"
    assert all(len(error) <= 300 for error in errors)
    assert errors[0].startswith("Element 't:Name'")


def test_a_second_validator_reads_our_xsd_the_same():
    """xmlschema, an implementation independent of libxml2's, agrees on the samples."""
    import xmlschema

    schemas = [str(schema.WSDL_DIR / name) for name in schema._SCHEMA_FILES.values()]
    other = xmlschema.XMLSchema(schemas, defuse="always")

    for name in TYPED_SAMPLES:
        assert other.is_valid(sample_bytes(name).decode()), name
    receipt = sample_bytes("receipt.xml").replace(b"DeliverySuceeded", b"DeliverySucceeded")
    assert not other.is_valid(receipt.decode())
