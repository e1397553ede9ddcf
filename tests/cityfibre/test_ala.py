"""The supplier's NICC ALA appointment messages: built like samples 00 and 02 (no schema is
published, so the samples are the reference, element by element), answers 01 and 03 read, every
failure answer a clear `ReservationRefused`; and the gateway over a real loopback HTTP server."""

import logging
import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from lxml import etree

from appointments.gateways import (
    GatewayError,
    Reservation,
    ReservationRefused,
    Slot,
    SlotQuery,
    SupplierUnavailable,
    gateway_for,
)
from integrations.cityfibre import ala, soap
from integrations.cityfibre.appointments import CityFibreAppointmentGateway
from integrations.xml import parse_xml
from tests.cityfibre.conftest import sample
from tests.factories import BuyerIdentifierFactory, PartnerFactory
from tests.scripted_partner import Reply, ScriptedPartner

ALA = ala.ALA_NS
CFH = ala.CFH_NS
SAMPLE_IDS = {
    "message_id": "b68b2cf4-475e-11e1-a92e-fb2ff6467c99",
    "correlation_id": "bac72cfa-475e-11e1-a92e-fb2ff6467c99",
    "sent_at": datetime(2012, 1, 20, 18, 30, 43, tzinfo=UTC),
    "buyer_identifier": "SPDEV1",
    "seller_identifier": "CITYFIBRE",
}
QUERY_00 = SlotQuery(
    address_key="10002491172", from_date=date(2017, 10, 18), product_name="ftthl2r"
)
QUERY_02 = SlotQuery(
    address_key="123456789012", from_date=date(2012, 1, 20), product_name="ftthl2r"
)
SLOT_02 = Slot(date=date(2012, 1, 20), start_time="08:00", end_time="13:00")
KEY_03 = "EI7PBRU6TL8KN1YNGO8ICEUI0UDFE9M8"
VALID_UNTIL_03 = datetime(2022, 5, 20, 21, 58, 26, 822000, tzinfo=UTC)
SLOT_03 = Slot(date=date(2022, 5, 24), start_time="08:00", end_time="13:00")


# --- helpers -------------------------------------------------------------------------------------
def stripped(element: etree._Element) -> etree._Element:
    """A copy without the indentation between elements (whitespace-only text and tails)."""
    copy = etree.fromstring(etree.tostring(element))
    for node in copy.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return copy


def canonical(element: etree._Element) -> bytes:
    """Exclusive C14N: only the namespaces the message uses (not an envelope's in scope)."""
    return etree.tostring(stripped(element), method="c14n", exclusive=True)


def leaves(element: etree._Element) -> list[tuple[str, str]]:
    """(path of Clark-notation tags, text) for every leaf, in document order."""
    out = []

    def walk(node: etree._Element, path: str) -> None:
        for child in node:
            child_path = f"{path}/{child.tag}"
            if len(child):
                walk(child, child_path)
            else:
                out.append((child_path, " ".join((child.text or "").split())))

    walk(element, "")
    return out


def paths(element: etree._Element) -> list[str]:
    return [path for path, _text in leaves(element)]


def ala_response(operation: str, outcome: str) -> bytes:
    """A SOAP answer shaped like samples 01/03 whose outcome element is `outcome`."""
    return f"""<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <{operation}Response xmlns="{ALA}" xmlns:cfh="{CFH}">
      <message>
        <messageId>c6d0b303-625a-4ee3-ab53-5e616d728755</messageId>
        <correlationId>bac72cfa-475e-11e1-a92e-fb2ff6467c99</correlationId>
        <sentAt>2022-05-20T09:58:23.439Z</sentAt>
      </message>
      <buyer><buyerIdentifier>SPDEV1</buyerIdentifier></buyer>
      <seller><sellerIdentifier>CITYFIBRE</sellerIdentifier></seller>
      {outcome}
    </{operation}Response>
  </soap:Body>
</soap:Envelope>""".encode()


def slots_xml(*slots: tuple[str, str, str, str | None]) -> str:
    items = []
    for day, start, end, availability in slots:
        extra = f"<availability>{availability}</availability>" if availability is not None else ""
        items.append(
            f"<appointmentSlot><appointmentDate>{day}</appointmentDate>"
            f"<appointmentStartTime>{start}</appointmentStartTime>"
            f"<appointmentEndTime>{end}</appointmentEndTime>{extra}</appointmentSlot>"
        )
    return (
        "<queryAppointmentAvailabilityAccepted><appointmentSlots>"
        + "".join(items)
        + "</appointmentSlots></queryAppointmentAvailabilityAccepted>"
    )


