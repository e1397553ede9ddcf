"""The supplier simulator over real sockets: what it accepts and refuses, how it answers, and the
notifications it sends our webhook, checked by a tiny HTTP server standing in for our endpoint.

No database: requests are built with the project's builders from unsaved faults, or written out
by hand where a test needs a message our builders would never produce.
"""

import contextlib
import json
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command
from lxml import etree

from devtools.pki import DemoPki, ensure_demo_pki
from faults.models import Fault, FaultComment
from integrations.cityfibre import soap
from integrations.cityfibre.builders import (
    build_add_fault_report,
    build_amend_fault_report,
    build_request_fault_report_update,
    build_resolve_response,
)
from integrations.cityfibre.messages import OutboundAppointment
from integrations.cityfibre.parsers import parse_notification
from integrations.cityfibre.schema import schema_deviations
from integrations.cityfibre.simulator import CityFibreSimulator
from integrations.models import BuyerIdentifier, InboundMessage
from integrations.xml import parse_xml
from tests.command_process import running_command
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory

BUYER = "SPDEV1"
STEP = 0.05
WAIT = 5.0
NO_WORKFLOW = '{"maintainerFaultReference": "No workflow found with that reference"}'


# --- our endpoint, played by a recorder ----------------------------------------------------------
class Receiver:
    """Records every notification POSTed to it; answers 200, or `fail_status` to the first
    `fail_first` requests."""

    def __init__(self, *, fail_first: int = 0, fail_status: int = 503) -> None:
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notify/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = len(receiver.requests) < receiver.fail_first
                    status = receiver.fail_status if failing else 200
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                            "answered": status,
                        }
                    )
                reply = b"<receivedNotifyFaultReportUpdate/>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler

    def delivered(self, reference: str | None = None) -> list[dict[str, Any]]:
        """The notifications answered 200 (for one buyer reference), oldest first, each with
        its message element under "element"."""
        with self.lock:
            taken = [dict(r) for r in self.requests if r["answered"] == 200]
        for item in taken:
            item["element"] = soap.unwrap(parse_xml(item["body"]))
        if reference is not None:
            taken = [i for i in taken if i["element"].findtext("buyerFaultReference") == reference]
        return taken

    def statuses(self, reference: str) -> list[str]:
        return [i["element"].findtext("faultDetails/status") for i in self.delivered(reference)]

    def wait_for_statuses(self, reference: str, expected: list[str]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + WAIT
        while self.statuses(reference) != expected:
            got = self.statuses(reference)
            assert got == expected[: len(got)], f"unexpected notifications {got}"
            assert time.monotonic() < deadline, f"waited for {expected}, got {got}"
            time.sleep(0.01)
        return self.delivered(reference)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_demo_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recorder = Receiver()
    yield recorder
    recorder.stop()


def _simulator(receiver: Receiver, pki: DemoPki, **options: Any) -> CityFibreSimulator:
    values: dict[str, Any] = {
        "notify_url": receiver.url,
        "buyer_identifiers": {BUYER},
        "step_delay": STEP,
        "supplier_client_cert": pki.supplier_client,
        "notify_backoff": 0.02,
        "auto_close_after": 60,
    }
    values.update(options)
    return CityFibreSimulator(port=0, **values).start()


@pytest.fixture
def sim(receiver: Receiver, pki: DemoPki) -> Iterator[CityFibreSimulator]:
    simulator = _simulator(receiver, pki)
    yield simulator
    simulator.stop()


# --- building and sending requests ---------------------------------------------------------------
_counter = iter(range(1, 10**6))


def make_fault(**overrides: Any) -> Fault:
    """An unsaved fault (no database needed), as our side holds it when it raises."""
    values: dict[str, Any] = {
        "buyer_fault_reference": f"NOC-SIM-{next(_counter):05d}",
        "buyer_identifier": BuyerIdentifier(code=BUYER),
        "service_id": "S18650",
        "fault_type": "Impaired Service",
        "priority": 2,
        "description": "Intermittent loss of sync.",
        "fault_start_time": datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
        "fault_location": "Cabinet 12, Example Street",
        "site_access_details": "Ring the bell at reception.",
        "site_access_contact_name": "Site Contact",
        "reporter_name": "Nora Agent",
        "reporter_email": "nora@example.test",
        "end_user_phone": "01632 960002",
        "triage_complete": True,
        "triage_findings": "Light levels low at the ONT.",
    }
    values.update(overrides)
    return Fault(**values)


def message_id() -> str:
    return f"SP-{next(_counter):06d}"


def now() -> datetime:
    return datetime.now(UTC)


def add_body(fault: Fault, appointment: OutboundAppointment | None = None, **kw: Any) -> bytes:
    element = build_add_fault_report(
        fault=fault,
        message_id=kw.get("message_id") or message_id(),
        sent_at=now(),
        appointment=appointment,
    )
    return soap.wrap(element)


def post(sim: CityFibreSimulator, operation: str, body: bytes, **kw: Any) -> requests.Response:
    return requests.post(
        f"{sim.url}/{operation}" if operation else f"{sim.url}/",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{operation}"'},
        timeout=5,
        **kw,
    )


def answer_of(response: requests.Response) -> etree._Element:
    """The answer's message element, which must be valid against the supplier's XSD."""
    element = soap.unwrap(parse_xml(response.content))
    assert schema_deviations(element) == []
    return element


def raise_fault(sim: CityFibreSimulator, fault: Fault, **kw: Any) -> etree._Element:
    response = post(sim, "addFaultReport", add_body(fault, **kw))
    assert response.status_code == 201, response.text
    return answer_of(response)


def accept(receiver: Receiver, fault: Fault, statuses: list[str]) -> list[dict[str, Any]]:
    """Wait for `statuses` and note the maintainer reference on the fault, as our side does."""
    delivered = receiver.wait_for_statuses(fault.buyer_fault_reference, statuses)
    fault.maintainer_fault_reference = delivered[-1]["element"].findtext("maintainerFaultReference")
    return delivered


def resolve_body(fault: Fault, *, accepted: bool, reason: str = "") -> bytes:
    return soap.wrap(
        build_resolve_response(
            fault=fault, message_id=message_id(), sent_at=now(), accepted=accepted, reason=reason
        )
    )


def amend_body(fault: Fault, **kw: Any) -> bytes:
    kw.setdefault("changes", {})
    return soap.wrap(
        build_amend_fault_report(fault=fault, message_id=message_id(), sent_at=now(), **kw)
    )


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


HAPPY = ["accepted", "in-progress", "resolved"]


# --- the default life ----------------------------------------------------------------------------
def test_raise_is_pending_then_accepted_in_progress_resolved(
    sim: CityFibreSimulator, receiver: Receiver, pki: DemoPki
) -> None:
    # Given a fault raised with the project's builder.
    fault = make_fault()
    request_id = message_id()

    # When the simulator receives it.
    answer = raise_fault(sim, fault, message_id=request_id)

    # Then it answers receivedFaultReport pending 201, echoing our message id and buyer.
    assert answer.tag == "receivedFaultReport"
    assert answer.findtext("status") == "pending"
    assert answer.findtext("responseCode") == "201"
    assert answer.findtext("messageId") == request_id
    assert answer.findtext("buyerIdentifier") == BUYER
    assert answer.findtext("buyerFaultReference") == fault.buyer_fault_reference

    # And then notifies accepted, in-progress and resolved, in that order.
    delivered = receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)
    references = {d["element"].findtext("maintainerFaultReference") for d in delivered}
    assert len(references) == 1
    (reference,) = references
    assert re.fullmatch(r"CS\d{7}", reference)
    assert len({d["element"].findtext("messageId") for d in delivered}) == 3
    for number, item in enumerate(delivered, start=1):
        element, headers = item["element"], item["headers"]
        # Each valid against the XSD, SOAP-wrapped, with the headers the TLS proxy adds.
        assert schema_deviations(element) == []
        assert soap.is_envelope(parse_xml(item["body"]))
        assert headers["X-SSL-Client-Cert"] == pki.supplier_client.proxy_header
        assert headers["X-Forwarded-For"] == "127.0.0.1"
        assert headers["SOAPAction"] == '"notifyFaultReportUpdate"'
        assert item["path"] == "/notify/"
        # The full report, the updates list growing by one seller entry a step.
        notification = parse_notification(element)
        assert notification.buyer_identifier == BUYER
        assert notification.service_affected == "S18650"
        assert notification.details.fault_location == "Cabinet 12, Example Street"
        assert notification.details.triage_findings == "Light levels low at the ONT."
        assert [u.updated_by for u in notification.updates] == ["seller"] * number
        assert notification.problems == []
        assert abs(notification.sent_at - now()) < timedelta(seconds=30)
    resolved = parse_notification(delivered[-1]["element"])
    assert resolved.details.status_reason

    state = sim.state()["faults"][fault.buyer_fault_reference]
    assert state["status"] == "resolved"
    assert state["maintainer_fault_reference"] == reference
    assert [h["status"] for h in state["history"]] == ["pending", *HAPPY]


