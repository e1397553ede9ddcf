"""Golden tests: every message the supplier publishes, read the way real traffic will be read.

The expected values are written out from the sample files, not computed. Samples that break the
XSD are read all the same (their deviations are reported, never a reason to refuse); the
published notification *responses* are not well-formed and the hardened parser refuses them.
"""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from lxml import etree

from faults.services import UpdateEntry
from integrations.cityfibre.messages import (
    Contact,
    GenericResponse,
    LateRepairExclusion,
    LateRepairNotification,
    MissedAppointment,
    NotifiedAppointment,
    NotifiedAttachment,
    NotifiedComment,
)
from integrations.cityfibre.parsers import (
    MessageUnreadable,
    NotificationUnreadable,
    parse_generic_response,
    parse_notification,
)
from integrations.cityfibre.schema import schema_deviations
from integrations.cityfibre.soap import SoapFault, unwrap
from integrations.xml import XmlRejected, parse_xml

SAMPLES = Path(__file__).parent / "samples"
NOT_IN_REPORT = "(Not in report; only after creation)"
DESCRIPTION_MULTILINE = (
    "Initial fault description goes here.\nUpdates should be appended to the updates list."
)
LOCATION = "500 Avebury Boulevard,\nMilton Keynes\nMK1 3XX"
ADDED_IMAGE = UpdateEntry("Added image.jpg", "buyer", datetime(2018, 6, 9, 15, 11, 11, 100, UTC))
RESOLVED_UPDATES = [
    ADDED_IMAGE,
    UpdateEntry("Resolved - fault fixed.", "seller", datetime(2018, 6, 9, 16, 11, 11, 100, UTC)),
    UpdateEntry(
        "Closed - buyer accepted resolution.", "seller", datetime(2018, 6, 9, 17, 11, 11, 100, UTC)
    ),
]
T_0001 = datetime(2018, 6, 9, 11, 15, 17, 100, UTC)  # 2018-06-09T11:15:17.0001Z
T_MAY = datetime(2018, 5, 16, 12, 1, tzinfo=UTC)  # 2018-05-16T12:01:00Z


def read(name: str) -> etree._Element:
    return unwrap(parse_xml((SAMPLES / name).read_bytes()))


def notification(name: str):
    return parse_notification(read(name))


# --- the twelve notification samples -------------------------------------------------------------
# file, messageId, sentAt, status, statusReason, maintainerFaultReference, number of updates
HEADERS = [
    ("12-notify-Fault-Report-Accepted", "CF-00001", T_0001, "accepted", "", "CF-XYZZY", 0),
    ("14-notify-Fault-Report-Cancelled", "SP-00002", T_MAY, "cancelled", "", NOT_IN_REPORT, 1),
    ("16-notify-Fault-Report-Closed", "SP-00002", T_MAY, "closed", "", NOT_IN_REPORT, 3),
    ("18-notify-Fault-Report-In-Progress", "CF-00003", T_0001, "in-progress", "", NOT_IN_REPORT, 1),
    ("20-notify-Fault-Report-On-Hold", "CF-00003", None, "on-hold", "", NOT_IN_REPORT, 2),
    ("22-notify-Fault-Report-Rejected", "CF-00001", T_0001, "rejected", "Missing data", "", 1),
    (
        "24-notify-Fault-Report-Resolved",
        "CF-00004",
        T_0001,
        "resolved",
        "Fault fixed at user end.",
        NOT_IN_REPORT,
        3,
    ),
    ("26-notify-Appointment-Cancelled", "CF-00003", T_0001, "in-progress", "", NOT_IN_REPORT, 1),
    ("28-notify-Appointment-Completed", "CF-00003", T_0001, "in-progress", "", NOT_IN_REPORT, 1),
    ("30-notify-Appointment-Confirmation", "CF-00003", T_0001, "in-progress", "", NOT_IN_REPORT, 1),
    ("32-notify-Appointment-Missed", "CF-00001", T_0001, "accepted", "", "CF-XYZZY", 0),
    ("34-notify-Fault-Report-Amended", "CF-00002", T_0001, "accepted", "", NOT_IN_REPORT, 1),
]


