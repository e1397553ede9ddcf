"""What we send the supplier: valid against its XSD, shaped like its samples, only what changed."""

from copy import deepcopy
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from faults.models import Fault, FaultAttachment, FaultComment
from integrations.cityfibre.builders import (
    build_add_fault_report,
    build_amend_fault_report,
    build_notify_response,
    build_request_fault_report_update,
    build_resolve_response,
    format_datetime,
)
from integrations.cityfibre.messages import OutboundAppointment
from integrations.cityfibre.parsers import parse_generic_response
from integrations.cityfibre.schema import (
    OutboundMessageInvalid,
    schema_deviations,
    validate_outbound,
)
from integrations.cityfibre.soap import SOAP_ENV_NS, unwrap, wrap
from integrations.models import BuyerIdentifier
from integrations.xml import parse_xml
from tests.factories import FaultFactory

SAMPLES = Path(__file__).parent / "samples"
SENT_AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def sample(name: str) -> etree._Element:
    return parse_xml((SAMPLES / name).read_bytes())


def leaves(element: etree._Element, *, skip: frozenset[str] = frozenset()) -> list[tuple]:
    """(path, text) of every leaf in document order, white space collapsed: a canonical form
    that ignores indentation and attributes (the samples' xsi:noNamespaceSchemaLocation)."""
    out = []

    def walk(node: etree._Element, path: str) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child.tag in skip:
                continue
            child_path = f"{path}/{child.tag}"
            if len(child):
                walk(child, child_path)
            else:
                out.append((child_path, " ".join((child.text or "").split())))

    walk(element, "")
    return out


def child_tags(element: etree._Element) -> list[str]:
    return [child.tag for child in element]


def make_fault(**overrides: object) -> Fault:
    """An unsaved fault as it is after acceptance: no database needed to build messages."""
    values = {
        "buyer_fault_reference": "NOC-240301-ABCD",
        "maintainer_fault_reference": "CS0001234",
        "buyer_identifier": BuyerIdentifier(code="SPDEV1"),
        "service_id": "S18650",
        "fault_type": "Impaired Service",
        "priority": 2,
        "description": "Intermittent loss of sync.\nSince Monday.",
        "fault_start_time": datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
        "fault_location": "Cabinet 12, Example Street",
        "site_access_details": "Ring the bell at reception.",
        "site_access_contact_name": "Site Contact",
        "site_access_contact_phone": "01632 960000",
        "reporter_name": "Nora Agent",
        "reporter_phone": "01632 960001",
        "reporter_email": "nora@example.test",
        "end_user_phone": "01632 960002",
        "triage_complete": True,
        "triage_findings": "Light levels low at the ONT.",
    }
    values.update(overrides)
    return Fault(**values)


# --- addFaultReport ------------------------------------------------------------------------------
def sample_04_fault() -> Fault:
    return make_fault(
        buyer_fault_reference="MPTEST-ABC123-15",
        maintainer_fault_reference="CS0005727",
        parent=Fault(buyer_fault_reference="SP-456XYZ"),
        service_id="S21709",
        fault_type="Customer Reported Problem",
        priority=1,
        description="Second Test - E2E Ticketing API -> ServiceNow",
        fault_start_time=datetime(2018, 5, 16, 12, 1, tzinfo=UTC),
        fault_location="500 Avebury Boulevard,\nMilton Keynes\nMK1 3XX",
        site_access_details="Yes",
        site_access_contact_name="Joe",
        site_access_contact_phone="1234",
        site_access_contact_email="joe.smith@example.com",
        reporter_name="Joe",
        reporter_phone="1234",
        reporter_email="joe.smith@example.com",
        end_user_name="",
        end_user_phone="1234",
        end_user_email="rp@example.com",
        triage_complete=True,
        triage_findings="Triage report complete - details follow: ...",
    )


def test_add_fault_report_reproduces_sample_04() -> None:
    # Given a fault holding sample 04's values, and its appointment.
    fault = sample_04_fault()
    appointment = OutboundAppointment(
        reservation_key="1234567", date=date(2018, 6, 9), start_time=time(12), end_time=time(13)
    )
    sent_at = datetime(2018, 6, 9, 11, 15, 17, 100, tzinfo=UTC)  # "…17.0001Z"

    # When the addFaultReport is built.
    built = build_add_fault_report(
        fault=fault, message_id="SP-00001", sent_at=sent_at, appointment=appointment
    )

    # Then it is sample 04, element by element and in the same order. Ignored: white space
    # (indentation), the sample's xsi attributes, and <errorMessage>Some failure</errorMessage>,
    # which the sample carries but a request of ours never does.
    assert leaves(built) == leaves(
        sample("04-addFaultReport.request.xml"), skip=frozenset({"errorMessage"})
    )
    assert built.findtext("sentAt") == "2018-06-09T11:15:17.0001Z"
    assert built.attrib == {}
    assert built.nsmap == {}