REJECTED = (
    "<reserveAppointmentRejected><rejectionReason><code>SLOT_TAKEN</code>"
    "<description>The slot is no longer available</description></rejectionReason>"
    "</reserveAppointmentRejected>"
)
SOAP_FAULT = b"""<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body><soap:Fault><faultcode>soap:Client</faultcode>
  <faultstring>Unknown address key 999</faultstring></soap:Fault></soap:Body>
</soap:Envelope>"""


# --- builders ------------------------------------------------------------------------------------
def test_query_reproduces_sample_00():
    built = ala.build_query_appointment_availability(**SAMPLE_IDS, query=QUERY_00)

    assert canonical(built) == canonical(parse_xml(sample(0)))
    assert built.nsmap == {None: ALA, "cfh": CFH}


def test_reserve_reproduces_sample_02():
    built = ala.build_reserve_appointment(**SAMPLE_IDS, query=QUERY_02, slot=SLOT_02)

    assert canonical(built) == canonical(parse_xml(sample(2)))
    assert built.nsmap == {None: ALA, "cfh": CFH}
    # The reserve carries the address key in the supplier's extension, the query in ALA's.
    assert built.find(f"{{{CFH}}}addressKey").text == "123456789012"
    assert built.find(f"{{{ALA}}}addressKey") is None


def test_other_values_keep_the_samples_shape():
    query = SlotQuery(
        address_key="200004567890",
        from_date=date(2024, 3, 4),
        product_name="ftthl2 1000",
        reappointment=True,
    )
    slot = Slot(date=date(2024, 3, 6), start_time="13:00", end_time="18:00")
    common = {
        "message_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
        "sent_at": datetime(2024, 3, 1, 10, 0, 5, 250000, tzinfo=timezone(timedelta(hours=1))),
        "buyer_identifier": "SPLIVE9",
    }

    built_query = ala.build_query_appointment_availability(**common, query=query)
    built_reserve = ala.build_reserve_appointment(**common, query=query, slot=slot)

    assert paths(built_query) == paths(parse_xml(sample(0)))
    assert paths(built_reserve) == paths(parse_xml(sample(2)))
    values = dict(leaves(built_reserve))
    assert values[f"/{{{ALA}}}message/{{{ALA}}}sentAt"] == "2024-03-01T09:00:05.25Z"
    assert values[f"/{{{ALA}}}buyer/{{{ALA}}}buyerIdentifier"] == "SPLIVE9"
    assert values[f"/{{{ALA}}}seller/{{{ALA}}}sellerIdentifier"] == "CITYFIBRE"
    assert values[f"/{{{ALA}}}appointmentSlot/{{{ALA}}}appointmentDate"] == "2024-03-06"
    assert values[f"/{{{ALA}}}appointmentSlot/{{{ALA}}}appointmentStartTime"] == "13:00"
    assert values[f"/{{{CFH}}}reappointment"] == "true"
    assert values[f"/{{{CFH}}}productName"] == "ftthl2 1000"


def test_an_order_appointment_type():
    query = SlotQuery(
        address_key="1", from_date=date(2024, 3, 4), product_name="p", appointment_type="order"
    )

    built = ala.build_query_appointment_availability(**SAMPLE_IDS, query=query)

    (kind,) = built.find(f"{{{ALA}}}appointmentType")
    assert kind.tag == f"{{{ALA}}}order"


@pytest.mark.parametrize(
    ("slot", "problem"),
    [
        (Slot(date(2024, 3, 6), "8:00", "13:00"), "slot start_time: not HH:MM: '8:00'"),
        (Slot(date(2024, 3, 6), "08:00", "1300"), "slot end_time: not HH:MM: '1300'"),
        (Slot(date(2024, 3, 6), "08:00", "24:00"), "slot end_time: not HH:MM: '24:00'"),
        (Slot(date(2024, 3, 6), "08:00:00", "13:00"), "slot start_time: not HH:MM: '08:00:00'"),
        (Slot(date(2024, 3, 6), "13:00", "08:00"), "slot: ends (08:00) before it starts (13:00)"),
        (Slot("2024-03-06", "08:00", "13:00"), "slot date: not a date: '2024-03-06'"),
    ],
)
def test_a_slot_that_is_not_hh_mm_is_refused_before_anything_is_built(slot, problem):
    with pytest.raises(ala.AlaMessageInvalid) as caught:
        ala.build_reserve_appointment(**SAMPLE_IDS, query=QUERY_02, slot=slot)

    assert caught.value.problems == [problem]
    assert isinstance(caught.value, GatewayError)
    assert caught.value.message == problem


