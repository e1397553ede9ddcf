"""Driving each accepted fault through its life: timers, transitions and the notification each
transition sends.

Every change happens under the state lock and writes its notification (a snapshot of the fault at
that moment) into the fault's delivery lane in the same breath, so notifications leave in the order
the changes happened. Timed steps carry the fault's epoch; a change of plan (cancel, our answer to
a resolution, a re-appointment) renews the epoch and the older timers lapse when they fire.

A plan mixes status steps and appointment steps (`scenarios.plan_for`); an appointment step acts
on the reservation the fault's report currently carries, so a re-appointment made while a plan
runs is what the next appointment step speaks of.
"""

import logging
import threading
from collections.abc import Sequence
from functools import partial

from lxml import etree

from integrations.cityfibre import soap
from integrations.cityfibre.simulator.messages import (
    build_appointment_notification,
    build_notification,
)
from integrations.cityfibre.simulator.notifier import Notifier, Outgoing
from integrations.cityfibre.simulator.scenarios import (
    AUTO_CLOSE,
    CANCEL,
    CLOSE_ACCEPTED,
    REOPEN_PLAN,
    AnyStep,
    AppointmentStep,
    Scenario,
    Step,
    plan_for,
    reappointment_plan,
)
from integrations.cityfibre.simulator.slots import SimReservation
from integrations.cityfibre.simulator.state import (
    SentRecord,
    SimComment,
    SimFault,
    SimState,
    SimUpdate,
    utc_now,
)
from integrations.simulation.scheduler import Scheduler

__all__ = ["Lifecycle"]

logger = logging.getLogger("integrations.cityfibre.simulator")