@pytest.mark.parametrize(
    ("name", "message_id", "sent_at", "status", "reason", "maintainer_ref", "n_updates"),
    HEADERS,
    ids=[row[0][:2] for row in HEADERS],
)
def test_notification_sample_header(
    name, message_id, sent_at, status, reason, maintainer_ref, n_updates
) -> None:
    parsed = notification(f"{name}.request.xml")

    assert parsed.message_id == message_id
    assert parsed.sent_at == sent_at
    assert parsed.report_date_time == T_0001
    assert parsed.buyer_identifier == ("SPBUYERID" if name.startswith("32") else "SPDEV1")
    assert parsed.buyer_fault_reference == "SP-123ABC"
    assert parsed.parent_fault_reference == "SP-456XYZ"
    assert parsed.service_affected == "S18650"
    assert parsed.api_version == "1.0"
    assert parsed.status == status
    assert parsed.details.status_reason == reason
    assert parsed.maintainer_fault_reference == maintainer_ref
    assert len(parsed.updates) == n_updates
    assert parsed.details.type == "Fault"
    assert parsed.details.fault_start_time == T_MAY
    assert parsed.details.fault_location == LOCATION
    assert parsed.details.site_access_details == "Access 24/7, call 0771234123."
    assert parsed.details.site_access_contact == Contact(phone="12345")
    assert parsed.details.triage_complete is None
    assert parsed.priority is None


@pytest.mark.parametrize(
    ("name", "deviation"),
    [
        ("12-notify-Fault-Report-Accepted", "Element 'faultDetails': Missing child element(s)"),
        ("14-notify-Fault-Report-Cancelled", "Element 'faultDetails': Missing child element(s)"),
        ("16-notify-Fault-Report-Closed", "Element 'faultDetails': Missing child element(s)"),
        ("18-notify-Fault-Report-In-Progress", "Element 'appointments': This element is not"),
        ("20-notify-Fault-Report-On-Hold", "The value 'Seller' is not an element of the set"),
        ("22-notify-Fault-Report-Rejected", "Expected is one of ( triageComplete, triageFindings"),
        ("24-notify-Fault-Report-Resolved", "Expected is one of ( triageComplete, triageFindings"),
        ("26-notify-Appointment-Cancelled", "Element 'appointments': This element is not"),
        ("28-notify-Appointment-Completed", "Element 'appointments': This element is not"),
        ("30-notify-Appointment-Confirmation", "Element 'appointments': This element is not"),
        ("32-notify-Appointment-Missed", "( statusReason, triageComplete, triageFindings )"),
        ("34-notify-Fault-Report-Amended", "Element 'faultDetails': Missing child element(s)"),
    ],
)
def test_every_notification_sample_deviates_from_the_xsd_and_is_read(name, deviation) -> None:
    element = read(f"{name}.request.xml")

    deviations = schema_deviations(element)

    assert any(deviation in line for line in deviations), deviations
    assert all(line.startswith("line ") for line in deviations)
    parsed = parse_notification(element)
    assert parsed.buyer_fault_reference == "SP-123ABC"
    assert parsed.problems == (
        [
            "appointments/appointment[1]/appointmentConfirmationStatus: "
            "not Confirmed or Failed: 'Confirmed or Failed'"
        ]
        if name.startswith("30")
        else []
    )


def test_12_accepted_carries_the_maintainer_reference_and_contacts() -> None:
    parsed = notification("12-notify-Fault-Report-Accepted.request.xml")

    assert parsed.maintainer_fault_reference == "CF-XYZZY"
    assert parsed.details.description == (
        "Initial fault description goes here. Updates will be appended."
    )
    assert parsed.reporter_contact == Contact("Joe", "1234", "joe.smith@example.com")
    assert parsed.end_user_contact == Contact("", "1234", "rp@example.com")
    assert parsed.updates == []
    assert parsed.appointments == []
    assert parsed.missed_appointment is None
    assert parsed.comment is None