def test_every_bad_input_is_listed():
    query = SlotQuery(
        address_key="9" * 64, from_date=date(2024, 3, 4), product_name=" ", appointment_type="x"
    )

    with pytest.raises(ala.AlaMessageInvalid) as caught:
        ala.build_query_appointment_availability(
            **{**SAMPLE_IDS, "message_id": "m" * 37, "buyer_identifier": ""}, query=query
        )

    assert caught.value.problems == [
        "message_id: at most 36 characters, got 37",
        "buyer_identifier: required",
        "address_key: at most 63 characters, got 64",
        "product_name: required",
        "appointment_type: not fault or order: 'x'",
    ]


def test_the_message_travels_in_a_soap_envelope():
    built = ala.build_query_appointment_availability(**SAMPLE_IDS, query=QUERY_00)

    root = parse_xml(soap.wrap(built))

    assert soap.is_envelope(root)
    assert canonical(soap.unwrap(root)) == canonical(parse_xml(sample(0)))


# --- parsers: the samples ------------------------------------------------------------------------
@pytest.mark.parametrize("bare", [False, True], ids=["enveloped", "bare"])
def test_sample_01_has_no_slots(bare):
    root = parse_xml(sample(1))

    assert ala.parse_availability_response(soap.unwrap(root) if bare else root) == []


@pytest.mark.parametrize("bare", [False, True], ids=["enveloped", "bare"])
def test_sample_03_is_a_reservation(bare):
    root = parse_xml(sample(3))

    reservation = ala.parse_reserve_response(soap.unwrap(root) if bare else root)

    assert reservation == Reservation(
        reservation_key=KEY_03, slot=SLOT_03, valid_until=VALID_UNTIL_03
    )


def test_read_answer_unwraps_sample_03():
    element = ala.read_answer(sample(3))

    assert element.tag == f"{{{ALA}}}reserveAppointmentResponse"


# --- parsers: slots in the documented shape ------------------------------------------------------
def test_slots_are_read_with_their_availability():
    body = ala_response(
        "queryAppointmentAvailability",
        slots_xml(
            ("2024-03-06", "08:00", "13:00", None),
            ("2024-03-06", "13:00", "18:00", "false"),
            ("2024-03-07", "08:00:00", "13:00:00", "Y"),
            ("2024-03-07Z", "13:00", "18:00", "0"),
            ("2024-03-08", "8:00", "13:00", "3"),
            ("2024-03-08", "13:00", "18:00", "full"),
            ("2024-03-09", "13:00", "18:00", "perhaps"),
        ),
    )

    slots = ala.parse_availability_response(parse_xml(body))

    assert slots == [
        Slot(date(2024, 3, 6), "08:00", "13:00", True),
        Slot(date(2024, 3, 6), "13:00", "18:00", False),
        Slot(date(2024, 3, 7), "08:00", "13:00", True),
        Slot(date(2024, 3, 7), "13:00", "18:00", False),
        Slot(date(2024, 3, 8), "08:00", "13:00", True),
        Slot(date(2024, 3, 8), "13:00", "18:00", False),
        # An availability nobody documented is not offered as free.
        Slot(date(2024, 3, 9), "13:00", "18:00", False),
    ]


def test_slots_in_the_extension_namespace_and_without_the_list_wrapper_are_read():
    outcome = (
        f'<queryAppointmentAvailabilityAccepted xmlns:x="{CFH}">'
        "<appointmentSlot><appointmentDate>2024-03-06</appointmentDate>"
        "<appointmentStartTime>08:00</appointmentStartTime>"
        "<appointmentEndTime>13:00</appointmentEndTime><x:availability>false</x:availability>"
        "</appointmentSlot></queryAppointmentAvailabilityAccepted>"
    )

    slots = ala.parse_availability_response(
        parse_xml(ala_response("queryAppointmentAvailability", outcome))
    )

    assert slots == [Slot(date(2024, 3, 6), "08:00", "13:00", False)]