class Lifecycle:
    """The supplier's workflow. Methods taking a fault expect the caller to hold `state.lock`."""

    def __init__(self, *, state: SimState, notifier: Notifier, scheduler: Scheduler) -> None:
        self.state = state
        self.notifier = notifier
        self.scheduler = scheduler

    # --- what the operations call ------------------------------------------------------------
    def open_fault(
        self,
        *,
        report: etree._Element,
        buyer_identifier: str,
        buyer_fault_reference: str,
        message_id: str,
        scenario: Scenario,
        updates: Sequence[SimUpdate] = (),
        comment: SimComment | None = None,
    ) -> SimFault:
        """Store a raise that was answered 201 pending. Its life starts with `start`, once the
        answer has been sent."""
        now = utc_now()
        fault = SimFault(
            buyer_fault_reference=buyer_fault_reference,
            buyer_identifier=buyer_identifier,
            scenario=scenario.value,
            report=report,
            raise_message_id=message_id,
            created_at=now,
            updates=list(updates),
            comment=comment,
            epoch=self.state.new_epoch(),
        )
        fault.history.append(
            {"at": now.isoformat(), "status": "pending", "reason": "", "cause": "raised"}
        )
        self.state.faults[buyer_fault_reference] = fault
        return fault

    def start(self, key: str, epoch: int) -> None:
        with self.state.lock:
            fault = self._current(key, epoch)
            if fault is None:
                return
            with_appointment = self._appointment(fault) is not None
            plan = plan_for(Scenario(fault.scenario), with_appointment=with_appointment)
            if plan:
                self._schedule(key, epoch, plan, 0)

    def cancel(self, fault: SimFault, *, reason: str, hold: threading.Event | None) -> None:
        fault.epoch = self.state.new_epoch()
        self._apply(fault, CANCEL, cause="cancelled by the buyer", reason=reason or CANCEL.reason)
        self._notify(fault, hold)

    def answer_resolution(
        self, fault: SimFault, *, accepted: bool, reason: str, hold: threading.Event | None
    ) -> None:
        fault.epoch = self.state.new_epoch()
        fault.resolve_accepted = accepted
        if accepted:
            self._apply(fault, CLOSE_ACCEPTED, cause="resolution accepted")
            self._notify(fault, hold)
            return
        reason = reason or "Resolution rejected by the buyer."
        reopen = Step("re-opened", update=f"Re-opened - buyer rejected the resolution: {reason}")
        self._apply(fault, reopen, cause="resolution rejected", reason=reason)
        self._notify(fault, hold)
        self._schedule(fault.buyer_fault_reference, fault.epoch, REOPEN_PLAN, 0)

    def send_full_update(
        self, fault: SimFault, *, hold: threading.Event | None, cause: str
    ) -> None:
        """A notification of the fault as it is (after a requestFaultReportUpdate or an
        amendment: "a full update using the notifyFaultReportUpdate API", seed 001 step 7)."""
        now = utc_now().isoformat()
        fault.history.append(
            {"at": now, "status": fault.status, "reason": fault.status_reason, "cause": cause}
        )
        self._notify(fault, hold)

    def reappoint(self, fault: SimFault) -> None:
        """The fault's appointment has moved (its report carries the new key): once the fault is
        accepted, its plan starts again from the new appointment. Before that, the plan that runs
        confirms whichever appointment the fault has when it gets there."""
        if fault.status == "pending":
            return
        fault.epoch = self.state.new_epoch()
        plan = reappointment_plan(fault.status)
        self._schedule(fault.buyer_fault_reference, fault.epoch, plan, 0)

    # --- timers ------------------------------------------------------------------------------
    def _current(self, key: str, epoch: int) -> SimFault | None:
        fault = self.state.faults.get(key)
        return fault if fault is not None and fault.epoch == epoch else None

    def _appointment(self, fault: SimFault) -> SimReservation | None:
        return self.state.reservations.get(fault.text("appointment/appointmentReservationKey"))

    def _schedule(self, key: str, epoch: int, plan: Sequence[AnyStep], index: int) -> None:
        delay = self.state.config.step_delay
        self.scheduler.call_later(delay, partial(self._run_step, key, epoch, tuple(plan), index))

    def _run_step(self, key: str, epoch: int, plan: tuple[AnyStep, ...], index: int) -> None:
        with self.state.lock:
            fault = self._current(key, epoch)
            if fault is None:
                return
            fault.resolve_accepted = None
            step = plan[index]
            if isinstance(step, AppointmentStep):
                reservation = self._appointment(fault)
                if reservation is not None:
                    self._apply_appointment(fault, reservation, step)
                    self._notify(fault, appointment=(reservation, step.event))
            else:
                self._apply(fault, step, cause=f"scenario {fault.scenario}")
                self._notify(fault)
            if index + 1 < len(plan):
                self._schedule(key, epoch, plan, index + 1)
            elif fault.status == "resolved":
                self.scheduler.call_later(
                    self.state.config.auto_close_after, partial(self._auto_close, key, epoch)
                )

    def _auto_close(self, key: str, epoch: int) -> None:
        with self.state.lock:
            fault = self._current(key, epoch)
            if fault is None or fault.status != "resolved":
                return
            self._apply(fault, AUTO_CLOSE, cause="no resolution answer in time")
            self._notify(fault)

    # --- one change, one notification --------------------------------------------------------
    def _apply(self, fault: SimFault, step: Step, *, cause: str, reason: str | None = None) -> None:
        now = utc_now()
        fault.status = step.status
        fault.status_reason = step.reason if reason is None else reason
        if step.assigns_reference and not fault.maintainer_fault_reference:
            fault.maintainer_fault_reference = self.state.new_maintainer_reference()
        if step.update:
            fault.updates.append(SimUpdate(step.update, "seller", now))
        if step.comment:
            fault.comment = SimComment(step.comment, "seller", now)
        fault.history.append(
            {
                "at": now.isoformat(),
                "status": step.status,
                "reason": fault.status_reason,
                "cause": cause,
            }
        )
        logger.info(
            "   fault %s (%s) is %s%s",
            fault.buyer_fault_reference,
            fault.maintainer_fault_reference or "no maintainer reference",
            fault.status,
            f": {fault.status_reason}" if fault.status_reason else "",
        )

    def _apply_appointment(
        self, fault: SimFault, reservation: SimReservation, step: AppointmentStep
    ) -> None:
        now = utc_now()
        reservation.confirmation_status = step.confirmation_status
        reservation.cancelled = step.event == "cancelled"
        reservation.closure_code = step.closure_code or reservation.closure_code
        reservation.missed = dict(step.missed)
        event = {"at": now.isoformat(), "event": step.event, "closure_code": step.closure_code}
        if step.missed:
            event["missed"] = dict(step.missed)
        reservation.events.append(event)
        fault.updates.append(SimUpdate(step.update, "seller", now))
        fault.history.append(
            {
                "at": now.isoformat(),
                "status": fault.status,
                "reason": fault.status_reason,
                "cause": f"appointment {step.event}",
                "appointment": reservation.key,
            }
        )
        logger.info(
            "   fault %s appointment %s %s%s",
            fault.buyer_fault_reference,
            reservation.key,
            step.event,
            f" {step.closure_code}" if step.closure_code else "",
        )

    def _notify(
        self,
        fault: SimFault,
        hold: threading.Event | None = None,
        *,
        appointment: tuple[SimReservation, str] | None = None,
    ) -> None:
        if fault.scenario == Scenario.SILENT:
            return  # "never answer": the supplier keeps its changes to itself
        now = utc_now()
        message_id = self.state.new_message_id()
        deviations: list[str] = []
        summary = None
        if appointment is None:
            element = build_notification(fault, message_id=message_id, sent_at=now)
        else:
            reservation, event = appointment
            element, deviations = build_appointment_notification(
                fault,
                reservation,
                event=event,
                shape=self.state.config.appointment_shape,
                message_id=message_id,
                sent_at=now,
            )
            summary = {
                "event": event,
                "reservation_key": reservation.key,
                **reservation.slot.as_json(),
                "confirmation_status": reservation.confirmation_status,
                "cancelled": reservation.cancelled,
                "closure_code": reservation.closure_code,
                "missed": dict(reservation.missed),
            }
        body = soap.wrap(element)
        record = SentRecord(
            message_id=message_id,
            buyer_fault_reference=fault.buyer_fault_reference,
            status=fault.status,
            body=body.decode("utf-8"),
            created_at=now,
            kind="status" if summary is None else _kind(summary["event"]),
            appointment=summary,
            xsd_deviations=deviations,
        )
        self.state.sent.append(record)
        self.notifier.enqueue(fault.buyer_fault_reference, Outgoing(record, body, hold))


def _kind(event: str) -> str:
    return "missed-appointment" if event == "missed" else "appointment"