def test_14_cancelled() -> None:
    parsed = notification("14-notify-Fault-Report-Cancelled.request.xml")

    assert parsed.details.description == DESCRIPTION_MULTILINE  # inner newline kept
    assert parsed.updates == [
        UpdateEntry("Cancelled", "seller", datetime(2018, 6, 9, 15, 11, 11, 100, UTC))
    ]
    assert parsed.as_of == T_MAY


def test_16_closed_and_24_resolved_resend_the_whole_updates_list() -> None:
    closed = notification("16-notify-Fault-Report-Closed.request.xml")
    resolved = notification("24-notify-Fault-Report-Resolved.request.xml")

    assert closed.updates == RESOLVED_UPDATES
    assert resolved.updates == RESOLVED_UPDATES
    assert resolved.details.status_reason == "Fault fixed at user end."


def test_18_in_progress_reads_the_appointments_wrapper() -> None:
    parsed = notification("18-notify-Fault-Report-In-Progress.request.xml")

    assert parsed.updates == [ADDED_IMAGE]
    assert parsed.appointments == [
        NotifiedAppointment(
            reservation_key="1234568",
            date=date(2012, 1, 20),
            start_time=time(8, 0),
            end_time=time(13, 0),
        )
    ]


def test_20_on_hold_without_sent_at_and_with_capitalised_parties() -> None:
    parsed = notification("20-notify-Fault-Report-On-Hold.request.xml")

    assert parsed.sent_at is None
    assert parsed.as_of == T_0001  # falls back on reportDateTime
    assert parsed.reporter_contact == Contact("Matt", "1234", "matt.porter@cityfibre.com")
    assert parsed.updates == [
        UpdateEntry("Created", "buyer", T_MAY),
        UpdateEntry("On-hold", "seller", T_MAY),
    ]


def test_22_rejected_with_reason_and_empty_maintainer_reference() -> None:
    parsed = notification("22-notify-Fault-Report-Rejected.request.xml")

    assert parsed.details.status_reason == "Missing data"
    assert parsed.maintainer_fault_reference == ""
    assert parsed.updates == [
        UpdateEntry(
            "Fault report rejected, not enough information",
            "seller",
            datetime(2018, 6, 9, 13, 15, 17, 100, UTC),
        )
    ]


def test_26_appointment_cancelled() -> None:
    parsed = notification("26-notify-Appointment-Cancelled.request.xml")

    assert parsed.appointments == [
        NotifiedAppointment(
            reservation_key="1234568",
            date=date(2012, 1, 20),
            start_time=time(8, 0),
            end_time=time(13, 0),
            confirmation_status="Confirmed",
            cancelled=True,
        )
    ]


def test_28_appointment_completed_with_closure_code() -> None:
    parsed = notification("28-notify-Appointment-Completed.request.xml")

    assert parsed.appointments == [
        NotifiedAppointment(
            reservation_key="1234568",
            date=date(2012, 1, 20),
            start_time=time(8, 0),
            end_time=time(13, 0),
            confirmation_status="Confirmed",
            cancelled=False,
            closure_code="FR",
        )
    ]


def test_30_appointment_confirmation_with_a_placeholder_status() -> None:
    # The sample's status is the documentation's "Confirmed or Failed": unreadable, not refused.
    parsed = notification("30-notify-Appointment-Confirmation.request.xml")

    (appointment,) = parsed.appointments
    assert appointment.reservation_key == "1234568"
    assert appointment.confirmation_status is None
    assert appointment.cancelled is None
    assert len(parsed.problems) == 1