def test_an_unreadable_slot_is_left_out_not_the_answer(caplog):
    body = ala_response(
        "queryAppointmentAvailability",
        slots_xml(
            ("2024-02-30", "08:00", "13:00", None),
            ("2024-03-06", "8am", "13:00", None),
            ("2024-03-06", "13:00", "08:00", None),
            ("2024-03-06", "", "13:00", None),
            ("2024-03-07", "08:00", "13:00", None),
        ),
    )

    with caplog.at_level(logging.WARNING, logger="integrations.cityfibre.ala"):
        slots = ala.parse_availability_response(parse_xml(body))

    assert slots == [Slot(date(2024, 3, 7), "08:00", "13:00")]
    assert [r.getMessage() for r in caplog.records] == [
        "ALA availability slot 1 left out: appointmentDate: not a date: '2024-02-30'",
        "ALA availability slot 2 left out: appointmentStartTime: not HH:MM: '8am'",
        "ALA availability slot 3 left out: appointmentEndTime: 08:00 is not after 13:00",
        "ALA availability slot 4 left out: appointmentStartTime: missing",
    ]


def test_a_reservation_without_the_slot_takes_the_requested_one():
    outcome = (
        "<reserveAppointmentAccepted><appointment>"
        "<appointmentReservationKey>K1</appointmentReservationKey>"
        "</appointment></reserveAppointmentAccepted>"
    )

    reservation = ala.parse_reserve_response(
        parse_xml(ala_response("reserveAppointment", outcome)), requested=SLOT_02
    )

    assert reservation == Reservation("K1", SLOT_02, None)


def test_a_different_correlation_id_is_logged_not_refused(caplog):
    with caplog.at_level(logging.WARNING, logger="integrations.cityfibre.ala"):
        reservation = ala.parse_reserve_response(parse_xml(sample(3)), correlation_id="other")

    assert reservation.reservation_key == KEY_03
    assert "correlationId 'bac72cfa-475e-11e1-a92e-fb2ff6467c99'" in caplog.text


# --- parsers: failure answers --------------------------------------------------------------------
def test_a_rejected_reservation_is_refused_with_its_reason():
    with pytest.raises(ReservationRefused) as caught:
        ala.parse_reserve_response(parse_xml(ala_response("reserveAppointment", REJECTED)))

    assert caught.value.message == "The slot is no longer available (code SLOT_TAKEN)"


def test_a_failed_query_is_refused_with_its_reason():
    outcome = (
        "<queryAppointmentAvailabilityFailed><reason>Address key not found</reason>"
        "</queryAppointmentAvailabilityFailed>"
    )

    with pytest.raises(ReservationRefused, match=r"^Address key not found$"):
        ala.parse_availability_response(
            parse_xml(ala_response("queryAppointmentAvailability", outcome))
        )


@pytest.mark.parametrize(
    "parse", [ala.parse_availability_response, ala.parse_reserve_response], ids=["query", "reserve"]
)
def test_a_soap_fault_is_refused_with_its_faultstring(parse):
    with pytest.raises(ReservationRefused) as caught:
        parse(parse_xml(SOAP_FAULT))

    assert caught.value.message == "Unknown address key 999"


def test_a_generic_error_answer_is_refused_with_its_error_message():
    body = soap.wrap(
        etree.fromstring(
            b"<receivedRequestFaultReportUpdate><messageId>m</messageId>"
            b"<responseCode>400</responseCode><errorMessage>Slot not found</errorMessage>"
            b"</receivedRequestFaultReportUpdate>"
        )
    )

    with pytest.raises(ReservationRefused, match=r"^Slot not found$"):
        ala.parse_reserve_response(parse_xml(body))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html><body>Bad gateway", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE and entity declarations"),
    ],
    ids=["empty", "html", "doctype"],
)
def test_garbage_is_a_clear_error(body, reason):
    with pytest.raises(ala.AlaAnswerUnreadable) as caught:
        ala.read_answer(body)

    assert reason in caught.value.message
    assert isinstance(caught.value, GatewayError)
    assert not isinstance(caught.value, ReservationRefused)