def test_accepted_resolution_closes_the_fault(sim: CityFibreSimulator, receiver: Receiver) -> None:
    fault = make_fault()
    raise_fault(sim, fault)
    accept(receiver, fault, HAPPY)

    response = post(sim, "resolveResponse", resolve_body(fault, accepted=True))

    assert response.status_code == 200
    answer = answer_of(response)
    assert answer.tag == "receivedResolvedResponse"
    assert answer.findtext("responseCode") == "200"
    closed = receiver.wait_for_statuses(fault.buyer_fault_reference, [*HAPPY, "closed"])[-1]
    assert closed["element"].findtext("resolveAccepted") == "true"
    assert sim.state()["faults"][fault.buyer_fault_reference]["status"] == "closed"


def test_rejected_resolution_reopens_and_resolves_again(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault()
    raise_fault(sim, fault)
    accept(receiver, fault, HAPPY)

    response = post(
        sim, "resolveResponse", resolve_body(fault, accepted=False, reason="Still no sync")
    )

    assert response.status_code == 200
    delivered = receiver.wait_for_statuses(
        fault.buyer_fault_reference, [*HAPPY, "re-opened", "in-progress", "resolved"]
    )
    reopened = parse_notification(delivered[3]["element"])
    assert reopened.details.status_reason == "Still no sync"
    assert reopened.resolve_accepted is False

    # And the second resolution can be accepted in turn.
    post(sim, "resolveResponse", resolve_body(fault, accepted=True))
    receiver.wait_for_statuses(
        fault.buyer_fault_reference, [*HAPPY, "re-opened", "in-progress", "resolved", "closed"]
    )


def test_a_refuse_resolve_service_has_its_resolution_answer_refused(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    # Given a fault whose service asks the simulator to refuse our answer to its resolution
    fault = make_fault(service_id="SIM-REFUSE-RESOLVE-0001")
    raise_fault(sim, fault)
    accept(receiver, fault, HAPPY)

    # When we accept the resolution
    response = post(sim, "resolveResponse", resolve_body(fault, accepted=True))

    # Then it is refused with a reason naming resolveAccepted, and the fault stays resolved
    assert response.status_code == 400
    answer = answer_of(response)
    assert answer.findtext("responseCode") == "400"
    assert json.loads(answer.findtext("errorMessage")) == {
        "resolveAccepted": "The resolution is under review by our quality team and cannot be "
        "answered yet"
    }
    assert sim.state()["faults"][fault.buyer_fault_reference]["status"] == "resolved"
    assert receiver.statuses(fault.buyer_fault_reference) == HAPPY


def test_resolved_without_an_answer_is_closed_after_the_auto_close_delay(
    receiver: Receiver, pki: DemoPki
) -> None:
    with _simulator(receiver, pki, auto_close_after=0.1) as simulator:
        fault = make_fault()
        raise_fault(simulator, fault)

        closed = receiver.wait_for_statuses(fault.buyer_fault_reference, [*HAPPY, "closed"])

        assert parse_notification(closed[-1]["element"]).details.status_reason
        # A late resolveResponse finds nothing to answer.
        late = post(simulator, "resolveResponse", resolve_body(fault, accepted=True))
        assert late.status_code == 400


# --- what the simulator refuses ------------------------------------------------------------------
def _refused(response: requests.Response, status: int) -> etree._Element:
    assert response.status_code == status, response.text
    answer = answer_of(response)
    assert answer.findtext("responseCode") == str(status)
    assert answer.findtext("errorMessage")
    return answer


def test_service_outage_without_a_reservation_key_is_rejected_403(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault(fault_type="Service Outage")

    response = post(sim, "addFaultReport", add_body(fault))

    answer = _refused(response, 403)
    assert answer.tag == "receivedFaultReport"
    assert answer.findtext("status") == "rejected"
    assert "reservation key" in answer.findtext("errorMessage")
    assert sim.state()["faults"] == {}


def test_service_outage_with_a_key_the_supplier_never_issued_is_rejected_403(
    sim: CityFibreSimulator,
) -> None:
    # A key this simulator reserved is taken: see test_simulator_appointments.py.
    fault = make_fault(fault_type="Service Outage")
    appointment = OutboundAppointment(
        reservation_key="EI7PBRU6TL8KN1YNGO8I", date=date(2024, 3, 2), start_time=dtime(8)
    )

    response = post(sim, "addFaultReport", add_body(fault, appointment))

    answer = _refused(response, 403)
    assert answer.findtext("status") == "rejected"
    assert "Appointment reservation key unknown" in answer.findtext("errorMessage")
    assert sim.state()["faults"] == {}


def test_other_fault_types_with_a_reservation_key_are_rejected_403(
    sim: CityFibreSimulator,
) -> None:
    fault = make_fault(fault_type="Impaired Service")

    response = post(
        sim, "addFaultReport", add_body(fault, OutboundAppointment(reservation_key="1234567"))
    )

    answer = _refused(response, 403)
    assert answer.findtext("status") == "rejected"
    assert "Impaired Service" in answer.findtext("errorMessage")


def test_unknown_buyer_identifier_is_rejected_400(sim: CityFibreSimulator) -> None:
    fault = make_fault(buyer_identifier=BuyerIdentifier(code="NOBODY"))

    answer = _refused(post(sim, "addFaultReport", add_body(fault)), 400)

    assert answer.findtext("status") == "rejected"
    assert answer.findtext("buyerIdentifier") == "NOBODY"
    assert json.loads(answer.findtext("errorMessage")) == {
        "buyerIdentifier": "Unknown buyer identifier 'NOBODY'"
    }


MINIMAL_ADD = """<addFaultReport>
  <apiVersion>1.0</apiVersion><buyerIdentifier>SPDEV1</buyerIdentifier>
  <sentAt>2024-03-01T09:00:00Z</sentAt><messageId>SP-HAND-1</messageId>
  <serviceAffected>S18650</serviceAffected><buyerFaultReference>NOC-HAND-1</buyerFaultReference>
  {extra}
</addFaultReport>"""


def test_a_report_without_fault_details_is_missing_mandatory_data(
    sim: CityFibreSimulator,
) -> None:
    # Valid against the XSD (faultDetails is optional there), but not what the documents need.
    response = post(sim, "addFaultReport", MINIMAL_ADD.format(extra="").encode())

    answer = _refused(response, 400)
    assert json.loads(answer.findtext("errorMessage")) == {
        "faultDetails": "Missing mandatory field"
    }
    assert sim.state()["received"][-1]["xsd_valid"] is True


def test_a_request_breaking_the_xsd_is_rejected_400_and_recorded_as_invalid(
    sim: CityFibreSimulator,
) -> None:
    body = MINIMAL_ADD.format(extra="<faultDetails><type>Impaired Service</type></faultDetails>")

    answer = _refused(post(sim, "addFaultReport", body.encode()), 400)

    assert "schema" in json.loads(answer.findtext("errorMessage"))
    received = sim.state()["received"][-1]
    assert received["xsd_valid"] is False
    assert received["xsd_errors"]
    assert received["http_status"] == 400


@pytest.mark.parametrize("path", ["addFaultReport", ""])
def test_malformed_xml_is_a_500_broken_xml(sim: CityFibreSimulator, path: str) -> None:
    response = post(sim, path, b"<addFaultReport><apiVersion>1.0</apiV")

    assert response.status_code == 500
    assert b"Broken XML" in response.content
    if path:  # the path names the operation: its documented answer, XSD-valid
        assert answer_of(response).findtext("responseCode") == "500"
    else:  # nothing to go by: a SOAP Fault
        with pytest.raises(soap.SoapFault):
            soap.unwrap(parse_xml(response.content))
    assert sim.state()["received"][-1]["http_status"] == 500


def test_doctype_is_refused_as_broken_xml(sim: CityFibreSimulator) -> None:
    body = b'<!DOCTYPE x [<!ENTITY e "boom">]><addFaultReport>&e;</addFaultReport>'

    assert post(sim, "addFaultReport", body).status_code == 500


def request_update_body(fault: Fault) -> bytes:
    return soap.wrap(
        build_request_fault_report_update(fault=fault, message_id=message_id(), sent_at=now())
    )


@pytest.mark.parametrize(
    ("operation", "build"),
    [
        ("amendFaultReport", lambda f: amend_body(f, changes={"description": "x"})),
        ("resolveResponse", lambda f: resolve_body(f, accepted=True)),
        ("requestFaultReportUpdate", request_update_body),
    ],
)
def test_unknown_fault_reference_is_400_no_workflow(
    sim: CityFibreSimulator, operation: str, build: Callable[[Fault], bytes]
) -> None:
    fault = make_fault(maintainer_fault_reference="CS0000001")

    answer = _refused(post(sim, operation, build(fault)), 400)

    assert answer.findtext("errorMessage") == NO_WORKFLOW


def test_a_message_posted_to_another_operations_path_is_refused(
    sim: CityFibreSimulator,
) -> None:
    fault = make_fault(maintainer_fault_reference="CS0000001")

    response = post(sim, "addFaultReport", resolve_body(fault, accepted=True))

    assert _refused(response, 400).tag == "receivedFaultReport"


def test_unknown_path_is_404(sim: CityFibreSimulator) -> None:
    assert post(sim, "queryNothing", add_body(make_fault())).status_code == 404


# --- follow-up messages --------------------------------------------------------------------------
def test_request_fault_report_update_is_answered_then_fully_notified(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault()
    raise_fault(sim, fault)
    accept(receiver, fault, HAPPY)

    response = post(sim, "requestFaultReportUpdate", request_update_body(fault))

    assert response.status_code == 200
    answer = answer_of(response)
    assert answer.tag == "receivedRequestFaultReportUpdate"
    assert answer.findtext("responseCode") == "200"
    full = receiver.wait_for_statuses(fault.buyer_fault_reference, [*HAPPY, "resolved"])[-1]
    notification = parse_notification(full["element"])
    assert notification.maintainer_fault_reference == fault.maintainer_fault_reference
    assert len(notification.updates) == 3
    assert notification.details.status_reason


def test_amend_with_status_cancelled_cancels_the_fault(receiver: Receiver, pki: DemoPki) -> None:
    with _simulator(receiver, pki, step_delay=30) as simulator:  # nothing moves on its own
        fault = make_fault()
        raise_fault(simulator, fault)

        response = post(
            simulator,
            "amendFaultReport",
            amend_body(fault, status="cancelled", status_reason="Raised in error"),
        )

        assert response.status_code == 200
        answer = answer_of(response)
        assert answer.tag == "receivedAmendFaultReport"
        assert answer.findtext("status") == "cancelled"
        assert answer.findtext("responseCode") == "200"
        cancelled = receiver.wait_for_statuses(fault.buyer_fault_reference, ["cancelled"])
        assert parse_notification(cancelled[0]["element"]).details.status_reason == (
            "Raised in error"
        )
        # A cancelled fault cannot be amended any more.
        again = post(simulator, "amendFaultReport", amend_body(fault, changes={"priority": 1}))
        assert _refused(again, 400).findtext("status") == "cancelled"


def test_an_amendment_is_merged_and_the_full_report_notified(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    sim.configure(step_delay=30)
    fault = make_fault()
    raise_fault(sim, fault)
    comment = FaultComment(
        text="Customer now available all day.",
        commented_by="buyer",
        commented_time=datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
    )

    response = post(
        sim,
        "amendFaultReport",
        amend_body(fault, changes={"fault_location": "Cabinet 14"}, comment=comment),
    )

    assert response.status_code == 200
    assert answer_of(response).findtext("status") == "pending"
    (amended,) = receiver.wait_for_statuses(fault.buyer_fault_reference, ["pending"])
    notification = parse_notification(amended["element"])
    assert notification.details.fault_location == "Cabinet 14"
    assert notification.details.description == "Intermittent loss of sync."
    assert notification.comment.value == "Customer now available all day."


def test_an_amendment_breaking_the_appointment_rule_is_refused_403(
    sim: CityFibreSimulator,
) -> None:
    sim.configure(step_delay=30)
    fault = make_fault()
    raise_fault(sim, fault)

    response = post(
        sim, "amendFaultReport", amend_body(fault, changes={"fault_type": "Service Outage"})
    )

    answer = _refused(response, 403)
    assert answer.findtext("status") == "pending"  # the fault goes on; the amendment does not
    assert sim.state()["faults"][fault.buyer_fault_reference]["fault_type"] == "Impaired Service"


def test_a_repeated_raise_is_answered_again_but_applied_once(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault()
    body = add_body(fault)

    first, second = post(sim, "addFaultReport", body), post(sim, "addFaultReport", body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert [r["repeat"] for r in sim.state()["received"]] == [False, True]
    receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)
    # The same reference under a new message id is a second fault: refused.
    third = post(sim, "addFaultReport", add_body(fault))
    assert "already exists" in _refused(third, 400).findtext("errorMessage")


def test_bare_xml_posted_to_root_is_dispatched_by_its_root_element(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault()
    bare = etree.tostring(
        build_add_fault_report(fault=fault, message_id=message_id(), sent_at=now())
    )

    response = post(sim, "", bare)

    assert response.status_code == 201
    assert answer_of(response).tag == "receivedFaultReport"
    assert sim.state()["received"][-1]["soap"] is False
    receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)


# --- scenarios -----------------------------------------------------------------------------------
def test_on_hold_scenario(sim: CityFibreSimulator, receiver: Receiver) -> None:
    fault = make_fault(service_id="SIM-HOLD-0001")
    raise_fault(sim, fault)

    delivered = receiver.wait_for_statuses(
        fault.buyer_fault_reference,
        ["accepted", "in-progress", "on-hold", "in-progress", "resolved"],
    )

    on_hold = parse_notification(delivered[2]["element"])
    assert on_hold.details.status_reason
    assert on_hold.comment.commented_by == "seller"
    assert parse_notification(delivered[3]["element"]).details.status_reason == ""


def test_reject_scenario_refuses_the_raise_at_once(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    response = post(sim, "addFaultReport", add_body(make_fault(service_id="SIM-REJECT-1")))

    answer = _refused(response, 400)
    assert answer.findtext("status") == "rejected"
    assert "serviceAffected" in json.loads(answer.findtext("errorMessage"))
    assert sim.state()["faults"] == {}


def test_reject_async_scenario_notifies_rejected_with_a_reason(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault(service_id="SIM-REJECT-ASYNC-1")
    assert raise_fault(sim, fault).findtext("status") == "pending"

    (rejected,) = receiver.wait_for_statuses(fault.buyer_fault_reference, ["rejected"])

    notification = parse_notification(rejected["element"])
    assert notification.details.status_reason == "Missing data"
    assert notification.maintainer_fault_reference == ""


def test_silent_scenario_answers_pending_and_then_nothing(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault(service_id="SIM-SILENT-1")
    raise_fault(sim, fault)
    other = make_fault()
    raise_fault(sim, other)

    # By the time another fault has lived its whole life, the silent one has said nothing.
    receiver.wait_for_statuses(other.buyer_fault_reference, HAPPY)
    assert receiver.statuses(fault.buyer_fault_reference) == []
    assert sim.state()["faults"][fault.buyer_fault_reference]["status"] == "pending"


def test_default_scenario_is_configurable(sim: CityFibreSimulator, receiver: Receiver) -> None:
    sim.configure(scenario="reject-async")
    fault = make_fault()
    raise_fault(sim, fault)

    receiver.wait_for_statuses(fault.buyer_fault_reference, ["rejected"])
    assert sim.state()["faults"][fault.buyer_fault_reference]["scenario"] == "reject-async"


def test_503_scenario_fails_the_raise_then_takes_it(
    sim: CityFibreSimulator, receiver: Receiver
) -> None:
    fault = make_fault(service_id="SIM-503-1")
    body = add_body(fault)

    codes = [post(sim, "addFaultReport", body).status_code for _ in range(3)]

    assert codes == [503, 503, 201]
    receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)


# --- outages, ours and theirs --------------------------------------------------------------------
def test_outage_switch_answers_503_to_the_next_requests(sim: CityFibreSimulator) -> None:
    sim.configure(fail_next=2)
    fault = make_fault()
    body = add_body(fault)

    responses = [post(sim, "addFaultReport", body) for _ in range(3)]

    assert [r.status_code for r in responses] == [503, 503, 201]
    assert answer_of(responses[0]).findtext("responseCode") == "503"
    assert [r["http_status"] for r in sim.state()["received"]] == [503, 503, 201]


def test_outage_switch_for_a_while(sim: CityFibreSimulator) -> None:
    sim.configure(fail_for_seconds=30, fail_status=502)
    fault = make_fault()
    body = add_body(fault)

    assert post(sim, "addFaultReport", body).status_code == 502
    assert post(sim, "addFaultReport", body).status_code == 502
    sim.configure(fail_for_seconds=0)
    assert post(sim, "addFaultReport", body).status_code == 201


def test_the_simulator_retries_a_notification_until_we_answer_200(pki: DemoPki) -> None:
    receiver = Receiver(fail_first=2)
    try:
        with _simulator(receiver, pki) as simulator:
            fault = make_fault()
            raise_fault(simulator, fault)

            receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)

            sent = simulator.wait_for(lambda s: len(s["sent"]) == 3 and s["sent"][0]["done"])
            first = sent["sent"][0]
            assert [a["http_status"] for a in first["attempts"]] == [503, 503, 200]
            assert first["delivered"] is True
            assert [r["answered"] for r in receiver.requests][:3] == [503, 503, 200]
    finally:
        receiver.stop()


# --- the control API -----------------------------------------------------------------------------
def test_control_api_state_config_and_reset(sim: CityFibreSimulator, receiver: Receiver) -> None:
    fault = make_fault()
    body = add_body(fault)
    raise_fault_response = post(sim, "addFaultReport", body)
    receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)
    # The receiver has answered the last notification; the simulator records that answer a
    # moment later.
    sim.wait_for(lambda st: len(st["sent"]) == len(HAPPY) and all(s["done"] for s in st["sent"]))

    state = requests.get(f"{sim.url}/_sim/state", timeout=5).json()

    (received,) = state["received"]
    assert received["operation"] == "addFaultReport"
    assert received["message_id"] == answer_of(raise_fault_response).findtext("messageId")
    assert received["buyer_fault_reference"] == fault.buyer_fault_reference
    assert received["http_status"] == 201
    assert received["xsd_valid"] is True
    assert received["soap"] is True
    assert received["body"] == body.decode()
    held = state["faults"][fault.buyer_fault_reference]
    assert held["status"] == "resolved"
    assert held["scenario"] == "happy"
    assert [s["status"] for s in state["sent"]] == HAPPY
    assert all(s["http_status"] == 200 for s in state["sent"])

    changed = requests.post(
        f"{sim.url}/_sim/config", json={"default_scenario": "silent", "step_delay": 1}, timeout=5
    )
    assert changed.status_code == 200
    assert changed.json()["scenario"] == "silent"
    refused = requests.post(f"{sim.url}/_sim/config", json={"scenario": "nope"}, timeout=5)
    assert refused.status_code == 400
    assert requests.post(f"{sim.url}/_sim/config", json={"colour": 1}, timeout=5).status_code == 400

    assert requests.post(f"{sim.url}/_sim/reset", timeout=5).status_code == 200
    after = sim.state()
    assert (after["faults"], after["received"], after["sent"]) == ({}, [], [])
    assert after["config"]["scenario"] == "happy"


# --- mutual TLS ----------------------------------------------------------------------------------
def test_https_requires_a_client_certificate(receiver: Receiver, pki: DemoPki) -> None:
    with _simulator(receiver, pki, tls=pki) as simulator:
        assert simulator.url.startswith("https://127.0.0.1:")
        fault = make_fault()
        client = (str(pki.buyer_client.cert_path), str(pki.buyer_client.key_path))

        response = post(
            simulator,
            "addFaultReport",
            add_body(fault),
            cert=client,
            verify=str(pki.ca_cert_path),
        )

        assert response.status_code == 201
        receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)
        with pytest.raises(requests.exceptions.ConnectionError):  # SSLError is one
            post(simulator, "addFaultReport", add_body(make_fault()), verify=str(pki.ca_cert_path))
        assert len(simulator.state()["received"]) == 1


# --- the management command ----------------------------------------------------------------------
@contextlib.contextmanager
def simulator_command(
    receiver: Receiver, tmp_path: Path, env: dict[str, str], *options: str
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`manage.py simulate_cityfibre` notifying `receiver`: (its URL, the process)."""
    ensure_demo_pki(tmp_path / "certs")  # as `make run`'s load_demo makes it
    with running_command(
        "simulate_cityfibre",
        "--port=0",
        f"--notify-url={receiver.url}",
        "--step-delay=0.05",
        f"--pki-dir={tmp_path / 'certs'}",
        *options,
        env=env,
    ) as (banner, process):
        match = re.search(r"on (http://127\.0\.0\.1:\d+)/", banner)
        assert match, banner
        yield match.group(1), process


def test_management_command_serves_until_interrupted(
    receiver: Receiver, tmp_path: Path, settings: Any
) -> None:
    with simulator_command(receiver, tmp_path, {"DEBUG": "1"}) as (simulator_url, process):
        fault = make_fault()

        response = requests.post(f"{simulator_url}/addFaultReport", data=add_body(fault), timeout=5)

        assert response.status_code == 201
        delivered = receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)
        assert delivered[0]["headers"]["X-SSL-Client-Cert"]
        # In DEBUG it plays the proxy's mutual-TLS site, secret included (issue 10 #5).
        # (The command runs with the same environment, DEBUG on: the same setting.)
        assert delivered[0]["headers"]["X-Partner-Proxy-Secret"] == settings.PARTNER_PROXY_SECRET
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "<- addFaultReport" in output
        assert "-> notify" in output


@pytest.mark.parametrize("option", ["tls_dir", "pki_dir"])
def test_management_command_without_the_demo_pki_names_what_is_missing(
    tmp_path: Path, option: str
) -> None:
    """The simulator reads its certificates, it does not make them (the demo PKI is a
    development tool): a directory without them is a clear error, and nothing is written."""
    with pytest.raises(CommandError) as refused:
        call_command("simulate_cityfibre", "--port=0", **{option: tmp_path})

    assert "ca.pem" in str(refused.value)
    assert "supplier-client.pem" in str(refused.value)
    assert "manage.py demo_pki" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


PRODUCTION_SECRET = "production-proxy-secret-of-32-or-more-characters"
WITHOUT_DEBUG = {
    "DEBUG": "0",
    "SECRET_KEY": "a-secret-key-for-this-test-only-of-50-or-more-characters-long",
    "PARTNER_PROXY_SECRET": PRODUCTION_SECRET,
}


@pytest.mark.parametrize(("options", "sent"), [((), None), (("--send-proxy-secret",), True)])
def test_without_debug_the_command_sends_the_real_proxy_secret_only_when_asked(
    receiver: Receiver, tmp_path: Path, options: tuple[str, ...], sent: bool | None
) -> None:
    """Outside DEBUG the setting is the production secret: sent to whatever --notify-url
    names, it would leak to whoever runs a listener there."""
    with simulator_command(receiver, tmp_path, WITHOUT_DEBUG, *options) as (simulator_url, _):
        fault = make_fault()
        response = requests.post(f"{simulator_url}/addFaultReport", data=add_body(fault), timeout=5)
        assert response.status_code == 201

        delivered = receiver.wait_for_statuses(fault.buyer_fault_reference, HAPPY)

    secrets_sent = {r["headers"].get("X-Partner-Proxy-Secret") for r in delivered}
    assert secrets_sent == ({PRODUCTION_SECRET} if sent else {None})


# --- against our own webhook ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_our_webhook_acknowledges_every_notification_of_the_simulator(
    live_server: Any, pki: DemoPki, settings: Any
) -> None:
    # Given our endpoint, with the supplier's client certificate pinned, and a raised fault.
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    partner = PartnerFactory(
        slug="simulated-supplier",
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
    )
    identifier = BuyerIdentifierFactory(partner=partner, code=BUYER, is_default=True)
    fault = FaultFactory(supplier=partner, buyer_identifier=identifier)
    notify = f"{live_server.url}/integrations/cityfibre/{partner.slug}/notify/"

    with CityFibreSimulator(
        port=0,
        notify_url=notify,
        buyer_identifiers={BUYER},
        step_delay=STEP,
        supplier_client_cert=pki.supplier_client,
        proxy_secret=settings.PARTNER_PROXY_SECRET,
        notify_backoff=0.05,
    ) as simulator:
        # When the simulator takes the raise and lives the fault's default life.
        raise_fault(simulator, fault)
        state = simulator.wait_for(
            lambda s: len(s["sent"]) == 3 and all(sent["done"] for sent in s["sent"]),
            timeout=WAIT,
        )

    # Then our endpoint answered 200 to each notification, at the first attempt, and stored it.
    assert [(s["status"], s["http_status"], len(s["attempts"])) for s in state["sent"]] == [
        ("accepted", 200, 1),
        ("in-progress", 200, 1),
        ("resolved", 200, 1),
    ]
    stored = InboundMessage.objects.filter(partner=partner).order_by("id")
    assert [m.message_id for m in stored] == [s["message_id"] for s in state["sent"]]
    assert all(m.deviations == [] for m in stored)  # what the simulator sends is XSD-valid
