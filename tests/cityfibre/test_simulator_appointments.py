"""The supplier simulator's appointments over real sockets: availability, reservations and their
keys, the reservation rule on Service Outage (TLOS) faults, and the appointment notifications it
sends our webhook (played here by a tiny recorder).

No database: ALA requests are written out as samples 00 and 02 are; fault reports are built with
the project's builders from unsaved faults.

The supplier's appointment notification samples (26/28/30) break its own XSD (the
`<appointments>` wrapper); the simulator mirrors them and records the deviation, so these tests
check that the deviation is that wrapper and nothing else.
"""

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from lxml import etree

from faults.models import Fault
from integrations.cityfibre import soap
from integrations.cityfibre.builders import build_add_fault_report, build_amend_fault_report
from integrations.cityfibre.management.commands.simulate_cityfibre import Command
from integrations.cityfibre.messages import OutboundAppointment
from integrations.cityfibre.parsers import parse_notification
from integrations.cityfibre.schema import schema_deviations
from integrations.cityfibre.simulator import CityFibreSimulator
from integrations.models import BuyerIdentifier
from integrations.xml import parse_xml

BUYER = "SPDEV1"
STEP = 0.05
WAIT = 5.0
ALA = "http://www.niccstandards.org.uk/ala_1.0.xsd"
CFH = "http://www.cityfibre.com/ala/ext1"
NS = {"a": ALA, "cfh": CFH}
ADDRESS = "10002491172"
KEY = re.compile(r"[A-Z0-9]{32}")
APPOINTMENTS_NOT_EXPECTED = "Element 'appointments': This element is not expected."


# --- our endpoint, played by a recorder ----------------------------------------------------------
class Receiver:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notify/"

    def elements(self, reference: str) -> list[etree._Element]:
        with self.lock:
            bodies = list(self.bodies)
        elements = [soap.unwrap(parse_xml(body)) for body in bodies]
        return [e for e in elements if e.findtext("buyerFaultReference") == reference]

    def events(self, reference: str) -> list[str]:
        return [event_of(element) for element in self.elements(reference)]

    def wait_for(self, reference: str, expected: list[str]) -> list[etree._Element]:
        deadline = time.monotonic() + WAIT
        while (got := self.events(reference)) != expected:
            assert got == expected[: len(got)], f"unexpected notifications {got}"
            assert time.monotonic() < deadline, f"waited for {expected}, got {got}"
            time.sleep(0.01)
        return self.elements(reference)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def appointment_of(element: etree._Element) -> etree._Element | None:
    found = element.find("appointments/appointment")
    return element.find("appointment") if found is None else found


def event_of(element: etree._Element) -> str:
    """A notification in a word: its status, or what it says of the appointment."""
    missed = element.find("faultDetails/missedAppointment")
    if missed is not None:
        flags = [child.tag for child in missed if child.text == "Y"]
        return "missed:" + ",".join(flags)
    appointment = appointment_of(element)
    if appointment is None:
        return element.findtext("faultDetails/status")
    if appointment.findtext("appointmentClosureCode"):
        return "completed:" + appointment.findtext("appointmentClosureCode")
    if appointment.findtext("appointmentCancelled") == "true":
        return "appointment-cancelled"
    return appointment.findtext("appointmentConfirmationStatus")


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recorder = Receiver()
    yield recorder
    recorder.stop()


def _simulator(receiver: Receiver, **options: Any) -> CityFibreSimulator:
    values: dict[str, Any] = {
        "notify_url": receiver.url,
        "buyer_identifiers": {BUYER},
        "step_delay": STEP,
        "notify_backoff": 0.02,
        "auto_close_after": 60,
    }
    values.update(options)
    return CityFibreSimulator(port=0, **values).start()


@pytest.fixture
def sim(receiver: Receiver) -> Iterator[CityFibreSimulator]:
    simulator = _simulator(receiver)
    yield simulator
    simulator.stop()


# --- requests ------------------------------------------------------------------------------------
_counter = iter(range(1, 10**6))


def today() -> date:
    return datetime.now(UTC).date()


def soon() -> date:
    """A from-date safely in the future, whatever the clock does while a test runs."""
    return today() + timedelta(days=3)