@pytest.mark.parametrize(
    ("body", "parse", "reason"),
    [
        (sample(1), ala.parse_reserve_response, "expected reserveAppointmentResponse"),
        (sample(3), ala.parse_availability_response, "expected queryAppointmentAvailability"),
        (sample(5), ala.parse_reserve_response, "received 'receivedFaultReport'"),
        (
            ala_response("reserveAppointment", ""),
            ala.parse_reserve_response,
            "reserveAppointmentResponse without reserveAppointmentAccepted",
        ),
        (
            ala_response(
                "reserveAppointment",
                "<reserveAppointmentAccepted><appointment/></reserveAppointmentAccepted>",
            ),
            ala.parse_reserve_response,
            "no appointmentReservationKey",
        ),
        (
            sample(3).replace(KEY_03.encode(), b"K" * 37),
            ala.parse_reserve_response,
            "appointmentReservationKey longer than 36 characters",
        ),
        (
            sample(3).replace(b"2022-05-20T21:58:26.822Z", b"tomorrow"),
            ala.parse_reserve_response,
            "appointmentReservationValidUntil: not a date-time: 'tomorrow'",
        ),
        (
            sample(3).replace(b">08:00<", b">8 o'clock<"),
            ala.parse_reserve_response,
            "appointmentStartTime: not HH:MM",
        ),
        (
            b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'/>",
            ala.parse_reserve_response,
            "SOAP envelope without exactly one Body",
        ),
    ],
    ids=[
        "01-as-reserve",
        "03-as-query",
        "fault-report-answer",
        "no-outcome",
        "no-key",
        "long-key",
        "bad-valid-until",
        "bad-time",
        "empty-envelope",
    ],
)
def test_an_answer_that_is_not_what_was_asked_is_a_clear_error(body, parse, reason):
    with pytest.raises(ala.AlaAnswerUnreadable) as caught:
        parse(parse_xml(body))

    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (ala_response("reserveAppointment", REJECTED), "The slot is no longer available"),
        (SOAP_FAULT, "Unknown address key 999"),
        (sample(11).replace(b"</messageId>", b"</messageId><errorMessage>No</errorMessage>"), "No"),
        (b"<html>Bad request</html>", ""),
        (b"\x00\x01", ""),
        (sample(3), ""),
    ],
    ids=["rejected", "soap-fault", "generic", "html", "binary", "accepted"],
)
def test_refusal_reason_reads_what_it_can(body, reason):
    assert ala.refusal_reason(body).startswith(reason)
    if not reason:
        assert ala.refusal_reason(body) == ""


def mutations(body: bytes, count: int, seed: int) -> list[bytes]:
    """Deterministic damage: cut short, a byte range dropped or repeated, a value replaced."""
    rng = random.Random(seed)
    values = [b"", b"x", b"99:99", b"9999-12-31T23:59:59-05:00", b"0", b"-1", b"\xff", b"<"]
    out = []
    for _ in range(count):
        start = rng.randrange(len(body))
        end = min(len(body), start + rng.randrange(1, 40))
        choice = rng.randrange(4)
        if choice == 0:
            out.append(body[:start])
        elif choice == 1:
            out.append(body[:start] + body[end:])
        elif choice == 2:
            out.append(body[:end] + body[start:])
        else:
            out.append(
                re.sub(rb">[^<>]+<", b">" + rng.choice(values) + b"<", body, count=1 + start % 9)
            )
    return out


@pytest.mark.parametrize(
    ("number", "parse"),
    [(1, ala.parse_availability_response), (3, ala.parse_reserve_response)],
    ids=["01", "03"],
)
def test_a_damaged_answer_is_never_an_unhandled_exception(number, parse):
    body = (
        ala_response(
            "queryAppointmentAvailability",
            slots_xml(
                ("2024-03-06", "08:00", "13:00", "true"), ("2024-03-07", "13:00", "18:00", "2")
            ),
        )
        if number == 1
        else sample(3)
    )

    outcomes = set()
    for damaged in mutations(body, 400, seed=number):
        try:
            parse(ala.read_answer(damaged))
            outcomes.add("read")
        except GatewayError as exc:
            assert exc.message
            outcomes.add(type(exc).__name__)

    assert {"read", "AlaAnswerUnreadable"} <= outcomes


