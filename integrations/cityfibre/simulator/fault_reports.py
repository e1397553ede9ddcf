"""The supplier's fault-report operations (seed 004): addFaultReport, amendFaultReport,
resolveResponse, requestFaultReportUpdate. Each registers itself in the dispatch table.

By the time a handler runs, the request is well-formed, valid against the XSD and from a known
buyer identifier (`dispatch`). What a handler changes it changes under the state lock; the
notifications it causes wait until its answer has been sent (`hold`).

A `Service Outage` raise spends the reservation key it carries; an amendment carrying another key
re-appoints the fault (`appointments`: the key must be valid, the appointment moves, and the
appointment's life starts again).
"""

import copy
import dataclasses
import threading
from datetime import UTC, datetime
from functools import partial

from lxml import etree

from integrations.cityfibre.simulator.appointments import (
    move_reservation,
    reservation_key,
    reservation_refusal,
    use_reservation,
)
from integrations.cityfibre.simulator.dispatch import Operation, Reply, Request, register
from integrations.cityfibre.simulator.lifecycle import Lifecycle
from integrations.cityfibre.simulator.messages import merge_amendment, notification_errors
from integrations.cityfibre.simulator.scenarios import Scenario, scenario_for
from integrations.cityfibre.simulator.state import (
    SimComment,
    SimFault,
    SimState,
    SimUpdate,
    utc_now,
)
from integrations.cityfibre.simulator.validation import (
    NO_WORKFLOW,
    check_appointment_rule,
    check_mandatory,
    error_text,
    xsd_refusal,
)

__all__ = ["ADD", "AMEND", "REQUEST_UPDATE", "RESOLVE"]

# The documents mark these required for a raise, where the XSD leaves sentAt optional; and a
# report without faultDetails is "missing mandatory information" (seed 001, step 3b).
ADD_MANDATORY = (
    "apiVersion",
    "buyerIdentifier",
    "sentAt",
    "messageId",
    "serviceAffected",
    "buyerFaultReference",
    "faultDetails",
)
TERMINAL = frozenset({"rejected", "closed", "cancelled"})
UNAVAILABLE = "Service temporarily unavailable (simulated for this service)"
RESOLUTION_REFUSED = error_text(
    resolveAccepted="The resolution is under review by our quality team and cannot be answered yet"
)


def _datetime(text: str | None) -> datetime:
    """An xs:dateTime from a request (already XSD-valid), in UTC; now if it cannot be read."""
    text = (text or "").strip()
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        return utc_now()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _buyer_updates(element: etree._Element) -> list[SimUpdate]:
    return [
        SimUpdate(
            description=(item.findtext("description") or "").strip(),
            updated_by=(item.findtext("updatedBy") or "buyer").strip(),
            updated_time=_datetime(item.findtext("updatedTime")),
        )
        for item in element.findall("updates/update")
    ]


def _comment(element: etree._Element) -> SimComment | None:
    found = element.find("comment")
    if found is None:
        return None
    return SimComment(
        value=(found.findtext("value") or "").strip(),
        commented_by=(found.findtext("commentedBy") or "buyer").strip(),
        commented_time=_datetime(found.findtext("commentedTime")),
    )


def _find(request: Request, state: SimState) -> SimFault | None:
    """The fault a follow-up message names: by buyer reference (or maintainer reference), and
    the two must agree with each other and with the buyer identifier."""
    reference = request.buyer_fault_reference
    maintainer = request.text("maintainerFaultReference")
    fault = state.faults.get(reference)
    if fault is None and maintainer:
        fault = next(
            (f for f in state.faults.values() if f.maintainer_fault_reference == maintainer),
            None,
        )
    if fault is None or fault.buyer_identifier != request.buyer_identifier:
        return None
    if maintainer and fault.maintainer_fault_reference != maintainer:
        return None
    if reference and fault.buyer_fault_reference != reference:
        return None
    return fault


def _released(reply: Reply, hold: threading.Event) -> Reply:
    """`reply`, releasing the notifications that wait on `hold` once it has been sent."""
    reply.after.append(hold.set)
    return reply


# --- addFaultReport ------------------------------------------------------------------------------
def add_fault_report(request: Request, life: Lifecycle) -> Reply:
    state = life.state
    element = request.element
    reference = request.buyer_fault_reference
    service = request.text("serviceAffected")
    with state.lock:
        scenario = scenario_for(service, state.config.scenario)
        if scenario is Scenario.UNAVAILABLE:
            answered = state.unavailable_answers.get(reference, 0)
            if answered < state.config.unavailable_count:
                state.unavailable_answers[reference] = answered + 1
                return request.respond(503, error=UNAVAILABLE)
        refusal = check_mandatory(element, ADD_MANDATORY)
        if refusal is not None:
            return request.respond(refusal.http_status, error=refusal.error)
        if scenario is Scenario.REJECT:
            return request.respond(
                400, error=error_text(serviceAffected=f"Service '{service[:60]}' is not valid")
            )
        key = reservation_key(element)
        refusal = check_appointment_rule(element)
        if refusal is None and key:  # a Service Outage: the key must be this supplier's, unspent
            refusal = reservation_refusal(
                state, key, buyer_identifier=request.buyer_identifier, fault_reference=reference
            )
        if refusal is not None:
            return request.respond(refusal.http_status, error=refusal.error)
        if reference in state.faults:
            return request.respond(
                400,
                error=error_text(
                    buyerFaultReference="A fault report with that reference already exists"
                ),
            )
        report = copy.deepcopy(element)
        etree.cleanup_namespaces(report)
        fault = life.open_fault(
            report=report,
            buyer_identifier=request.buyer_identifier,
            buyer_fault_reference=reference,
            message_id=request.message_id,
            scenario=scenario,
            updates=_buyer_updates(element),
            comment=_comment(element),
        )
        if key:
            use_reservation(state, key, reference)
        reply = request.respond(201, status="pending")
        reply.after.append(partial(life.start, reference, fault.epoch))
        return reply