def header(root: str, *, message_id: str | None = None, buyer: str = BUYER) -> str:
    message_id = f"b68b2cf4-{next(_counter):06d}" if message_id is None else message_id
    return f"""<{root} xmlns="{ALA}" xmlns:cfh="{CFH}">
  <message><messageId>{message_id}</messageId>
    <correlationId>bac72cfa-475e-11e1-a92e-fb2ff6467c99</correlationId>
    <sentAt>2024-01-20T18:30:43Z</sentAt></message>
  <buyer><buyerIdentifier>{buyer}</buyerIdentifier></buyer>
  <seller><sellerIdentifier>CITYFIBRE</sellerIdentifier></seller>"""


def query_body(
    *, address: str = ADDRESS, start: date | str | None = None, in_soap: bool = True, **kw: Any
) -> bytes:
    start = soon() if start is None else start
    address_element = f"<addressKey>{address}</addressKey>" if address else ""
    xml = f"""{header("queryAppointmentAvailabilityRequest", **kw)}
  {address_element}<appointmentsFrom>{start}</appointmentsFrom>
  <appointmentType><fault/></appointmentType>
  <cfh:productName>ftthl2r</cfh:productName><cfh:reappointment>false</cfh:reappointment>
</queryAppointmentAvailabilityRequest>"""
    return soap.wrap(etree.fromstring(xml)) if in_soap else xml.encode()


def reserve_body(slot: dict[str, str], *, address: str = ADDRESS, **kw: Any) -> bytes:
    xml = f"""{header("reserveAppointmentRequest", **kw)}
  <appointmentSlot><appointmentDate>{slot["date"]}</appointmentDate>
    <appointmentStartTime>{slot["start"]}</appointmentStartTime>
    <appointmentEndTime>{slot["end"]}</appointmentEndTime></appointmentSlot>
  <appointmentType><fault/></appointmentType>
  <cfh:productName>ftthl2r</cfh:productName><cfh:addressKey>{address}</cfh:addressKey>
  <cfh:reappointment>false</cfh:reappointment>
</reserveAppointmentRequest>"""
    return soap.wrap(etree.fromstring(xml))


def post(sim: CityFibreSimulator, operation: str, body: bytes) -> requests.Response:
    return requests.post(
        f"{sim.url}/{operation}",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{operation}"'},
        timeout=5,
    )


def ala_answer(response: requests.Response, root: str) -> etree._Element:
    assert soap.is_envelope(parse_xml(response.content))
    element = soap.unwrap(parse_xml(response.content))
    assert element.tag == f"{{{ALA}}}{root}"
    return element


def slots_of(response: requests.Response) -> list[dict[str, str]]:
    answer = ala_answer(response, "queryAppointmentAvailabilityResponse")
    return [
        {
            "date": slot.findtext("a:appointmentDate", namespaces=NS),
            "start": slot.findtext("a:appointmentStartTime", namespaces=NS),
            "end": slot.findtext("a:appointmentEndTime", namespaces=NS),
            "available": slot.findtext("cfh:availability", namespaces=NS),
        }
        for slot in answer.iterfind(
            "a:queryAppointmentAvailabilityAccepted/a:appointmentSlots/a:appointmentSlot", NS
        )
    ]


def free_slots(sim: CityFibreSimulator, address: str = ADDRESS) -> list[dict[str, str]]:
    response = post(sim, "queryAppointmentAvailability", query_body(address=address))
    assert response.status_code == 200, response.text
    return [slot for slot in slots_of(response) if slot["available"] == "true"]


def reserve(sim: CityFibreSimulator, index: int = 0) -> dict[str, str]:
    """Reserve the index-th free slot; its slot fields, key and valid-until."""
    slot = free_slots(sim)[index]
    response = post(sim, "reserveAppointment", reserve_body(slot))
    assert response.status_code == 200, response.text
    answer = ala_answer(response, "reserveAppointmentResponse")
    appointment = answer.find("a:reserveAppointmentAccepted/a:appointment", NS)
    return {
        **slot,
        "key": appointment.findtext("a:appointmentReservationKey", namespaces=NS),
        "valid_until": appointment.findtext("a:appointmentReservationValidUntil", namespaces=NS),
    }


def rejection(response: requests.Response, operation: str) -> tuple[str, str]:
    assert response.status_code == 400, response.text
    answer = ala_answer(response, f"{operation}Response")
    refused = answer.find(f"a:{operation}Rejected", NS)
    assert refused is not None
    code = refused.findtext("a:reasonCode", namespaces=NS)
    return code, refused.findtext("a:reason", namespaces=NS)