def test_32_appointment_missed_flags() -> None:
    parsed = notification("32-notify-Appointment-Missed.request.xml")

    assert parsed.buyer_identifier == "SPBUYERID"
    assert parsed.reporter_contact == Contact("J Doe", "1234", "jdoe@example.com")
    assert parsed.missed_appointment == MissedAppointment(
        reservation_key="1234568",
        date=date(2012, 1, 20),
        start_time=time(8, 0),
        end_time=time(13, 0),
        seller_missed=False,
        amended=False,
        cancelled=False,
        end_user_missed=False,
        end_user_pre_agreed=False,
        mborc=False,
    )
    assert parsed.appointments == []


def test_34_amended_carries_the_suppliers_comment() -> None:
    parsed = notification("34-notify-Fault-Report-Amended.request.xml")

    assert parsed.comment == NotifiedComment(
        value="We have a question about the property.",
        commented_by="seller",
        commented_time=datetime(2018, 6, 9, 15, 11, 11, 100, UTC),
    )
    assert parsed.updates == [ADDED_IMAGE]


# --- our own request samples and the supplier's responses ----------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "04-addFaultReport.request.xml",
        "05-addFaultReport.response.xml",
        "06-amendFaultReport.request.xml",
        "07-amendFaultReport.response.xml",
        "08-resolveResponse.request.xml",
        "09-resolveResponse.response.xml",
        "10-requestFaultReportUpdate.request.xml",
        "11-requestFaultReportUpdate.response.xml",
    ],
)
def test_request_and_response_samples_04_to_11_are_valid(name: str) -> None:
    assert schema_deviations(read(name)) == []


def test_05_received_fault_report_pending() -> None:
    parsed = parse_generic_response(read("05-addFaultReport.response.xml"))

    assert parsed == GenericResponse(
        root="receivedFaultReport",
        message_id="SP-00001",
        buyer_fault_reference="SP-123ABC",
        status="pending",
        response_code=201,
        error_message="",
        buyer_identifier="SPDEV1",
        sent_at=T_MAY,
        problems=[],
    )


@pytest.mark.parametrize(
    ("name", "root", "message_id", "status", "buyer_fault_reference"),
    [
        ("07-amendFaultReport", "receivedAmendFaultReport", "SP-00002", "accepted", "SP-123ABC"),
        ("09-resolveResponse", "receivedResolvedResponse", "SP-00004", None, ""),
        ("11-requestFaultReportUpdate", "receivedRequestFaultReportUpdate", "SP-00001", None, ""),
    ],
)
def test_generic_responses(name, root, message_id, status, buyer_fault_reference) -> None:
    parsed = parse_generic_response(read(f"{name}.response.xml"))

    assert parsed.root == root
    assert parsed.message_id == message_id
    assert parsed.response_code == 200
    assert parsed.buyer_identifier == "SPDEV1"
    assert parsed.sent_at == T_MAY
    assert parsed.status == status
    assert parsed.buyer_fault_reference == buyer_fault_reference
    assert parsed.error_message == ""
    assert parsed.problems == []


@pytest.mark.parametrize("number", range(13, 36, 2))
def test_published_notification_responses_are_not_well_formed(number: int) -> None:
    # STATUS.md: each opens <receivedNotifyFaultReportUpdate> and closes
    # </receivedRequestFaultReportUpdate>. The hardened parser refuses them.
    (path,) = SAMPLES.glob(f"{number}-*.response.xml")
    with pytest.raises(XmlRejected, match="Opening and ending tag mismatch"):
        parse_xml(path.read_bytes())


def test_the_wrong_parser_for_a_message_is_refused() -> None:
    with pytest.raises(NotificationUnreadable, match="receivedFaultReport"):
        parse_notification(read("05-addFaultReport.response.xml"))
    with pytest.raises(MessageUnreadable, match="notifyFaultReportUpdate"):
        parse_generic_response(read("12-notify-Fault-Report-Accepted.request.xml"))
    with pytest.raises(MessageUnreadable):
        parse_generic_response(read("04-addFaultReport.request.xml"))