# --- the gateway over a real HTTP server ---------------------------------------------------------
@pytest.fixture
def server():
    with ScriptedPartner() as partner_server:
        yield partner_server


@pytest.fixture
def partner(db, server):
    partner = PartnerFactory(base_url=f"{server.url}/cfsit/api2/", read_timeout=2.0)
    BuyerIdentifierFactory(partner=partner, code="SPOTHER")
    BuyerIdentifierFactory(partner=partner, code="SPDEV1", is_default=True)
    return partner


@pytest.fixture
def gateway(partner):
    gateway = gateway_for(partner)
    assert isinstance(gateway, CityFibreAppointmentGateway)
    return gateway


def posted(server: ScriptedPartner, index: int = -1) -> etree._Element:
    """The message element of a request the server received, checked to be in an envelope."""
    root = parse_xml(server.received[index].body)
    assert soap.is_envelope(root)
    return soap.unwrap(root)


def text(element: etree._Element, path: str) -> str:
    return element.findtext(path, namespaces={"a": ALA, "cfh": CFH})


def gateway_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "integrations.cityfibre.appointments"
    ]


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_query_availability_on_the_wire(server, partner, gateway):
    server.then(
        Reply(
            200,
            ala_response(
                "queryAppointmentAvailability",
                slots_xml(
                    ("2024-03-06", "08:00", "13:00", "true"),
                    ("2024-03-06", "13:00", "18:00", "false"),
                ),
            ),
        )
    )
    query = SlotQuery(address_key="10002491172", from_date=date(2024, 3, 4), product_name="ftthl2r")

    slots = gateway.query_availability(partner, query)

    assert slots == [
        Slot(date(2024, 3, 6), "08:00", "13:00", True),
        Slot(date(2024, 3, 6), "13:00", "18:00", False),
    ]
    (request,) = server.received
    assert request.path == "/cfsit/api2/queryAppointmentAvailability"
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert request.headers["SOAPAction"] == '"queryAppointmentAvailability"'
    message = posted(server)
    assert message.tag == f"{{{ALA}}}queryAppointmentAvailabilityRequest"
    assert paths(message) == paths(parse_xml(sample(0)))
    assert text(message, "a:buyer/a:buyerIdentifier") == "SPDEV1"
    assert text(message, "a:seller/a:sellerIdentifier") == "CITYFIBRE"
    assert text(message, "a:addressKey") == "10002491172"
    assert text(message, "a:appointmentsFrom") == "2024-03-04"
    assert text(message, "cfh:productName") == "ftthl2r"
    message_id = text(message, "a:message/a:messageId")
    correlation_id = text(message, "a:message/a:correlationId")
    assert UUID.match(message_id) and UUID.match(correlation_id)
    assert message_id != correlation_id
    sent_at = datetime.fromisoformat(text(message, "a:message/a:sentAt").replace("Z", "+00:00"))
    assert abs(sent_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_reserve_on_the_wire(server, partner, gateway, caplog):
    server.then(Reply(200, sample(3)))

    with caplog.at_level(logging.INFO, logger="integrations.cityfibre.appointments"):
        reservation = gateway.reserve(partner, QUERY_02, SLOT_02)

    assert reservation == Reservation(KEY_03, SLOT_03, VALID_UNTIL_03)
    assert server.operations == ["reserveAppointment"]
    assert server.received[0].headers["SOAPAction"] == '"reserveAppointment"'
    message = posted(server)
    assert paths(message) == paths(parse_xml(sample(2)))
    assert text(message, "a:appointmentSlot/a:appointmentDate") == "2012-01-20"
    assert text(message, "a:appointmentSlot/a:appointmentStartTime") == "08:00"
    assert text(message, "a:appointmentSlot/a:appointmentEndTime") == "13:00"
    assert text(message, "cfh:addressKey") == "123456789012"
    (line,) = gateway_lines(caplog)
    message_id = text(message, "a:message/a:messageId")
    expected = f"ALA reserveAppointment to {partner.slug} message {message_id}: HTTP 200 in "
    assert re.match(rf"{re.escape(expected)}\d+ ms -> ok$", line)


def test_every_call_is_a_new_message(server, partner, gateway):
    server.then(Reply(200, sample(1)), Reply(200, sample(1)))

    gateway.query_availability(partner, QUERY_00)
    gateway.query_availability(partner, QUERY_00)

    ids = [text(posted(server, i), "a:message/a:messageId") for i in (0, 1)]
    assert ids[0] != ids[1]


def test_a_503_is_supplier_unavailable(server, partner, gateway, caplog):
    server.then(Reply(503, b"<html>Service Unavailable</html>"))

    with (
        caplog.at_level(logging.INFO, logger="integrations.cityfibre.appointments"),
        pytest.raises(SupplierUnavailable) as caught,
    ):
        gateway.query_availability(partner, QUERY_00)

    assert caught.value.message == (
        f"{partner} is unavailable (HTTP 503). Please try again in a few minutes."
    )
    (line,) = gateway_lines(caplog)
    assert line.endswith(f"-> SupplierUnavailable: {caught.value.message}")


def test_a_400_rejection_is_refused_with_the_suppliers_reason(server, partner, gateway):
    server.then(Reply(400, ala_response("reserveAppointment", REJECTED)))

    with pytest.raises(ReservationRefused) as caught:
        gateway.reserve(partner, QUERY_02, SLOT_02)

    assert caught.value.message == "The slot is no longer available (code SLOT_TAKEN) (HTTP 400)"


def test_a_400_without_a_reason_still_says_what_happened(server, partner, gateway):
    server.then(Reply(400, b"Bad Request"))

    with pytest.raises(ReservationRefused) as caught:
        gateway.query_availability(partner, QUERY_00)

    assert caught.value.message == "no reason given (HTTP 400)"


def test_a_200_rejection_is_refused(server, partner, gateway):
    server.then(Reply(200, ala_response("reserveAppointment", REJECTED)))

    with pytest.raises(ReservationRefused, match="no longer available"):
        gateway.reserve(partner, QUERY_02, SLOT_02)


def test_a_soap_fault_with_a_500_is_supplier_unavailable(server, partner, gateway):
    server.then(Reply(500, SOAP_FAULT))

    with pytest.raises(SupplierUnavailable, match=r"HTTP 500"):
        gateway.reserve(partner, QUERY_02, SLOT_02)


def test_a_401_says_the_credentials_are_broken(server, partner, gateway):
    server.then(Reply(401, b""))

    with pytest.raises(SupplierUnavailable) as caught:
        gateway.query_availability(partner, QUERY_00)

    assert "refused our credentials (HTTP 401)" in caught.value.message
    partner.refresh_from_db()  # as for the outbox: flagged until an admin restores them
    assert partner.credentials_broken_at is not None
    assert partner.credentials_broken_reason == "HTTP 401 to queryAppointmentAvailability"


def test_a_timeout_is_supplier_unavailable(server, partner, gateway):
    partner.read_timeout = 0.2
    server.then(Reply(200, sample(1), delay=1.0))

    with pytest.raises(SupplierUnavailable) as caught:
        gateway.query_availability(partner, QUERY_00)

    assert caught.value.message == (
        f"{partner} did not answer in time. Please try again in a few minutes."
    )


def test_nobody_listening_is_supplier_unavailable(db):
    partner = PartnerFactory()  # port 9 on loopback
    BuyerIdentifierFactory(partner=partner, is_default=True)

    with pytest.raises(SupplierUnavailable, match="is unreachable"):
        CityFibreAppointmentGateway().query_availability(partner, QUERY_00)


def test_garbage_with_a_200_is_a_clear_error(server, partner, gateway):
    server.then(Reply(200, b"<html>It works!</html>"))

    with pytest.raises(ala.AlaAnswerUnreadable) as caught:
        gateway.reserve(partner, QUERY_02, SLOT_02)

    assert caught.value.message == "expected reserveAppointmentResponse, received 'html'"


def test_bad_input_is_refused_before_anything_is_sent(server, partner, gateway):
    with pytest.raises(ala.AlaMessageInvalid, match="not HH:MM"):
        gateway.reserve(partner, QUERY_02, Slot(date(2024, 3, 6), "8", "13"))

    assert server.received == []


def test_without_a_default_buyer_identifier_nothing_is_sent(server, partner, gateway):
    partner.buyer_identifiers.update(is_default=False)

    with pytest.raises(GatewayError, match="no active default buyer identifier"):
        gateway.query_availability(partner, QUERY_00)

    assert server.received == []