def test_add_fault_report_without_optional_parts() -> None:
    fault = make_fault(maintainer_fault_reference="", description="", reporter_name="")
    fault.reporter_phone = fault.reporter_email = fault.end_user_phone = ""

    built = build_add_fault_report(fault=fault, message_id="M-1", sent_at=SENT_AT)

    assert child_tags(built) == [
        "apiVersion",
        "buyerIdentifier",
        "sentAt",
        "messageId",
        "reportDateTime",
        "serviceAffected",
        "buyerFaultReference",
        "faultDetails",
        "priorityLevel",
    ]
    assert child_tags(built.find("faultDetails"))[0] == "type"
    assert built.findtext("apiVersion") == "1.0"
    assert built.findtext("sentAt") == "2024-03-01T09:30:00Z"
    assert built.findtext("faultDetails/triageComplete") == "true"
    assert schema_deviations(built) == []


def test_add_fault_report_carries_attachments() -> None:
    attachment = FaultAttachment(filename="ont.jpg", url="https://files.example.test/ont.jpg")

    built = build_add_fault_report(
        fault=make_fault(), message_id="M-1", sent_at=SENT_AT, attachments=[attachment]
    )

    assert leaves(built.find("attachments")) == [
        ("/attachment/filename", "ont.jpg"),
        ("/attachment/url", "https://files.example.test/ont.jpg"),
        ("/attachment/uploaded", "false"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("service_id", "", "serviceAffected"),
        ("fault_start_time", None, "faultStartTime"),
        ("triage_complete", None, "triageComplete"),
        ("triage_findings", "   ", "triageFindings"),
    ],
)
def test_an_invalid_fault_makes_the_builder_fail_loudly(field, value, complaint) -> None:
    # Given a fault the supplier's XSD refuses (forced past the model's own checks).
    fault = make_fault(**{field: value})

    # When/then building its addFaultReport raises, naming the element.
    with pytest.raises(OutboundMessageInvalid) as caught:
        build_add_fault_report(fault=fault, message_id="M-1", sent_at=SENT_AT)
    assert any(complaint in error for error in caught.value.errors)


@pytest.mark.django_db
def test_add_fault_report_from_a_saved_fault() -> None:
    parent = FaultFactory(buyer_fault_reference="MASS-000001")
    fault = FaultFactory(parent=parent, supplier=parent.supplier)

    built = build_add_fault_report(fault=fault, message_id="M-1", sent_at=SENT_AT)

    assert built.findtext("buyerIdentifier") == fault.buyer_identifier.code
    assert built.findtext("parentFaultReference") == "MASS-000001"
    assert built.findtext("faultDetails/siteAccessContactDetails/name") == "Site Contact"
    assert built.find("maintainerFaultReference") is None
    validate_outbound(built)


# --- amendFaultReport ----------------------------------------------------------------------------
HEADER = ["apiVersion", "buyerIdentifier", "sentAt", "messageId"]
REFERENCES = ["buyerFaultReference", "maintainerFaultReference"]


def amend(**kwargs: object) -> etree._Element:
    kwargs.setdefault("changes", {})
    return build_amend_fault_report(fault=make_fault(), message_id="M-2", sent_at=SENT_AT, **kwargs)


def test_amend_carries_only_the_changed_detail() -> None:
    built = amend(changes={"description": "Now a total outage."})

    assert child_tags(built) == [*HEADER, *REFERENCES, "faultDetails"]
    assert leaves(built.find("faultDetails")) == [("/description", "Now a total outage.")]
    validate_outbound(built)


def test_amend_maps_details_in_the_xsd_order() -> None:
    built = amend(
        changes={
            "triage_findings": "No light at the ONT.",
            "fault_start_time": "2024-03-01T07:15:00+00:00",  # as the outbox payload holds it
            "triage_complete": False,
            "fault_location": "Cabinet 14",
        }
    )

    assert leaves(built.find("faultDetails")) == [
        ("/faultStartTime", "2024-03-01T07:15:00Z"),
        ("/faultLocation", "Cabinet 14"),
        ("/triageComplete", "false"),
        ("/triageFindings", "No light at the ONT."),
    ]