def make_fault(**overrides: Any) -> Fault:
    values: dict[str, Any] = {
        "buyer_fault_reference": f"NOC-APPT-{next(_counter):05d}",
        "buyer_identifier": BuyerIdentifier(code=BUYER),
        "service_id": "S18650",
        "fault_type": "Service Outage",
        "priority": 1,
        "description": "No service at all.",
        "fault_start_time": datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
        "fault_location": "12 Example Street",
        "site_access_details": "Ring the bell.",
        "site_access_contact_name": "Site Contact",
        "reporter_name": "Nora Agent",
        "end_user_phone": "01632 960002",
        "triage_complete": True,
        "triage_findings": "No light at the ONT.",
    }
    values.update(overrides)
    return Fault(**values)


def outbound(reserved: dict[str, str] | None, key: str | None = None) -> OutboundAppointment:
    if reserved is None:
        return OutboundAppointment(reservation_key=key or "")
    return OutboundAppointment(
        reservation_key=key or reserved["key"],
        date=date.fromisoformat(reserved["date"]),
        start_time=dtime.fromisoformat(reserved["start"]),
        end_time=dtime.fromisoformat(reserved["end"]),
    )


def raise_fault(
    sim: CityFibreSimulator, fault: Fault, appointment: OutboundAppointment | None
) -> requests.Response:
    element = build_add_fault_report(
        fault=fault,
        message_id=f"SP-{next(_counter):06d}",
        sent_at=datetime.now(UTC),
        appointment=appointment,
    )
    return post(sim, "addFaultReport", soap.wrap(element))


def reappoint(
    sim: CityFibreSimulator, fault: Fault, appointment: OutboundAppointment
) -> requests.Response:
    element = build_amend_fault_report(
        fault=fault,
        message_id=f"SP-{next(_counter):06d}",
        sent_at=datetime.now(UTC),
        changes={},
        appointment=appointment,
    )
    return post(sim, "amendFaultReport", soap.wrap(element))


def refused_403(response: requests.Response) -> str:
    assert response.status_code == 403, response.text
    answer = soap.unwrap(parse_xml(response.content))
    assert schema_deviations(answer) == []
    assert answer.findtext("status") == "rejected" or answer.tag == "receivedAmendFaultReport"
    assert answer.findtext("responseCode") == "403"
    return answer.findtext("errorMessage")


def check_shape(sim: CityFibreSimulator, elements: list[etree._Element]) -> None:
    """Every notification is valid against the XSD but for the samples' `appointments` wrapper,
    which is recorded with the notification."""
    sent = {s["message_id"]: s for s in sim.state()["sent"]}
    for element in elements:
        record = sent[element.findtext("messageId")]
        wrapped = element.find("appointments") is not None
        kind = "appointment" if wrapped else "status"
        if element.find("faultDetails/missedAppointment") is not None:
            kind = "missed-appointment"
        assert record["kind"] == kind
        deviations = schema_deviations(element)
        assert [d.split(": ", 1)[1] for d in deviations] == (
            [APPOINTMENTS_NOT_EXPECTED] if wrapped else []
        )
        assert len(record["xsd_deviations"]) == len(deviations)
        assert parse_notification(element).problems == []