# --- tolerance -----------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["messageId", "buyerIdentifier", "buyerFaultReference"])
def test_a_notification_without_its_keys_is_unreadable(missing: str) -> None:
    element = read("12-notify-Fault-Report-Accepted.request.xml")
    element.remove(element.find(missing))

    with pytest.raises(NotificationUnreadable, match=missing):
        parse_notification(element)


def test_a_blank_key_is_as_good_as_missing() -> None:
    element = read("12-notify-Fault-Report-Accepted.request.xml")
    element.find("buyerFaultReference").text = "   "

    with pytest.raises(NotificationUnreadable, match="buyerFaultReference"):
        parse_notification(element)


FULL = b"""<notifyFaultReportUpdate>
  <apiVersion>1.0</apiVersion>
  <buyerIdentifier> SPDEV1 </buyerIdentifier>
  <sentAt>2024-03-01T10:00:00+01:00</sentAt>
  <messageId>CF-90001</messageId>
  <reportDateTime>2024-03-01T09:00:00</reportDateTime>
  <serviceAffected>S18650</serviceAffected>
  <buyerFaultReference>NOC-1</buyerFaultReference>
  <maintainerFaultReference>CS0009999</maintainerFaultReference>
  <faultDetails>
    <description>Line one.
        Line two.</description>
    <type>Service Outage</type>
    <status>Re-Opened</status>
    <faultStartTime>not a time</faultStartTime>
    <triageComplete>true</triageComplete>
    <triageFindings>No light.</triageFindings>
    <missedAppointment>
      <appointmentReservationKey>CAMS-1</appointmentReservationKey>
      <appointmentDate>2024-02-29</appointmentDate>
      <appointmentStartTime>8:00</appointmentStartTime>
      <appointmentEndTime>13:00</appointmentEndTime>
      <sellerMissedAppointment>Y</sellerMissedAppointment>
      <amended>N</amended>
      <Cancelled>n</Cancelled>
      <endUserMissedAppointment>N</endUserMissedAppointment>
      <endUserPreAgreed>Y</endUserPreAgreed>
      <MBORC>maybe</MBORC>
    </missedAppointment>
  </faultDetails>
  <updates>
    <update><description>Engineer booked</description><updatedBy>robot</updatedBy></update>
  </updates>
  <attachments>
    <attachment><filename>trace.pcap</filename><url>https://cf.example/t</url>
      <uploaded>true</uploaded></attachment>
  </attachments>
  <priorityLevel>two</priorityLevel>
  <lateRepairNotification>
    <totalDelayInDays>5</totalDelayInDays>
    <sellerDelayDays>3</sellerDelayDays>
    <nonSellerDelayDays>2</nonSellerDelayDays>
    <exclusions>
      <exclusion>
        <exclusionReason>ACC</exclusionReason>
        <numberOfDays>2</numberOfDays>
        <startDateTime>2024-02-27T09:00:00Z</startDateTime>
        <endDateTime>2024-02-29T09:00:00.5Z</endDateTime>
      </exclusion>
    </exclusions>
  </lateRepairNotification>
  <appointment>
    <appointmentReservationKey>CAMS-2</appointmentReservationKey>
    <appointmentDate>2024-03-04Z</appointmentDate>
    <appointmentConfirmationStatus>failed</appointmentConfirmationStatus>
    <appointmentClosureCode>fnr</appointmentClosureCode>
  </appointment>
  <resolveAccepted>false</resolveAccepted>
</notifyFaultReportUpdate>"""