def test_amend_of_one_contact_part_sends_that_contact_whole() -> None:
    built = amend(changes={"reporter_phone": "07700 900123", "end_user_email": ""})

    assert child_tags(built) == [
        *HEADER,
        "reporterContactDetails",
        "endUserContactDetails",
        *REFERENCES,
    ]
    assert leaves(built.find("reporterContactDetails")) == [
        ("/name", "Nora Agent"),
        ("/phone", "07700 900123"),
        ("/email", "nora@example.test"),
    ]
    # A part cleared by the change is sent empty; an unchanged blank part is left out.
    assert leaves(built.find("endUserContactDetails")) == [
        ("/phone", "01632 960002"),
        ("/email", ""),
    ]
    validate_outbound(built)


def test_amend_of_the_site_contact_goes_inside_fault_details() -> None:
    built = amend(changes={"site_access_contact_email": "site@example.test"})

    assert child_tags(built) == [*HEADER, *REFERENCES, "faultDetails"]
    assert leaves(built.find("faultDetails")) == [
        ("/siteAccessContactDetails/name", "Site Contact"),
        ("/siteAccessContactDetails/phone", "01632 960000"),
        ("/siteAccessContactDetails/email", "site@example.test"),
    ]


def test_amend_of_the_priority_has_no_fault_details() -> None:
    built = amend(changes={"priority": 1})

    assert child_tags(built) == [*HEADER, *REFERENCES, "priorityLevel"]
    assert built.findtext("priorityLevel") == "1"


def test_cancel_amend_carries_status_cancelled() -> None:
    built = amend(status="cancelled", status_reason="Raised against the wrong line.")

    assert child_tags(built) == [*HEADER, *REFERENCES, "faultDetails"]
    assert leaves(built.find("faultDetails")) == [
        ("/status", "cancelled"),
        ("/statusReason", "Raised against the wrong line."),
    ]
    validate_outbound(built)


def test_amend_with_a_comment_and_an_appointment() -> None:
    comment = FaultComment(
        text="We need access to the property.",
        commented_by="buyer",
        commented_time=datetime(2024, 3, 1, 10, 0, 0, 500000, tzinfo=UTC),
    )
    appointment = OutboundAppointment(reservation_key="CAMS-42")

    built = amend(comment=comment, appointment=appointment)

    assert child_tags(built) == [*HEADER, *REFERENCES, "appointment", "comment"]
    assert leaves(built.find("appointment")) == [("/appointmentReservationKey", "CAMS-42")]
    assert leaves(built.find("comment")) == [
        ("/value", "We need access to the property."),
        ("/commentedBy", "buyer"),
        ("/commentedTime", "2024-03-01T10:00:00.5Z"),
    ]
    validate_outbound(built)


def test_amend_refuses_a_field_the_message_cannot_carry() -> None:
    with pytest.raises(OutboundMessageInvalid, match="address_key"):
        amend(changes={"address_key": "10002491172"})


def test_amend_with_an_invalid_status_fails_loudly() -> None:
    with pytest.raises(OutboundMessageInvalid, match="status"):
        amend(status="withdrawn")


# --- resolveResponse and requestFaultReportUpdate ------------------------------------------------
def test_resolve_response_reproduces_sample_08() -> None:
    fault = make_fault(
        buyer_identifier=BuyerIdentifier(code="TEST"),
        buyer_fault_reference="MP-PR-004",
        maintainer_fault_reference="CS0140872",
    )

    built = build_resolve_response(
        fault=fault,
        message_id="SP-00004",
        sent_at=datetime(2018, 5, 16, 12, 1, tzinfo=UTC),
        accepted=True,
    )

    assert leaves(built) == leaves(sample("08-resolveResponse.request.xml"))


def test_rejected_resolve_response_carries_the_reason() -> None:
    built = build_resolve_response(
        fault=make_fault(),
        message_id="M-3",
        sent_at=SENT_AT,
        accepted=False,
        reason="  Still no sync at the ONT.  ",
    )

    assert built.findtext("resolveAccepted") == "false"
    assert built.findtext("rejectedReason") == "Still no sync at the ONT."
    validate_outbound(built)


def test_request_fault_report_update_reproduces_sample_10() -> None:
    fault = make_fault(buyer_fault_reference="SP-123ABC", maintainer_fault_reference="TIC-000111")

    built = build_request_fault_report_update(
        fault=fault, message_id="SP-00001", sent_at=datetime(2018, 5, 16, 12, 1, tzinfo=UTC)
    )

    assert leaves(built) == leaves(sample("10-requestFaultReportUpdate.request.xml"))


def test_request_fault_report_update_needs_the_maintainer_reference() -> None:
    with pytest.raises(OutboundMessageInvalid, match="maintainerFaultReference"):
        build_request_fault_report_update(
            fault=make_fault(maintainer_fault_reference=""), message_id="M-4", sent_at=SENT_AT
        )