# --- availability --------------------------------------------------------------------------------
def test_availability_is_deterministic_with_some_slots_full(sim: CityFibreSimulator) -> None:
    # Given the same query twice (one in SOAP to its path, one bare to the root).
    first = post(sim, "queryAppointmentAvailability", query_body())
    second = post(sim, "", query_body(in_soap=False))

    # Then both answer 200 with the same 20 slots: two windows on each of 10 working days.
    assert (first.status_code, second.status_code) == (200, 200)
    slots = slots_of(first)
    assert slots == slots_of(second)
    assert len(slots) == 20
    days = sorted({date.fromisoformat(s["date"]) for s in slots})
    assert len(days) == 10 and days[0] >= soon()
    assert all(day.weekday() < 5 for day in days)
    assert {(s["start"], s["end"]) for s in slots} == {("08:00", "13:00"), ("13:00", "18:00")}
    # Some are full (marked, not left out), most are free.
    marks = [s["available"] for s in slots]
    assert set(marks) == {"true", "false"}
    assert marks.count("true") > marks.count("false")
    # Another address has its own diary.
    assert slots_of(post(sim, "queryAppointmentAvailability", query_body(address="99"))) != slots

    answer = ala_answer(first, "queryAppointmentAvailabilityResponse")
    assert answer.findtext("a:message/a:correlationId", namespaces=NS) == (
        "bac72cfa-475e-11e1-a92e-fb2ff6467c99"
    )
    assert answer.findtext("a:buyer/a:buyerIdentifier", namespaces=NS) == BUYER
    assert answer.findtext("a:seller/a:sellerIdentifier", namespaces=NS) == "CITYFIBRE"
    received = sim.state()["received"]
    assert [r["operation"] for r in received][:2] == ["queryAppointmentAvailabilityRequest"] * 2
    assert received[0]["message_id"].startswith("b68b2cf4-")
    assert received[0]["xsd_valid"] is None  # no schema is published for these


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (lambda: query_body(buyer="NOBODY"), "UNKNOWN_BUYER", "NOBODY"),
        (lambda: query_body(address=""), "INVALID_REQUEST", "addressKey"),
        (lambda: query_body(start=today() - timedelta(days=1)), "DATE_IN_PAST", "past"),
        (lambda: query_body(start="20-01-2030"), "INVALID_REQUEST", "not a date"),
        (lambda: query_body(message_id=""), "INVALID_REQUEST", "messageId"),
    ],
)
def test_a_bad_query_is_rejected_with_a_reason(
    sim: CityFibreSimulator, body: Any, code: str, words: str
) -> None:
    response = post(sim, "queryAppointmentAvailability", body())

    got_code, reason = rejection(response, "queryAppointmentAvailability")
    assert got_code == code
    assert words in reason


def test_a_query_outside_the_ala_namespace_or_broken_is_refused(sim: CityFibreSimulator) -> None:
    bare = query_body(in_soap=False).replace(f'xmlns="{ALA}"'.encode(), b"")
    code, reason = rejection(
        post(sim, "queryAppointmentAvailability", bare), "queryAppointmentAvailability"
    )
    assert code == "INVALID_REQUEST" and "namespace" in reason

    broken = post(sim, "queryAppointmentAvailability", b"<queryAppointmentAvailabilityRequest>")
    assert broken.status_code == 400
    with pytest.raises(soap.SoapFault, match="Broken XML"):
        soap.unwrap(parse_xml(broken.content))


