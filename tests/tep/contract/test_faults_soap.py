"""The seed's fault families and codes; SOAP envelopes and faults on the wire."""

import pytest
from lxml import etree

from integrations.tep import faults, soap
from integrations.tep.faults import FaultFamily, TepFault
from integrations.tep.namespaces import PARTNER_SERVICE_NS, SOAP_ENV_NS, TYPES_NS
from integrations.xml import XmlRejected
from tests.tep.contract.samples import full_ticket, sample_bytes

S = SOAP_ENV_NS


@pytest.mark.parametrize(
    ("code", "family", "fault_type", "retryable"),
    [
        (1000, FaultFamily.UNAVAILABLE, "ServiceUnavailableFault", True),
        (1100, FaultFamily.UNAVAILABLE, "ServiceUnavailableFault", True),
        (1999, FaultFamily.UNAVAILABLE, "ServiceUnavailableFault", True),
        (2000, FaultFamily.CONFIGURATION, "ServiceConfigurationFault", False),
        (2100, FaultFamily.CONFIGURATION, "ServiceConfigurationFault", False),
        (3000, FaultFamily.VALIDATION, "ServiceValidationFault", False),
        (3100, FaultFamily.VALIDATION, "ServiceValidationFault", False),
        (4000, FaultFamily.ERROR, "ServiceErrorFault", False),
        (4999, FaultFamily.ERROR, "ServiceErrorFault", False),
        (5000, FaultFamily.UNKNOWN, "ServiceUnknownFault", False),
        (999, FaultFamily.UNKNOWN, "ServiceUnknownFault", False),
        (5001, FaultFamily.UNKNOWN, "ServiceUnknownFault", False),
    ],
)
def test_a_code_belongs_to_its_family(code, family, fault_type, retryable):
    fault = TepFault(code, "why")

    assert fault.family is family
    assert fault.fault_type == fault_type
    assert fault.retryable is retryable


def test_the_named_codes():
    assert (faults.UNAVAILABLE, faults.LOCKED) == (1000, 1100)
    assert faults.AUTHORIZATION_FAILURE == 2100
    assert (faults.VALIDATION, faults.TICKET_NOT_FOUND) == (3000, 3100)
    assert TepFault(3100).purged and not TepFault(3000).purged
    assert TepFault(1100).message == "Locked"
    assert TepFault(4200).message == "Processing Exception"
    assert (
        str(TepFault(2100, "bad certificate")) == "ServiceConfigurationFault 2100: bad certificate"
    )


@pytest.mark.parametrize("code", [1000, 1100, 2000, 2100, 3000, 3100, 4000, 5000])
def test_a_fault_envelope_reads_back_as_the_same_fault(code):
    body = soap.fault_envelope(TepFault(code, f"reason {code}"))

    fault = soap.fault_from_envelope(body)

    assert (fault.code, fault.message) == (code, f"reason {code}")
    assert fault.family is faults.family_of(code)
    root = etree.fromstring(body)
    detail = root.find(f"{{{S}}}Body/{{{S}}}Fault/detail")
    assert detail[0].tag == f"{{{TYPES_NS}}}{fault.fault_type}"
    sender_at_fault = fault.family in (FaultFamily.CONFIGURATION, FaultFamily.VALIDATION)
    assert fault.soap_code == ("s:Client" if sender_at_fault else "s:Server")


def test_unwrapping_a_fault_raises_it():
    with pytest.raises(TepFault) as raised:
        soap.unwrap(soap.fault_envelope(TepFault(2100, "who are you")))

    assert raised.value.code == 2100


def test_a_wcf_fault_is_read_with_its_code_from_the_detail():
    fault = soap.fault_from_envelope(sample_bytes("soap_fault_locked.xml"))

    assert fault.code == faults.LOCKED
    assert fault.retryable
    assert fault.message == "Ticket F-000123 is locked by another update."
    assert fault.soap_code == "s:Client"


def _fault(detail: str, faultstring: str = "It broke") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{S}"><s:Body><s:Fault><faultcode>s:Server</faultcode>'
        f"<faultstring>{faultstring}</faultstring>{detail}</s:Fault></s:Body></s:Envelope>"
    ).encode()