# --- receivedNotifyFaultReportUpdate -------------------------------------------------------------
def test_notify_response_has_the_generic_response_shape() -> None:
    built = build_notify_response(
        buyer_identifier="SPDEV1",
        message_id="CF-00001",
        sent_at=SENT_AT,
        response_code=400,
        error_message='{"maintainerFaultReference": "No workflow found with that reference"}',
    )

    assert built.tag == "receivedNotifyFaultReportUpdate"
    assert leaves(built) == [
        ("/apiVersion", "1.0"),
        ("/buyerIdentifier", "SPDEV1"),
        ("/sentAt", "2024-03-01T09:30:00Z"),
        ("/messageId", "CF-00001"),
        ("/responseCode", "400"),
        ("/errorMessage", '{"maintainerFaultReference": "No workflow found with that reference"}'),
    ]
    # The XSD has no receivedNotifyFaultReportUpdate; the same content under the XSD's
    # genericResponseType element (receivedRequestFaultReportUpdate) is valid.
    equivalent = deepcopy(built)
    equivalent.tag = "receivedRequestFaultReportUpdate"
    validate_outbound(equivalent)


def test_notify_response_is_well_formed_on_the_wire_and_reads_back() -> None:
    built = build_notify_response(
        buyer_identifier="SPDEV1", message_id="CF-00001", sent_at=SENT_AT, response_code=200
    )

    read = parse_generic_response(unwrap(parse_xml(wrap(built))))

    assert (read.root, read.message_id, read.response_code) == (
        "receivedNotifyFaultReportUpdate",
        "CF-00001",
        200,
    )
    assert built.find("errorMessage") is None


def test_notify_response_to_hostile_values_stays_valid() -> None:
    built = build_notify_response(
        buyer_identifier="X" * 80,
        message_id="",
        sent_at=SENT_AT,
        response_code=400,
        error_message="unknown buyer identifier \x00\x1b",
    )

    assert built.findtext("buyerIdentifier") == "X" * 36
    assert built.findtext("errorMessage") == "unknown buyer identifier "
    equivalent = deepcopy(built)
    equivalent.tag = "receivedRequestFaultReportUpdate"
    validate_outbound(equivalent)


# --- every builder: valid and through the envelope -----------------------------------------------
BUILDERS = {
    "add": lambda: build_add_fault_report(fault=make_fault(), message_id="M", sent_at=SENT_AT),
    "amend": lambda: amend(changes={"description": "More detail."}),
    "cancel": lambda: amend(status="cancelled"),
    "resolve-accept": lambda: build_resolve_response(
        fault=make_fault(), message_id="M", sent_at=SENT_AT, accepted=True
    ),
    "resolve-reject": lambda: build_resolve_response(
        fault=make_fault(), message_id="M", sent_at=SENT_AT, accepted=False, reason="Not fixed"
    ),
    "request-update": lambda: build_request_fault_report_update(
        fault=make_fault(), message_id="M", sent_at=SENT_AT
    ),
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_every_message_validates_and_survives_the_soap_round_trip(build) -> None:
    element = build()
    assert schema_deviations(element) == []

    body = wrap(element)

    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    envelope = parse_xml(body)
    assert envelope.tag == f"{{{SOAP_ENV_NS}}}Envelope"
    assert envelope.prefix == "soap"
    assert envelope[0].tag == f"{{{SOAP_ENV_NS}}}Body"
    again = unwrap(envelope)
    # Exclusive C14N: the envelope's unused xmlns:soap declaration is not part of the message.
    c14n = {"method": "c14n", "exclusive": True}
    assert etree.tostring(again, **c14n) == etree.tostring(element, **c14n)
    assert element.getparent() is None  # wrap copied, the caller's element is untouched


# --- times ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2018, 6, 9, 11, 15, 17, 100, tzinfo=UTC), "2018-06-09T11:15:17.0001Z"),
        (datetime(2018, 6, 9, 11, 15, 17, tzinfo=UTC), "2018-06-09T11:15:17Z"),
        (datetime(2018, 6, 9, 12, 15, tzinfo=timezone(timedelta(hours=1))), "2018-06-09T11:15:00Z"),
        (datetime(2018, 6, 9, 11, 15), "2018-06-09T11:15:00Z"),
        # A fault start time an agent or a TMF621 client may send: the amend was invalid XML.
        (datetime(508, 3, 31, 5, 42, 35, tzinfo=UTC), "0508-03-31T05:42:35Z"),
    ],
)
def test_times_are_iso_utc_with_z(value: datetime, text: str) -> None:
    assert format_datetime(value) == text