# --- amendFaultReport ----------------------------------------------------------------------------
def amend_fault_report(request: Request, life: Lifecycle) -> Reply:
    """Merge what changed; a requested status of `cancelled` cancels the fault. Other statuses
    in the request are ignored: the supplier's own sample sends its current one back."""
    state = life.state
    element = request.element
    with state.lock:
        fault = _find(request, state)
        if fault is None:
            return request.respond(400, status="rejected", error=NO_WORKFLOW)
        if fault.status in TERMINAL:
            error = error_text(status=f"The fault report is {fault.status}: it cannot be amended")
            return request.respond(400, status=fault.status, error=error)
        merged = merge_amendment(fault.report, element)
        refusal = check_appointment_rule(merged) or xsd_refusal(
            notification_errors(dataclasses.replace(fault, report=merged))
        )
        old_key, new_key = reservation_key(fault.report), reservation_key(merged)
        moving = new_key != old_key and bool(new_key)  # a re-appointment
        if refusal is None and moving:
            refusal = reservation_refusal(
                state,
                new_key,
                buyer_identifier=request.buyer_identifier,
                fault_reference=fault.buyer_fault_reference,
            )
        if refusal is not None:
            # The amendment is refused, the fault goes on: the answer carries its status.
            return request.respond(refusal.http_status, status=fault.status, error=refusal.error)

        fault.report = merged
        if moving:
            move_reservation(state, old_key, new_key, fault.buyer_fault_reference)
        known = {(u.description, u.updated_by, u.updated_time) for u in fault.updates}
        for update in _buyer_updates(element):
            if (update.description, update.updated_by, update.updated_time) not in known:
                fault.updates.append(update)
        fault.comment = _comment(element) or fault.comment
        requested = (element.findtext("faultDetails/status") or "").strip().lower()
        hold = threading.Event()
        if requested == "cancelled":
            reason = (element.findtext("faultDetails/statusReason") or "").strip()
            life.cancel(fault, reason=reason, hold=hold)
        else:
            life.send_full_update(fault, hold=hold, cause="amended by the buyer")
            if moving:
                life.reappoint(fault)
        return _released(request.respond(200, status=fault.status), hold)


# --- resolveResponse -----------------------------------------------------------------------------
def resolve_response(request: Request, life: Lifecycle) -> Reply:
    """Our answer to `resolved`: accepted → closed; rejected → re-opened and worked again."""
    state = life.state
    with state.lock:
        fault = _find(request, state)
        if fault is None:
            return request.respond(400, error=NO_WORKFLOW)
        refusal = check_mandatory(request.element, ("resolveAccepted",))
        if refusal is not None:
            return request.respond(refusal.http_status, error=refusal.error)
        if fault.status != "resolved":
            error = error_text(status=f"The fault report is {fault.status}, not resolved")
            return request.respond(400, error=error)
        if fault.scenario == Scenario.REFUSE_RESOLUTION:
            return request.respond(400, error=RESOLUTION_REFUSED)
        hold = threading.Event()
        life.answer_resolution(
            fault,
            accepted=request.text("resolveAccepted").lower() in ("true", "1"),
            reason=request.text("rejectedReason"),
            hold=hold,
        )
        return _released(request.respond(200), hold)


# --- requestFaultReportUpdate --------------------------------------------------------------------
def request_fault_report_update(request: Request, life: Lifecycle) -> Reply:
    """Answered at once; the full notification of the fault's current state follows."""
    state = life.state
    with state.lock:
        fault = _find(request, state)
        if fault is None or not fault.maintainer_fault_reference:
            return request.respond(400, error=NO_WORKFLOW)
        hold = threading.Event()
        life.send_full_update(fault, hold=hold, cause="full update requested")
        return _released(request.respond(200), hold)


ADD = register(
    Operation(
        name="addFaultReport",
        root="addFaultReport",
        response_root="receivedFaultReport",
        handler=add_fault_report,
        with_status=True,
    )
)
AMEND = register(
    Operation(
        name="amendFaultReport",
        root="amendFaultReport",
        response_root="receivedAmendFaultReport",
        handler=amend_fault_report,
        with_status=True,
    )
)
RESOLVE = register(
    Operation(
        name="resolveResponse",
        root="resolveResponse",
        response_root="receivedResolvedResponse",
        handler=resolve_response,
        with_status=False,
    )
)
REQUEST_UPDATE = register(
    Operation(
        name="requestFaultReportUpdate",
        root="requestFaultReportUpdate",
        response_root="receivedRequestFaultReportUpdate",
        handler=request_fault_report_update,
        with_status=False,
    )
)