def test_a_full_notification_is_read_with_its_problems_listed() -> None:
    parsed = parse_notification(parse_xml(FULL))

    assert parsed.buyer_identifier == "SPDEV1"
    assert parsed.sent_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # offset converted
    assert parsed.report_date_time == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # no zone: UTC
    assert parsed.status == "re-opened"
    assert parsed.details.description == "Line one.\nLine two."
    assert parsed.details.fault_start_time is None
    assert parsed.details.triage_complete is True
    assert parsed.priority is None
    assert parsed.missed_appointment == MissedAppointment(
        reservation_key="CAMS-1",
        date=date(2024, 2, 29),
        start_time=time(8, 0),
        end_time=time(13, 0),
        seller_missed=True,
        amended=False,
        cancelled=False,
        end_user_missed=False,
        end_user_pre_agreed=True,
        mborc=None,
    )
    assert parsed.updates == [UpdateEntry("Engineer booked", "", None)]
    assert parsed.attachments == [NotifiedAttachment("trace.pcap", "https://cf.example/t", True)]
    assert parsed.late_repair_notification == LateRepairNotification(
        total_delay_days=5,
        seller_delay_days=3,
        non_seller_delay_days=2,
        exclusions=[
            LateRepairExclusion(
                reason="ACC",
                days=2,
                start=datetime(2024, 2, 27, 9, 0, tzinfo=UTC),
                end=datetime(2024, 2, 29, 9, 0, 0, 500000, tzinfo=UTC),
            )
        ],
    )
    assert parsed.appointments == [
        NotifiedAppointment(
            reservation_key="CAMS-2",
            date=date(2024, 3, 4),
            confirmation_status="Failed",
            closure_code="FNR",
        )
    ]
    assert parsed.resolve_accepted is False
    assert sorted(parsed.problems) == [
        "faultDetails/faultStartTime: not a date-time: 'not a time'",
        "faultDetails/missedAppointment/MBORC: not a yes/no value: 'maybe'",
        "priorityLevel: not an integer: 'two'",
        "updates/update[1]/updatedBy: not buyer or seller: 'robot'",
    ]


def test_an_unknown_status_is_a_problem_not_a_refusal() -> None:
    element = read("12-notify-Fault-Report-Accepted.request.xml")
    element.find("faultDetails/status").text = "escalated"

    parsed = parse_notification(element)

    assert parsed.status is None
    assert parsed.problems == ["faultDetails/status: not a known status: 'escalated'"]


def test_a_namespaced_notification_in_a_soap_envelope_reads_like_the_bare_one() -> None:
    bare = (SAMPLES / "24-notify-Fault-Report-Resolved.request.xml").read_bytes()
    qualified = bare.replace(
        b"<notifyFaultReportUpdate ", b'<notifyFaultReportUpdate xmlns="urn:example:cf" ', 1
    )
    wrapped = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<S:Header><token>x</token></S:Header><S:Body>" + qualified + b"</S:Body></S:Envelope>"
    )

    assert parse_notification(unwrap(parse_xml(wrapped))) == parse_notification(parse_xml(bare))


# --- the SOAP envelope on the way in -------------------------------------------------------------
ENV = b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">%s</e:Envelope>'


def test_a_bare_element_is_its_own_message() -> None:
    element = parse_xml(b"<receivedFaultReport/>")
    assert unwrap(element) is element


@pytest.mark.parametrize(
    "inner",
    [b"", b"<e:Header/>", b"<e:Body/>", b"<e:Body><a/><b/></e:Body>", b"<e:Body/><e:Body/>"],
    ids=["nothing", "header-only", "empty-body", "two-messages", "two-bodies"],
)
def test_an_envelope_without_exactly_one_message_is_refused(inner: bytes) -> None:
    with pytest.raises(XmlRejected):
        unwrap(parse_xml(ENV % inner))


def test_a_soap_fault_is_raised_with_its_code_and_text() -> None:
    body = ENV % (
        b"<e:Body><e:Fault><faultcode>e:Server</faultcode>"
        b"<faultstring>Backend unavailable</faultstring></e:Fault></e:Body>"
    )

    with pytest.raises(SoapFault) as caught:
        unwrap(parse_xml(body))
    assert (caught.value.code, caught.value.message) == ("e:Server", "Backend unavailable")