# --- reservations --------------------------------------------------------------------------------
def test_reserving_a_free_slot_returns_a_key_valid_for_the_ttl(sim: CityFibreSimulator) -> None:
    before = datetime.now(UTC)

    reserved = reserve(sim)

    assert KEY.fullmatch(reserved["key"])
    valid_until = datetime.fromisoformat(reserved["valid_until"].replace("Z", "+00:00"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", reserved["valid_until"])
    ttl = timedelta(seconds=1800)
    assert before + ttl - timedelta(seconds=1) <= valid_until <= datetime.now(UTC) + ttl
    held = sim.state()["reservations"][reserved["key"]]
    assert (held["date"], held["start_time"], held["end_time"]) == (
        reserved["date"],
        reserved["start"],
        reserved["end"],
    )
    assert (held["status"], held["used_by"], held["address_key"]) == ("reserved", "", ADDRESS)
    assert held["buyer_identifier"] == BUYER


def test_a_repeated_reserve_request_is_answered_with_the_same_key(sim: CityFibreSimulator) -> None:
    body = reserve_body(free_slots(sim)[0])

    first, second = post(sim, "reserveAppointment", body), post(sim, "reserveAppointment", body)

    assert first.content == second.content
    assert len(sim.state()["reservations"]) == 1


def _first_full(sim: CityFibreSimulator) -> dict[str, str]:
    response = post(sim, "queryAppointmentAvailability", query_body())
    return next(slot for slot in slots_of(response) if slot["available"] == "false")


def _saturday() -> str:
    day = soon()
    return (day + timedelta(days=(5 - day.weekday()) % 7)).isoformat()


@pytest.mark.parametrize(
    ("slot", "code"),
    [
        (_first_full, "SLOT_FULL"),
        (lambda sim: {"date": "2012-01-20", "start": "08:00", "end": "13:00"}, "DATE_IN_PAST"),
        (lambda sim: {"date": _saturday(), "start": "08:00", "end": "13:00"}, "SLOT_UNKNOWN"),
        (
            lambda sim: {"date": str(soon() + timedelta(7)), "start": "09:00", "end": "12:00"},
            "SLOT_UNKNOWN",
        ),
        (lambda sim: {"date": str(soon()), "start": "8am", "end": "13:00"}, "INVALID_REQUEST"),
    ],
    ids=["full", "past", "weekend", "no-such-window", "not-hh-mm"],
)
def test_a_slot_that_cannot_be_had_is_refused(
    sim: CityFibreSimulator, slot: Any, code: str
) -> None:
    response = post(sim, "reserveAppointment", reserve_body(slot(sim)))

    got_code, reason = rejection(response, "reserveAppointment")
    assert got_code == code and reason
    assert sim.state()["reservations"] == {}


# --- the reservation rule on raises --------------------------------------------------------------
def test_an_expired_key_is_refused_403(receiver: Receiver) -> None:
    with _simulator(receiver, reservation_ttl=0.2) as simulator:
        reserved = reserve(simulator)
        time.sleep(0.3)

        response = raise_fault(simulator, make_fault(), outbound(reserved))

        assert "Appointment reservation key expired" in refused_403(response)
        assert simulator.state()["faults"] == {}
        assert simulator.state()["reservations"][reserved["key"]]["expired"] is True


def test_an_unknown_key_is_refused_403(sim: CityFibreSimulator) -> None:
    key = "EI7PBRU6TL8KN1YNGO8ICEUI0UDFE9M8"  # sample 03's: well-formed, never issued here

    response = raise_fault(sim, make_fault(), outbound(None, key=key))

    assert "Appointment reservation key unknown" in refused_403(response)


def test_a_key_reserved_by_another_buyer_is_unknown(sim: CityFibreSimulator) -> None:
    sim.configure(buyer_identifiers=[BUYER, "OTHER"])
    reserved = reserve(sim)
    fault = make_fault(buyer_identifier=BuyerIdentifier(code="OTHER"))

    assert "unknown" in refused_403(raise_fault(sim, fault, outbound(reserved)))


def test_a_key_is_spent_by_the_first_fault_that_carries_it(sim: CityFibreSimulator) -> None:
    sim.configure(step_delay=30)
    reserved = reserve(sim)
    first = make_fault()

    assert raise_fault(sim, first, outbound(reserved)).status_code == 201
    response = raise_fault(sim, make_fault(), outbound(reserved))

    assert "Appointment reservation key already used" in refused_403(response)
    held = sim.state()["reservations"][reserved["key"]]
    assert (held["status"], held["used_by"]) == ("used", first.buyer_fault_reference)


def test_another_fault_type_with_a_valid_key_is_refused_403(sim: CityFibreSimulator) -> None:
    reserved = reserve(sim)

    response = raise_fault(sim, make_fault(fault_type="Impaired Service"), outbound(reserved))

    assert "Only a Service Outage" in refused_403(response)
    assert sim.state()["reservations"][reserved["key"]]["status"] == "reserved"


# --- the appointment's life ----------------------------------------------------------------------
def test_a_valid_key_is_taken_and_the_appointment_confirmed_completed_and_resolved(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    reserved = reserve(sim)
    fault = make_fault()

    response = raise_fault(sim, fault, outbound(reserved))

    assert response.status_code == 201, response.text
    elements = receiver.wait_for(
        fault.buyer_fault_reference,
        ["accepted", "Confirmed", "in-progress", "completed:FR", "resolved"],
    )
    check_shape(sim, elements)
    confirmed, completed = appointment_of(elements[1]), appointment_of(elements[3])
    for appointment in (confirmed, completed):  # the samples' wrapper, the reserved slot
        assert appointment.getparent().tag == "appointments"
        assert appointment.findtext("appointmentReservationKey") == reserved["key"]
        assert appointment.findtext("appointmentDate") == reserved["date"]
        assert appointment.findtext("appointmentStartTime") == reserved["start"]
        assert appointment.findtext("appointmentEndTime") == reserved["end"]
    assert [child.tag for child in completed][-3:] == [
        "appointmentConfirmationStatus",
        "appointmentClosureCode",
        "appointmentCancelled",
    ]
    assert completed.findtext("appointmentCancelled") == "false"
    notified = parse_notification(elements[3])
    assert notified.appointments[0].closure_code == "FR"
    assert notified.updates[-1].description.startswith("Appointment completed: FR")
    state = sim.state()
    held = state["faults"][fault.buyer_fault_reference]
    assert held["status"] == "resolved"
    assert held["appointment"]["closure_code"] == "FR"
    assert held["appointment"]["status"] == "used"
    kinds = [s["kind"] for s in state["sent"]]
    assert kinds == ["status", "appointment", "status", "appointment", "status"]


def test_the_xsd_shape_sends_one_valid_appointment_element(receiver: Receiver) -> None:
    with _simulator(receiver, appointment_shape="xsd") as simulator:
        fault = make_fault()
        raise_fault(simulator, fault, outbound(reserve(simulator)))

        elements = receiver.wait_for(
            fault.buyer_fault_reference,
            ["accepted", "Confirmed", "in-progress", "completed:FR", "resolved"],
        )

        assert all(schema_deviations(element) == [] for element in elements)
        assert elements[1].find("appointment") is not None
        assert elements[1].find("appointments") is None


@pytest.mark.parametrize(
    ("prefix", "flag"),
    [
        ("SIM-APPT-MISSED-SELLER-", "sellerMissedAppointment"),
        ("SIM-APPT-MISSED-ENDUSER-", "endUserMissedAppointment"),
        ("SIM-APPT-MISSED-MBORC-", "MBORC"),
    ],
)
def test_a_missed_appointment_carries_its_flag_and_holds_the_fault(
    sim: CityFibreSimulator, receiver: Receiver, prefix: str, flag: str
) -> None:
    reserved = reserve(sim)
    fault = make_fault(service_id=f"{prefix}1")
    raise_fault(sim, fault, outbound(reserved))

    elements = receiver.wait_for(
        fault.buyer_fault_reference, ["accepted", "Confirmed", f"missed:{flag}", "on-hold"]
    )

    check_shape(sim, elements)
    missed = elements[2].find("faultDetails/missedAppointment")
    assert [child.tag for child in missed] == [
        "appointmentReservationKey",
        "appointmentDate",
        "appointmentStartTime",
        "appointmentEndTime",
        "sellerMissedAppointment",
        "Amended",
        "Cancelled",
        "endUserMissedAppointment",
        "endUserPreAgreed",
        "MBORC",
    ]
    assert missed.findtext("appointmentReservationKey") == reserved["key"]
    assert parse_notification(elements[2]).missed_appointment is not None
    assert "re-appointment" in elements[3].findtext("faultDetails/statusReason")
    assert sim.state()["faults"][fault.buyer_fault_reference]["appointment"]["missed"][flag] == "Y"


@pytest.mark.parametrize(
    ("service", "events"),
    [
        (
            "SIM-APPT-CANCEL-1",
            ["accepted", "Confirmed", "in-progress", "appointment-cancelled", "on-hold"],
        ),
        ("SIM-APPT-FAILED-1", ["accepted", "Failed", "on-hold"]),
        ("SIM-APPT-FNR-1", ["accepted", "Confirmed", "in-progress", "completed:FNR"]),
    ],
)
def test_cancelled_failed_and_not_resolved_appointments(
    sim: CityFibreSimulator, receiver: Receiver, service: str, events: list[str]
) -> None:
    fault = make_fault(service_id=service)
    raise_fault(sim, fault, outbound(reserve(sim)))

    elements = receiver.wait_for(fault.buyer_fault_reference, events)

    check_shape(sim, elements)
    time.sleep(STEP * 4)  # and then nothing more: the buyer must re-appoint
    assert receiver.events(fault.buyer_fault_reference) == events
    held = sim.state()["faults"][fault.buyer_fault_reference]
    assert held["status"] == ("in-progress" if service.startswith("SIM-APPT-FNR") else "on-hold")
    if service.startswith("SIM-APPT-CANCEL"):
        assert appointment_of(elements[3]).findtext("appointmentConfirmationStatus") == "Confirmed"
        assert held["appointment"]["cancelled"] is True


# --- re-appointment ------------------------------------------------------------------------------
def test_a_missed_appointment_is_reappointed_with_a_fresh_key(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    first = reserve(sim)
    fault = make_fault(service_id="SIM-APPT-MISSED-SELLER-2")
    raise_fault(sim, fault, outbound(first))
    missed = ["accepted", "Confirmed", "missed:sellerMissedAppointment", "on-hold"]
    elements = receiver.wait_for(fault.buyer_fault_reference, missed)
    fault.maintainer_fault_reference = elements[0].findtext("maintainerFaultReference")
    second = reserve(sim, index=1)

    response = reappoint(sim, fault, outbound(second))

    assert response.status_code == 200, response.text
    expected = [*missed, "on-hold", "in-progress", "Confirmed", "completed:FR", "resolved"]
    elements = receiver.wait_for(fault.buyer_fault_reference, expected)
    check_shape(sim, elements)
    for element in elements[6:8]:
        assert appointment_of(element).findtext("appointmentReservationKey") == second["key"]
        assert appointment_of(element).findtext("appointmentDate") == second["date"]
    reservations = sim.state()["reservations"]
    assert reservations[first["key"]]["status"] == "replaced"
    assert (reservations[second["key"]]["status"], reservations[second["key"]]["used_by"]) == (
        "used",
        fault.buyer_fault_reference,
    )
    held = sim.state()["faults"][fault.buyer_fault_reference]
    assert held["appointment_reservation_key"] == second["key"]
    assert held["status"] == "resolved"


def test_a_reappointment_needs_a_valid_key_too(sim: CityFibreSimulator, receiver: Receiver) -> None:
    first, other = reserve(sim), reserve(sim, index=1)
    fault = make_fault(service_id="SIM-APPT-FAILED-2")
    neighbour = make_fault(service_id="SIM-SILENT-2")  # holds its key and says nothing
    raise_fault(sim, fault, outbound(first))
    raise_fault(sim, neighbour, outbound(other))
    elements = receiver.wait_for(fault.buyer_fault_reference, ["accepted", "Failed", "on-hold"])
    fault.maintainer_fault_reference = elements[0].findtext("maintainerFaultReference")
    sim.configure(reservation_ttl=0.2)
    stale = reserve(sim, index=2)
    time.sleep(0.3)

    expired = reappoint(sim, fault, outbound(stale))
    unknown = reappoint(sim, fault, outbound(first, key="NOT-A-KEY-OF-OURS"))
    used = reappoint(sim, fault, outbound(other))

    assert "Appointment reservation key expired" in refused_403(expired)
    assert "Appointment reservation key unknown" in refused_403(unknown)
    assert "Appointment reservation key already used" in refused_403(used)
    held = sim.state()["faults"][fault.buyer_fault_reference]
    assert (held["status"], held["appointment_reservation_key"]) == ("on-hold", first["key"])
    # The same key again is no re-appointment: the amendment is taken and nothing moves.
    assert reappoint(sim, fault, outbound(first)).status_code == 200
    receiver.wait_for(fault.buyer_fault_reference, ["accepted", "Failed", "on-hold", "on-hold"])
    time.sleep(STEP * 4)
    assert receiver.events(fault.buyer_fault_reference)[-1] == "on-hold"
    assert sim.state()["reservations"][first["key"]]["status"] == "used"


# --- control API and command line ----------------------------------------------------------------
def test_control_api_sets_the_ttl_and_reset_forgets_reservations(sim: CityFibreSimulator) -> None:
    changed = requests.post(
        f"{sim.url}/_sim/config",
        json={"reservation_ttl": 0.2, "appointment_shape": "xsd"},
        timeout=5,
    )
    assert changed.status_code == 200
    assert (changed.json()["reservation_ttl"], changed.json()["appointment_shape"]) == (0.2, "xsd")
    for bad in ({"reservation_ttl": -1}, {"appointment_shape": "pretty"}):
        assert requests.post(f"{sim.url}/_sim/config", json=bad, timeout=5).status_code == 400
    reserved = reserve(sim)
    assert requests.get(f"{sim.url}/_sim/state", timeout=5).json()["reservations"][reserved["key"]]

    requests.post(f"{sim.url}/_sim/reset", timeout=5)

    after = sim.state()
    assert after["reservations"] == {}
    assert (after["config"]["reservation_ttl"], after["config"]["appointment_shape"]) == (
        1800.0,
        "samples",
    )


def test_the_command_takes_a_reservation_ttl() -> None:
    parser = Command().create_parser("manage.py", "simulate_cityfibre")

    options = parser.parse_args(["--reservation-ttl=60", "--appointment-shape=xsd"])
    defaults = parser.parse_args([])

    assert (options.reservation_ttl, options.appointment_shape) == (60.0, "xsd")
    assert (defaults.reservation_ttl, defaults.appointment_shape) == (1800.0, "samples")
    assert CityFibreSimulator(reservation_ttl=60).state()["config"]["reservation_ttl"] == 60.0