def test_a_fault_without_the_seeds_detail_is_an_unhandled_exception():
    fault = soap.fault_from_envelope(_fault(""))

    assert (fault.code, fault.message, fault.family) == (5000, "It broke", FaultFamily.UNKNOWN)


def test_a_detail_with_an_unreadable_code_gets_its_types_code():
    detail = (
        '<detail><x:ServiceValidationFault xmlns:x="urn:other"><x:FaultCode>abc</x:FaultCode>'
        "</x:ServiceValidationFault></detail>"
    )

    fault = soap.fault_from_envelope(_fault(detail))

    assert (fault.code, fault.message) == (3000, "It broke")


def test_an_out_of_range_code_is_written_as_the_unknown_familys():
    fault = soap.fault_from_envelope(soap.fault_envelope(TepFault(7, "odd")))

    assert fault.code == 5000


def test_a_message_that_xml_cannot_carry_is_still_sent():
    fault = soap.fault_from_envelope(soap.fault_envelope(TepFault(3000, "bad \x00 byte")))

    assert fault.message == "bad \ufffd byte"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"Service Unavailable",
        b"<html><body>503</body></html>",
        soap.envelope(etree.Element(f"{{{PARTNER_SERVICE_NS}}}PostReceiptResponse")),
    ],
)
def test_what_is_no_fault_is_none(body):
    assert soap.fault_from_envelope(body) is None


def test_envelope_and_unwrap_round_trip():
    request = etree.Element(f"{{{PARTNER_SERVICE_NS}}}PostTicket")
    request.append(full_ticket().to_element(f"{{{PARTNER_SERVICE_NS}}}Ticket"))

    name, payload = soap.unwrap(soap.envelope(request))

    assert name == "PostTicket"
    c14n = {"method": "c14n", "exclusive": True}
    assert etree.tostring(payload, **c14n) == etree.tostring(request, **c14n)


def test_a_wcf_request_with_a_header_is_unwrapped():
    name, payload = soap.unwrap(sample_bytes("soap_post_ticket.xml"))

    assert name == "PostTicket"
    assert payload.tag == f"{{{PARTNER_SERVICE_NS}}}PostTicket"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<x/>", "not a SOAP envelope"),
        (full_ticket().to_element(), "not a SOAP envelope"),
        (
            b'<!DOCTYPE lol [<!ENTITY lol "lol">]><s:Envelope xmlns:s="'
            + S.encode()
            + b'"><s:Body>&lol;</s:Body></s:Envelope>',
            "DOCTYPE",
        ),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x/></e:Body>'
            b"</e:Envelope>",
            "SOAP 1.2",
        ),
        (f'<s:Envelope xmlns:s="{S}"/>'.encode(), "0 Body elements"),
        (f'<s:Envelope xmlns:s="{S}"><s:Body/></s:Envelope>'.encode(), "holds 0 elements"),
        (
            f'<s:Envelope xmlns:s="{S}"><s:Body><a/><b/></s:Body></s:Envelope>'.encode(),
            "holds 2 elements",
        ),
        (b"<s:Envelope", "not well-formed"),
    ],
)
def test_what_is_not_one_soap_11_message_is_rejected(body, reason):
    if not isinstance(body, bytes):
        body = etree.tostring(body)

    with pytest.raises(XmlRejected, match=reason):
        soap.unwrap(body)


def test_a_fault_survives_pickling_as_a_task_result_would():
    import pickle

    fault = TepFault(1100, "locked", soap_code="s:Server")

    copy = pickle.loads(pickle.dumps(fault))

    assert (copy.code, copy.message, copy.soap_code) == (1100, "locked", "s:Server")
    assert str(copy) == "ServiceUnavailableFault 1100: locked"


@pytest.mark.parametrize("code", [1100, 2100, 3100, 4000, 5000])
def test_a_fault_types_element_alone_is_a_valid_rest_failure(code):
    from integrations.tep import schema

    element = soap.fault_detail_element(TepFault(code, "why"))

    assert element.tag == f"{{{TYPES_NS}}}{faults.family_of(code).fault_type}"
    assert schema.schema_errors(etree.tostring(element)) == []


def test_xml_text_keeps_what_xml_can_carry_within_the_limit():
    assert soap.xml_text("a\x00b\tc\U0001f600") == "a\ufffdb\tc\U0001f600"
    assert len(soap.xml_text("x" * 300_001)) == 300_000
